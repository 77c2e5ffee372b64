/**
 * The terminology behind the binding check is the terminology engine's: value sets by whole system, concept
 * list, exclude, import, hierarchy and property filters, over the fixture code system (complication >
 * bleeding [common], cryoshock [rare]; step > fasting) — each answer the one `ValueSet/$validate-code` gives,
 * and a required binding to such a value set in a profile is checked the same way.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CodeSystem, Condition, ValueSet } from '@medplum/fhirtypes';
import { valueSetValidateCode } from '../../src/operations/terminology/valueset-validate-code.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';
import { MemoryResources, type TerminologyResource } from '../../src/terminology/resources.ts';
import type { BindingTerminologySource } from '../../src/validation/types.ts';
import { createValidator } from '../../src/validation/validator.ts';
import { FIXTURES_DIR, readFixture, summarize } from './helpers.ts';

const VS = 'https://example.org/fhir/liver-cryoablation/ValueSet/';
const CS = 'https://example.org/fhir/liver-cryoablation/CodeSystem/fixture-concepts';

const FRAGMENT = 'https://example.org/fhir/liver-cryoablation/CodeSystem/fixture-fragment';

function fixtureTerminology(): TerminologyResource[] {
  return [
    readFixture<CodeSystem>('package/CodeSystem-fixture-concepts.json'),
    ...readdirSync(join(FIXTURES_DIR, 'terminology')).map((f) => readFixture<CodeSystem | ValueSet>(join('terminology', f))),
  ];
}

function source(): BindingTerminologySource {
  const resources = fixtureTerminology();
  return {
    findValueSets: ({ url }) => resources.filter((r): r is ValueSet => r.resourceType === 'ValueSet' && r.url === url),
    findCodeSystems: ({ url }) => resources.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem' && r.url === url),
  };
}

describe('binding terminology: value set membership', () => {
  const { checkValueSetMembership: contains } = createBindingTerminology()(source());

  it('includes every code of a whole code system, nested concepts too, and nothing else', () => {
    expect(contains(`${VS}whole-system`, { system: CS, code: 'complication' })).toBe('valid');
    expect(contains(`${VS}whole-system`, { system: CS, code: 'fasting' })).toBe('valid');
    expect(contains(`${VS}whole-system`, { system: CS, code: 'nausea' })).toBe('invalid');
  });

  it('matches the system of a Coding, and any system for a bare code', () => {
    expect(contains(`${VS}whole-system`, { system: 'http://example.org/other', code: 'bleeding' })).toBe('invalid');
    expect(contains(`${VS}whole-system`, { code: 'bleeding' })).toBe('valid');
  });

  it('applies a concept list and removes excluded codes', () => {
    expect(contains(`${VS}concept-list-with-exclude`, { system: CS, code: 'bleeding' })).toBe('valid');
    expect(contains(`${VS}concept-list-with-exclude`, { system: CS, code: 'fasting' })).toBe('invalid');
    expect(contains(`${VS}concept-list-with-exclude`, { system: CS, code: 'complication' })).toBe('invalid');
  });

  it('follows the is-a hierarchy (the concept itself and its descendants)', () => {
    expect(contains(`${VS}is-a-complication`, { system: CS, code: 'complication' })).toBe('valid');
    expect(contains(`${VS}is-a-complication`, { system: CS, code: 'cryoshock' })).toBe('valid');
    expect(contains(`${VS}is-a-complication`, { system: CS, code: 'fasting' })).toBe('invalid');
  });

  it('filters on a concept property', () => {
    expect(contains(`${VS}rare-by-property`, { system: CS, code: 'cryoshock' })).toBe('valid');
    expect(contains(`${VS}rare-by-property`, { system: CS, code: 'bleeding' })).toBe('invalid');
  });

  it('intersects imported value sets (versioned or not)', () => {
    expect(contains(`${VS}import-intersection`, { system: CS, code: 'bleeding' })).toBe('valid');
    expect(contains(`${VS}import-intersection`, { system: CS, code: 'complication' })).toBe('invalid');
    expect(contains(`${VS}import-intersection`, { system: CS, code: 'fasting' })).toBe('invalid');
  });

  it('checks grammar-based systems (BCP-47) by syntax', () => {
    expect(contains(`${VS}languages`, { system: 'urn:ietf:bcp:47', code: 'en-US' })).toBe('valid');
    expect(contains(`${VS}languages`, { system: 'urn:ietf:bcp:47', code: 'not a tag' })).toBe('invalid');
  });

  it('answers unknown-valueset when it cannot decide locally', () => {
    expect(contains(`${VS}unknown-system`, { system: 'http://example.org/fhir/CodeSystem/not-loaded', code: 'x' })).toBe('unknown-valueset');
    expect(contains(`${VS}no-such-value-set`, { code: 'x' })).toBe('unknown-valueset');
  });

  it('accepts a code a fragment does not list, as $validate-code does (the code lookup warns about it)', () => {
    expect(contains(`${VS}fragment-system`, { system: FRAGMENT, code: '99999' })).toBe('valid');
  });

  it('still knows the codes a fragment does contain', () => {
    expect(contains(`${VS}fragment-system`, { system: FRAGMENT, code: '47383' })).toBe('valid');
  });
});

describe('binding terminology: code lookup', () => {
  const { lookupCode } = createBindingTerminology()(source());

  it('finds nested codes with their display', () => {
    expect(lookupCode({ system: CS, code: 'cryoshock' })).toEqual({ result: 'found', displays: ['Cryoshock'] });
  });

  it('tells a missing code of a complete system from one missing from a fragment', () => {
    expect(lookupCode({ system: CS, code: 'nausea' })).toEqual({ result: 'not-found', complete: true });
    expect(lookupCode({ system: FRAGMENT, code: '1' })).toEqual({
      result: 'not-found',
      complete: false,
    });
  });

  it('does not know systems it has no definition of', () => {
    expect(lookupCode({ system: 'http://snomed.info/sct', code: '900000000000013009' })).toEqual({ result: 'unknown-codesystem' });
  });
});

/** The cases of a required binding: a value set with a filter or imports, and codings in it or not. */
const CASES: readonly { readonly valueSet: string; readonly code: string }[] = [
  { valueSet: 'rare-by-property', code: 'cryoshock' },
  { valueSet: 'rare-by-property', code: 'bleeding' },
  { valueSet: 'is-a-complication', code: 'cryoshock' },
  { valueSet: 'is-a-complication', code: 'fasting' },
  { valueSet: 'import-intersection', code: 'bleeding' },
  { valueSet: 'import-intersection', code: 'complication' },
  { valueSet: 'import-intersection', code: 'fasting' },
];

/** The value set `Condition.clinicalStatus` has a required binding to (R4 core). */
const BOUND = 'http://hl7.org/fhir/ValueSet/condition-clinical';

/**
 * A package's own definition of the bound value set (the core binding target's url and version, here the
 * compose of a fixture value set), so that a core required binding points at a filter or at imports.
 */
function boundAs(valueSet: string): ValueSet {
  return { ...readFixture<ValueSet>(`terminology/ValueSet-${valueSet}.json`), id: 'bound', url: BOUND, version: '4.0.1' };
}

/** `ValueSet/$validate-code`'s result for a coding of the fixture code system in the bound value set. */
function validateCodeResult(valueSet: string, code: string): boolean | undefined {
  const parameters = { resourceType: 'Parameters' as const, parameter: [{ name: 'url', valueUri: `${BOUND}|4.0.1` }, { name: 'system', valueUri: CS }, { name: 'code', valueCode: code }] };
  const services = { deadline: Date.now() + 10_000, terminology: { resources: new MemoryResources([...fixtureTerminology(), boundAs(valueSet)]) } };
  const result = valueSetValidateCode({ resourceType: 'ValueSet', parameters, headers: {} }, services);
  return result.parameter?.find((p) => p.name === 'result')?.valueBoolean;
}

describe('a required binding is checked as $validate-code checks it', () => {
  const condition = (code: string): Condition => ({ resourceType: 'Condition', id: 'c', subject: { display: 'A patient' }, clinicalStatus: { coding: [{ system: CS, code }] } });

  it.each(CASES)('$valueSet: $code', ({ valueSet, code }) => {
    const expected = validateCodeResult(valueSet, code);
    expect(typeof expected).toBe('boolean');
    const validator = createValidator({ packageResources: [...fixtureTerminology(), boundAs(valueSet)], bindingTerminology: createBindingTerminology() });
    const bindingIssues = validator
      .validate(condition(code))
      .map(summarize)
      .filter((i) => i.check === 'binding' && i.expression === 'Condition.clinicalStatus');
    if (expected === true) expect(bindingIssues).toEqual([]);
    else expect(bindingIssues).toEqual([expect.objectContaining({ severity: 'error', text: `None of the codes ${CS}#${code} is in the value set ${BOUND}|4.0.1 (required binding)` })]);
  });
});
