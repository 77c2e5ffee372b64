/**
 * Measures the terminology engine on a large generated code system (see generate-large-codesystem.ts):
 * load (JSON parse) + index time and memory, then the cost of $lookup, $validate-code and $expand with a
 * text filter and count=20, through the operation handlers (in-process, no HTTP).
 *
 *   node --expose-gc scripts/tx/bench-large.ts [--size 100000] [--iterations 20000]
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeSystem, Parameters, ValueSet } from '@medplum/fhirtypes';
import { codeSystemLookup } from '../../src/operations/terminology/codesystem-lookup.ts';
import type { TerminologyOperationServices } from '../../src/operations/terminology/services.ts';
import { valueSetExpand } from '../../src/operations/terminology/valueset-expand.ts';
import { valueSetValidateCode } from '../../src/operations/terminology/valueset-validate-code.ts';
import type { OperationRequest } from '../../src/operations/types.ts';
import { indexCodeSystem } from '../../src/terminology/codesystem-index.ts';
import { MemoryResources } from '../../src/terminology/resources.ts';
import { generateLargeCodeSystem, LARGE_CS_URL, LARGE_VS_BASE } from './generate-large-codesystem.ts';

/** Writes the generated resources once (so that measuring starts from files, as a server would). */
function ensureFiles(size: number): string {
  const dir = join(tmpdir(), `tx-large-bench-${size}`);
  if (!existsSync(join(dir, 'cs.json'))) {
    const g = generateLargeCodeSystem({ size });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cs.json'), JSON.stringify(g.codeSystem));
    writeFileSync(join(dir, 'vs.json'), JSON.stringify({ valueSets: g.valueSets, isaSize: g.isaSize }));
  }
  return dir;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(0)} MB`;
}

function request(parameters: Parameters): OperationRequest {
  return { resourceType: 'CodeSystem', parameters, headers: {} };
}

function time(label: string, iterations: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  const per = (performance.now() - t0) / iterations;
  console.log(`${label}: ${(per * 1000).toFixed(1)} µs per call (${iterations} calls)`);
}

async function main(): Promise<void> {
  // let module loading finish (the operation definitions release their 35 MB source text)
  await new Promise((resolve) => setTimeout(resolve, 10));
  const size = arg('--size', 100_000);
  const iterations = arg('--iterations', 20_000);
  const dir = ensureFiles(size);
  gc();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  // The text goes out of scope once parsed: the engine keeps the parsed resource and its index, not the text.
  const { cs, jsonMb } = ((): { cs: CodeSystem; jsonMb: string } => {
    const text = readFileSync(join(dir, 'cs.json'), 'utf8');
    return { cs: JSON.parse(text) as CodeSystem, jsonMb: (text.length / 1e6).toFixed(1) };
  })();
  const t1 = performance.now();
  const index = indexCodeSystem(cs);
  const t2 = performance.now();
  index.textIndex();
  const t3 = performance.now();
  gc();
  const rssAfter = process.memoryUsage().rss;
  const extra = JSON.parse(readFileSync(join(dir, 'vs.json'), 'utf8')) as { valueSets: ValueSet[]; isaSize: number };
  console.log(`${index.size} concepts, ${jsonMb} MB of JSON`);
  console.log(`read+parse ${(t1 - t0).toFixed(0)} ms, index ${(t2 - t1).toFixed(0)} ms, text index ${(t3 - t2).toFixed(0)} ms: load+index ${(t3 - t0).toFixed(0)} ms`);
  console.log(`RSS ${mb(rssAfter)} (before loading ${mb(rssBefore)}; heap used ${mb(process.memoryUsage().heapUsed)})`);
  const resources = new MemoryResources([cs, ...extra.valueSets]);
  const services = (): TerminologyOperationServices => ({ deadline: Date.now() + 10_000, terminology: { resources, core: null } });
  const codes = index.codes;
  const codeAt = (i: number): string => codes[(i * 7919) % codes.length];

  time('$lookup', iterations, (i) => {
    codeSystemLookup(request({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: LARGE_CS_URL }, { name: 'code', valueCode: codeAt(i) }] }), services());
  });
  for (const [label, suffix] of [['all', '-all'], ['is-a subset', '-isa']] as const) {
    time(`$validate-code (${label})`, iterations, (i) => {
      valueSetValidateCode(
        request({
          resourceType: 'Parameters',
          parameter: [
            { name: 'url', valueUri: `${LARGE_VS_BASE}${suffix}` },
            { name: 'system', valueUri: LARGE_CS_URL },
            { name: 'code', valueCode: codeAt(i) },
          ],
        }),
        services(),
      );
    });
  }
  const words = ['hepatic', 'cryo', 'tumor vein', 'marg', 'portal artery', 'necrosis 12'];
  for (const [label, suffix, runs] of [['all', '-all', iterations], ['is-a subset', '-isa', Math.max(1, iterations / 10)]] as const) {
    time(`$expand ${label}, filter, count=20`, runs, (i) => {
      valueSetExpand(
        request({
          resourceType: 'Parameters',
          parameter: [
            { name: 'url', valueUri: `${LARGE_VS_BASE}${suffix}` },
            { name: 'filter', valueString: words[i % words.length] },
            { name: 'count', valueInteger: 20 },
          ],
        }),
        services(),
      );
    });
  }
  time(`$expand is-a subset (${extra.isaSize} codes), count=20`, Math.max(1, iterations / 100), () => {
    valueSetExpand(
      request({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: `${LARGE_VS_BASE}-isa` }, { name: 'count', valueInteger: 20 }] }),
      services(),
    );
  });
  gc();
  console.log(`RSS at end ${mb(process.memoryUsage().rss)}`);
}

await main();
