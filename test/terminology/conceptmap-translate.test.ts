import type { ParametersParameter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { conceptMapTranslate } from '../../src/operations/terminology/conceptmap-translate.ts';
import { out, request, services } from './helpers.ts';

const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
const PROBE = 'https://example.org/fhir/liver-cryoablation/CodeSystem/probe-type';
const MAP = 'https://example.org/fhir/liver-cryoablation/ConceptMap/lesion-to-probe';

function matches(p: { parameter?: ParametersParameter[] }): ParametersParameter[][] {
  return (p.parameter ?? []).filter((x) => x.name === 'match').map((x) => x.part ?? []);
}

describe('ConceptMap/$translate', () => {
  it('translates forwards with R4 parameters', () => {
    const p = conceptMapTranslate(
      request([{ name: 'url', valueUri: MAP }, { name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'hcc' }, { name: 'targetsystem', valueUri: PROBE }]),
      services(),
    );
    expect(out(p, 'result')).toBe(true);
    const [m] = matches(p);
    expect(m).toContainEqual({ name: 'equivalence', valueCode: 'wider' });
    expect(m).toContainEqual({ name: 'concept', valueCoding: { system: PROBE, code: 'ARGON-17G' } });
  });

  it('translates in reverse with R5 parameters, and without a map url', () => {
    const p = conceptMapTranslate(request([{ name: 'targetCode', valueCode: 'ARGON-17G' }, { name: 'targetSystem', valueUri: PROBE }]), services());
    expect(out(p, 'result')).toBe(true);
    expect(matches(p)[0]).toContainEqual({ name: 'source', valueCoding: { system: LESION, code: 'hcc' } });
  });

  it('reports no translation for unmatched codes', () => {
    const p = conceptMapTranslate(request([{ name: 'url', valueUri: MAP }, { name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'cyst' }]), services());
    expect(out(p, 'result')).toBe(false);
    const none = conceptMapTranslate(request([{ name: 'url', valueUri: MAP }, { name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'icc' }]), services());
    expect(out(none, 'result')).toBe(false);
    expect(out(none, 'message')).toBe(`No translations found for code 'icc' in system '${LESION}'`);
  });
});
