import { describe, expect, it } from 'vitest';
import { terminologyOperations } from '../../src/operations/terminology/index.ts';

describe('terminology operation declarations', () => {
  it('declares the six R4 operations, extended, plus $batch-validate-code', () => {
    const ids = terminologyOperations.map((d) => d.definition.id).sort();
    expect(ids).toEqual([
      'CodeSystem-lookup',
      'CodeSystem-subsumes',
      'CodeSystem-validate-code',
      'ConceptMap-translate',
      'ValueSet-batch-validate-code',
      'ValueSet-expand',
      'ValueSet-validate-code',
    ]);
    for (const d of terminologyOperations) {
      expect(d.definition.type).toBe(true);
      expect(d.definition.instance).toBe(true);
      expect(d.definition.parameter?.some((p) => p.name === 'tx-resource' && p.use === 'in')).toBe(true);
    }
  });

  it('keeps the official R4 parameters and adds the ecosystem ones', () => {
    const expand = terminologyOperations.find((d) => d.definition.id === 'ValueSet-expand')?.definition;
    const names = expand?.parameter?.map((p) => p.name) ?? [];
    for (const n of ['url', 'valueSet', 'filter', 'count', 'offset', 'activeOnly', 'excludeNested', 'displayLanguage', 'system-version', 'force-system-version', 'check-system-version', 'property', 'useSupplement', 'return']) {
      expect(names).toContain(n);
    }
    expect(expand?.base).toBe('http://hl7.org/fhir/OperationDefinition/ValueSet-expand');
    const validate = terminologyOperations.find((d) => d.definition.id === 'ValueSet-validate-code')?.definition;
    expect(validate?.parameter?.find((p) => p.name === 'issues' && p.use === 'out')?.type).toBe('OperationOutcome');
  });
});
