import type { ParametersParameter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { codeSystemLookup } from '../../src/operations/terminology/codesystem-lookup.ts';
import { failure, out, request, services, texts } from './helpers.ts';

const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
const PROBE = 'https://example.org/fhir/liver-cryoablation/CodeSystem/probe-type';

function properties(p: { parameter?: ParametersParameter[] }): [string, unknown][] {
  return (p.parameter ?? [])
    .filter((x) => x.name === 'property')
    .map((x) => {
      const code = x.part?.find((y) => y.name === 'code')?.valueCode ?? '';
      const value = x.part?.find((y) => y.name === 'value');
      return [code, value?.valueCode ?? value?.valueBoolean ?? value?.valueString];
    });
}

describe('CodeSystem/$lookup', () => {
  it('returns name, version, display, definition, designations and properties with parent and child', () => {
    const p = codeSystemLookup(request([{ name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'primary' }, { name: 'property', valueCode: '*' }]), services());
    expect(out(p, 'name')).toBe('LesionType');
    expect(out(p, 'version')).toBe('1.0.0');
    expect(out(p, 'display')).toBe('Primary liver tumor');
    expect(out(p, 'abstract')).toBe(false);
    expect(properties(p)).toEqual(
      expect.arrayContaining([
        ['origin', 'hepatic'],
        ['parent', 'tumor'],
        ['child', 'hcc'],
        ['child', 'icc'],
        ['inactive', false],
      ]),
    );
    const designations = (p.parameter ?? []).filter((x) => x.name === 'designation');
    expect(designations).toHaveLength(1);
  });

  it('answers in the requested display language', () => {
    const p = codeSystemLookup(
      request([{ name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'hcc' }, { name: 'displayLanguage', valueCode: 'de' }]),
      services(),
    );
    expect(out(p, 'display')).toBe('Hepatozelluläres Karzinom');
    const accept = codeSystemLookup(request([{ name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'hcc' }], { acceptLanguage: 'de-CH, en;q=0.5' }), services());
    expect(out(accept, 'display')).toBe('Hepatozelluläres Karzinom');
  });

  it('returns only the properties asked for', () => {
    const p = codeSystemLookup(
      request([{ name: 'coding', valueCoding: { system: LESION, code: 'net-metastasis' } }, { name: 'property', valueCode: 'status' }]),
      services(),
    );
    expect(properties(p)).toEqual([['status', 'retired']]);
  });

  it('follows parent properties of a flat code system, and matches case-insensitively', () => {
    const p = codeSystemLookup(request([{ name: 'system', valueUri: PROBE }, { name: 'code', valueCode: 'argon' }, { name: 'property', valueCode: '*' }]), services());
    expect(out(p, 'code')).toBe('ARGON');
    expect(properties(p)).toEqual(expect.arrayContaining([['parent', 'PROBE'], ['child', 'ARGON-17G'], ['child', 'ARGON-13G']]));
  });

  it('applies supplements named by useSupplement', () => {
    const p = codeSystemLookup(
      request([
        { name: 'system', valueUri: LESION },
        { name: 'code', valueCode: 'metastasis' },
        { name: 'useSupplement', valueCanonical: 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type-de' },
        { name: 'displayLanguage', valueCode: 'de' },
      ]),
      services(),
    );
    expect(out(p, 'display')).toBe('Lebermetastase');
  });

  it('answers 404 for unknown codes and code systems, with the reference wording', async () => {
    const code = await failure(() => codeSystemLookup(request([{ name: 'system', valueUri: LESION }, { name: 'code', valueCode: 'nope' }]), services()));
    expect(code.status).toBe(404);
    expect(texts(code.outcome)).toEqual([`Unknown code 'nope' in the CodeSystem '${LESION}' version '1.0.0'`]);
    const system = await failure(() => codeSystemLookup(request([{ name: 'system', valueUri: 'https://example.org/nope' }, { name: 'code', valueCode: 'x' }]), services()));
    expect(system.status).toBe(404);
  });

  it('looks up codes of the FHIR core terminology', () => {
    const p = codeSystemLookup(request([{ name: 'system', valueUri: 'http://hl7.org/fhir/administrative-gender' }, { name: 'code', valueCode: 'female' }]), services({ core: true }));
    expect(out(p, 'display')).toBe('Female');
  });
});
