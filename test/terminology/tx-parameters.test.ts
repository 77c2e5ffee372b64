/**
 * The terminology parameters TxParams decodes and the inputs the terminology OperationDefinitions declare
 * are one list: a decoded name no definition declares would never arrive from a GET, and a declared
 * terminology input without a decoder would be accepted and silently do nothing.
 */
import { describe, expect, it } from 'vitest';
import { terminologyOperations } from '../../src/operations/terminology/index.ts';
import { TX_PARAMETER_NAMES, TxParams } from '../../src/terminology/params.ts';

/**
 * Names TxParams reads from a value set's own `valueset-expansion-parameter` extensions (and from a POST
 * body, which passes undeclared names through), that no definition declares as a request input.
 */
const VALUE_SET_ONLY = new Set(['versionsMatch']);

function declaredInputs(): Set<string> {
  const names = new Set<string>();
  for (const op of terminologyOperations) {
    for (const p of op.definition.parameter ?? []) if (p.use === 'in' && p.name !== undefined) names.add(p.name);
  }
  return names;
}

describe('terminology parameters: decoded once, from what the definitions declare', () => {
  it('every decoded request parameter is an input of some terminology OperationDefinition', () => {
    const declared = declaredInputs();
    const missing = TX_PARAMETER_NAMES.filter((n) => !VALUE_SET_ONLY.has(n) && !declared.has(n));
    expect(missing).toEqual([]);
  });

  it('a value-set-only parameter is not declared as a request input', () => {
    const declared = declaredInputs();
    for (const n of VALUE_SET_ONLY) expect(declared.has(n)).toBe(false);
  });

  it('decodes typed values the registry produced, and ignores names it does not know', () => {
    const p = TxParams.fromRequest(
      {
        resourceType: 'Parameters',
        parameter: [
          { name: 'activeOnly', valueBoolean: true },
          { name: 'lenient-display-validation', valueBoolean: true },
          { name: 'count', valueInteger: 5 },
          { name: 'system-version', valueCanonical: 'http://loinc.org|2.77' },
          { name: 'designation', valueString: 'en' },
          { name: 'designation', valueString: 'fr' },
          { name: 'url', valueUri: 'http://example.org/vs' },
        ],
      },
      undefined,
    );
    expect(p.activeOnly).toBe(true);
    expect(p.displayWarning).toBe(true);
    expect(p.count).toBe(5);
    expect(p.designations).toEqual(['en', 'fr']);
    expect(p.rulesFor('http://loinc.org')).toEqual([
      { system: 'http://loinc.org', version: '2.77', mode: 'default', valueSet: false, parameter: 'system-version' },
    ]);
    expect(p.seen.has('url')).toBe(false);
  });

  it("a value set's embedded parameter does not override the request's", () => {
    const p = TxParams.fromRequest({ resourceType: 'Parameters', parameter: [{ name: 'activeOnly', valueBoolean: false }] }, undefined);
    p.see('activeOnly', { valueBoolean: true }, false);
    p.see('excludeNested', { valueBoolean: true }, false);
    expect(p.activeOnly).toBe(false);
    expect(p.excludeNested).toBe(true);
  });

  it('refuses a negative count with a 400', () => {
    expect(() => TxParams.fromRequest({ resourceType: 'Parameters', parameter: [{ name: 'count', valueInteger: -1 }] }, undefined)).toThrow(
      /count must be a non-negative integer/,
    );
  });
});
