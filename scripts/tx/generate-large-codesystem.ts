/**
 * Generates, deterministically, a large FHIR CodeSystem for scale tests of the terminology engine: by
 * default 100,000 concepts in a 6-level hierarchy, each with a display, two designations and three
 * properties (status, group, rank), plus value sets over it (all codes; an is-a subset of about 10,000
 * codes; an enumerated list).
 *
 *   node scripts/tx/generate-large-codesystem.ts [--size 100000] [--seed 47383] [--out dir]
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';

/**
 * Canonical URL of the generated code system.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
export const LARGE_CS_URL = 'https://example.org/fhir/liver-cryoablation/CodeSystem/large-test';
/**
 * Canonical base of the generated value sets.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
export const LARGE_VS_BASE = 'https://example.org/fhir/liver-cryoablation/ValueSet/large-test';

/**
 * Options of the generator.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
export interface LargeCodeSystemOptions {
  /** Number of concepts (default 100,000). */
  readonly size?: number;
  /** PRNG seed (default 47383). */
  readonly seed?: number;
  /** Children per concept at each level; its length + 1 is the number of levels (default 7 levels, room for 1,013,470 concepts; levels fill breadth-first, so 100,000 concepts use 6). */
  readonly fanout?: readonly number[];
}

/**
 * The generated resources.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
export interface LargeCodeSystem {
  readonly codeSystem: CodeSystem;
  readonly valueSets: readonly ValueSet[];
  /** Every code of the code system, in the tree's order (each concept before its children), for callers that pick codes. */
  readonly codes: readonly string[];
  /** The code whose is-a subset is the `-isa` value set. */
  readonly isaRoot: string;
  /** Number of codes in the is-a subset. */
  readonly isaSize: number;
}

const WORDS = [
  'hepatic', 'lesion', 'tumor', 'cryoablation', 'percutaneous', 'segment', 'lobe', 'vascular', 'portal', 'biliary',
  'ablation', 'margin', 'necrosis', 'imaging', 'guided', 'probe', 'needle', 'thermal', 'freezing', 'thawing',
  'cycle', 'zone', 'metastatic', 'primary', 'carcinoma', 'nodule', 'capsule', 'parenchyma', 'artery', 'vein',
  'duct', 'cirrhosis', 'fibrosis', 'steatosis', 'resection', 'transplant', 'embolization', 'radiofrequency', 'microwave', 'ultrasound',
  'computed', 'tomography', 'magnetic', 'resonance', 'contrast', 'enhancement', 'washout', 'arterial', 'venous', 'delayed',
  'phase', 'diameter', 'volume', 'depth', 'proximity', 'diaphragm', 'gallbladder', 'colon', 'kidney', 'stomach',
  'complication', 'hemorrhage', 'abscess', 'pneumothorax', 'effusion', 'injury', 'stricture', 'recurrence', 'residual', 'complete',
  'partial', 'response', 'followup', 'surveillance', 'biopsy', 'histology', 'grade', 'stage', 'score', 'index',
];
const GROUPS = ['finding', 'procedure', 'device', 'anatomy', 'observation', 'qualifier', 'event', 'substance', 'regime', 'context'];

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates the code system and its value sets.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
export function generateLargeCodeSystem(options: LargeCodeSystemOptions = {}): LargeCodeSystem {
  const size = options.size ?? 100_000;
  const fanout = options.fanout ?? [10, 6, 6, 6, 6, 7, 10];
  const rnd = prng(options.seed ?? 47383);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  let n = 0;
  const make = (level: number): CodeSystemConcept => {
    n++;
    const code = `C${String(n).padStart(6, '0')}`;
    const words = [pick(WORDS), pick(WORDS), pick(WORDS)];
    const retired = rnd() < 0.01;
    const concept: CodeSystemConcept = {
      code,
      display: `${words[0]} ${words[1]} ${words[2]} ${n}`,
      designation: [
        { language: 'de', value: `${words[1]} ${words[0]} (de) ${n}` },
        { use: { system: 'http://snomed.info/sct', code: '900000000000013009', display: 'Synonym' }, value: `${words[2]} ${words[0]} ${n}` },
      ],
      property: [
        { code: 'status', valueCode: retired ? 'retired' : 'active' },
        { code: 'group', valueCode: GROUPS[level % GROUPS.length] },
        { code: 'rank', valueInteger: Math.floor(rnd() * 1000) },
      ],
    };
    return concept;
  };
  // Breadth-first allocation so that every level is filled before the deepest one is cut off at `size`.
  const roots: CodeSystemConcept[] = [];
  let frontier: CodeSystemConcept[] = [];
  for (let i = 0; i < fanout[0] && n < size; i++) {
    const c = make(0);
    roots.push(c);
    frontier.push(c);
  }
  for (let level = 1; level < fanout.length && n < size; level++) {
    const next: CodeSystemConcept[] = [];
    for (const parent of frontier) {
      for (let k = 0; k < fanout[level] && n < size; k++) {
        const c = make(level);
        (parent.concept ??= []).push(c);
        next.push(c);
      }
    }
    frontier = next;
  }
  const codeSystem: CodeSystem = {
    resourceType: 'CodeSystem',
    id: 'large-test',
    url: LARGE_CS_URL,
    version: '1.0.0',
    name: 'LargeTestCodeSystem',
    title: 'Large generated test code system',
    status: 'active',
    experimental: true,
    caseSensitive: true,
    hierarchyMeaning: 'is-a',
    content: 'complete',
    language: 'en',
    count: n,
    property: [
      { code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' },
      { code: 'group', uri: `${LARGE_CS_URL}#group`, type: 'code' },
      { code: 'rank', uri: `${LARGE_CS_URL}#rank`, type: 'integer' },
    ],
    concept: roots,
  };
  const codes: string[] = [];
  const walk = (concepts: readonly CodeSystemConcept[] | undefined): void => {
    for (const c of concepts ?? []) {
      codes.push(c.code);
      walk(c.concept);
    }
  };
  walk(roots);
  const countSubtree = (c: CodeSystemConcept): number => 1 + (c.concept ?? []).reduce((s, x) => s + countSubtree(x), 0);
  const isaRoot = roots[0];
  const enumerated = [roots[1], ...(roots[1].concept ?? []).slice(0, 3)].map((c) => ({ code: c.code }));
  const valueSets: ValueSet[] = [
    { resourceType: 'ValueSet', id: 'large-test-all', url: `${LARGE_VS_BASE}-all`, version: '1.0.0', status: 'active', compose: { include: [{ system: LARGE_CS_URL }] } },
    {
      resourceType: 'ValueSet',
      id: 'large-test-isa',
      url: `${LARGE_VS_BASE}-isa`,
      version: '1.0.0',
      status: 'active',
      compose: { include: [{ system: LARGE_CS_URL, filter: [{ property: 'concept', op: 'is-a', value: isaRoot.code }] }] },
    },
    {
      resourceType: 'ValueSet',
      id: 'large-test-enum',
      url: `${LARGE_VS_BASE}-enum`,
      version: '1.0.0',
      status: 'active',
      compose: { include: [{ system: LARGE_CS_URL, concept: enumerated }] },
    },
  ];
  return { codeSystem, valueSets, codes, isaRoot: isaRoot.code, isaSize: countSubtree(isaRoot) };
}

function main(): void {
  const args = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const size = Number(get('--size') ?? 100_000);
  const seed = Number(get('--seed') ?? 47383);
  const out = get('--out') ?? join(tmpdir(), 'tx-large-codesystem');
  const { codeSystem, valueSets, isaRoot, isaSize } = generateLargeCodeSystem({ size, seed });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'CodeSystem-large-test.json'), JSON.stringify(codeSystem));
  for (const vs of valueSets) writeFileSync(join(out, `ValueSet-${vs.id}.json`), JSON.stringify(vs, null, 2));
  console.log(`wrote ${codeSystem.count} concepts and ${valueSets.length} value sets to ${out} (is-a ${isaRoot}: ${isaSize} codes)`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
