import type { Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { valueSetBatchValidateCode, valueSetBatchValidateCodeDefinition } from '../../src/operations/terminology/valueset-batch-validate-code.ts';
import { out, request, services } from './helpers.ts';

const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
const VS = 'https://example.org/fhir/liver-cryoablation/ValueSet/malignant-lesions';

describe('ValueSet/$batch-validate-code', () => {
  it('validates each entry against the shared value set, in order', () => {
    const entry = (code: string): Parameters => ({ resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: LESION, code } }] });
    const p = valueSetBatchValidateCode(
      request([
        { name: 'url', valueUri: VS },
        { name: 'validation', resource: entry('hcc') },
        { name: 'validation', resource: entry('cyst') },
        { name: 'validation', resource: entry('nope') },
      ]),
      services(),
    );
    const results = (p.parameter ?? []).map((x) => out(x.resource as Parameters, 'result'));
    expect(results).toEqual([true, false, false]);
  });

  it('is declared as a type and instance level ValueSet operation with validation in and out', () => {
    const def = valueSetBatchValidateCodeDefinition;
    expect(def.code).toBe('batch-validate-code');
    expect(def.type && def.instance).toBe(true);
    expect(def.parameter?.filter((x) => x.name === 'validation').map((x) => x.use)).toEqual(['in', 'out']);
    expect(def.parameter?.some((x) => x.name === 'tx-resource')).toBe(true);
  });
});
