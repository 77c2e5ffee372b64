import { describe, expect, it } from 'vitest';
import { valueSetExpand } from '../../src/operations/terminology/valueset-expand.ts';
import { valueSetValidateCode } from '../../src/operations/terminology/valueset-validate-code.ts';
import { out, request, services } from './helpers.ts';

describe('FHIR R4 core terminology', () => {
  it('expands and validates against core value sets without loading them into the store', () => {
    const svc = services({ resources: [], core: true });
    const vs = valueSetExpand(request([{ name: 'url', valueUri: 'http://hl7.org/fhir/ValueSet/administrative-gender' }]), svc);
    expect(vs.expansion?.contains?.map((c) => c.code).sort()).toEqual(['female', 'male', 'other', 'unknown']);
    const ok = valueSetValidateCode(
      request([{ name: 'url', valueUri: 'http://hl7.org/fhir/ValueSet/administrative-gender' }, { name: 'coding', valueCoding: { system: 'http://hl7.org/fhir/administrative-gender', code: 'female' } }]),
      svc,
    );
    expect(out(ok, 'result')).toBe(true);
  });

  it('has the HL7 v2 tables and v3 code systems', () => {
    const svc = services({ resources: [], core: true });
    const v3 = valueSetValidateCode(
      request([
        { name: 'url', valueUri: 'http://terminology.hl7.org/ValueSet/v3-ActEncounterCode' },
        { name: 'coding', valueCoding: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } },
      ]),
      svc,
    );
    expect(out(v3, 'result')).toBe(true);
  });
});

describe('value set membership function', () => {
  it('answers true or false, and undefined when the value set or its code system is unknown', async () => {
    const { valueSetMembership } = await import('../../src/terminology/membership.ts');
    const { MemoryResources } = await import('../../src/terminology/resources.ts');
    const { allFixtures } = await import('./helpers.ts');
    const broken = { resourceType: 'ValueSet' as const, url: 'https://example.org/broken', status: 'active' as const, compose: { include: [{ system: 'https://example.org/unknown' }] } };
    const memberOf = valueSetMembership(new MemoryResources([...allFixtures(), broken]), { core: null });
    const VS = 'https://example.org/fhir/liver-cryoablation/ValueSet/malignant-lesions';
    const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
    expect(memberOf(VS, { system: LESION, code: 'hcc' })).toBe(true);
    expect(memberOf(`${VS}|1.0.0`, { system: LESION, code: 'cyst' })).toBe(false);
    expect(memberOf('https://example.org/nope', { system: LESION, code: 'hcc' })).toBeUndefined();
    expect(memberOf(VS, { system: 'https://example.org/unknown', code: 'x' })).toBe(false);
    expect(memberOf('https://example.org/broken', { system: 'https://example.org/unknown', code: 'x' })).toBeUndefined();
  });
});
