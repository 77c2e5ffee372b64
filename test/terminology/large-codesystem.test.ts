import { describe, expect, it } from 'vitest';
import { generateLargeCodeSystem, LARGE_CS_URL, LARGE_VS_BASE } from '../../scripts/tx/generate-large-codesystem.ts';
import { codeSystemLookup } from '../../src/operations/terminology/codesystem-lookup.ts';
import { valueSetExpand } from '../../src/operations/terminology/valueset-expand.ts';
import { valueSetValidateCode } from '../../src/operations/terminology/valueset-validate-code.ts';
import { indexCodeSystem } from '../../src/terminology/codesystem-index.ts';
import { tokenize } from '../../src/terminology/text-index.ts';
import { out, request, services } from './helpers.ts';

const generated = generateLargeCodeSystem({ size: 3_000, fanout: [4, 4, 4, 4, 4, 4] });
const svc = (): ReturnType<typeof services> => services({ resources: [generated.codeSystem, ...generated.valueSets] });

describe('a generated large code system', () => {
  it('is generated deterministically with the requested shape', () => {
    const again = generateLargeCodeSystem({ size: 3_000, fanout: [4, 4, 4, 4, 4, 4] });
    expect(JSON.stringify(again.codeSystem)).toBe(JSON.stringify(generated.codeSystem));
    const index = indexCodeSystem(generated.codeSystem);
    expect(index.size).toBe(3_000);
    // `codes` lists every code once, in the tree's order (a concept before its children), as the index holds them.
    expect(generated.codes.map((code) => index.locate(code))).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
    let depth = 0;
    for (let c = index.locate('C003000'); index.parents(c).length > 0; c = index.parents(c)[0]) depth++;
    expect(depth).toBe(5);
    const concept = index.concepts[index.locate('C000042')];
    expect(concept.designation).toHaveLength(2);
    expect(concept.property?.map((p) => p.code)).toEqual(['status', 'group', 'rank']);
  });

  it('expands the is-a subset with paging and the full total', () => {
    const p = valueSetExpand(request([{ name: 'url', valueUri: `${LARGE_VS_BASE}-isa` }, { name: 'count', valueInteger: 20 }, { name: 'offset', valueInteger: 40 }]), svc());
    expect(p.expansion?.total).toBe(generated.isaSize);
    expect(p.expansion?.contains).toHaveLength(20);
  });

  it('pages a text search in code system order, every result matching every word', () => {
    const index = indexCodeSystem(generated.codeSystem);
    const word = tokenize(index.concepts[index.locate('C000100')].display ?? '')[0].slice(0, 4);
    const p = valueSetExpand(request([{ name: 'url', valueUri: `${LARGE_VS_BASE}-all` }, { name: 'filter', valueString: word }, { name: 'count', valueInteger: 20 }]), svc());
    const found = p.expansion?.contains ?? [];
    expect(found.length).toBeGreaterThan(0);
    const positions = found.map((c) => index.locate(c.code ?? ''));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const c of found) {
      const texts = [c.display ?? '', ...(index.concepts[index.locate(c.code ?? '')].designation ?? []).map((d) => d.value)];
      expect(texts.flatMap((t) => tokenize(t)).some((t) => t.startsWith(word))).toBe(true);
    }
  });

  it('looks up and validates codes', () => {
    const lookup = codeSystemLookup(request([{ name: 'system', valueUri: LARGE_CS_URL }, { name: 'code', valueCode: 'C001234' }]), svc());
    expect(String(out(lookup, 'display'))).toMatch(/ 1234$/);
    const inSubset = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${LARGE_VS_BASE}-isa` }, { name: 'system', valueUri: LARGE_CS_URL }, { name: 'code', valueCode: generated.isaRoot }]),
      svc(),
    );
    expect(out(inSubset, 'result')).toBe(true);
    const outside = valueSetValidateCode(
      request([{ name: 'url', valueUri: `${LARGE_VS_BASE}-isa` }, { name: 'system', valueUri: LARGE_CS_URL }, { name: 'code', valueCode: 'C000002' }]),
      svc(),
    );
    expect(out(outside, 'result')).toBe(false);
  });
});
