/**
 * The small membership check behind the binding check: value sets by whole system, concept list, exclude,
 * import, hierarchy and property filters, over the fixture code system (complication > bleeding [common],
 * cryoshock [rare]; step > fasting).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CodeSystem, Resource, ValueSet } from '@medplum/fhirtypes';
import type { TerminologySource } from '../../src/validation/binding-codes.ts';
import { createBindingCodes } from '../../src/validation/binding-codes.ts';
import { FIXTURES_DIR, readFixture } from './helpers.ts';

const VS = 'https://example.org/fhir/liver-cryoablation/ValueSet/';
const CS = 'https://example.org/fhir/liver-cryoablation/CodeSystem/fixture-concepts';

function source(): TerminologySource {
  const resources: Resource[] = [
    readFixture('package/CodeSystem-fixture-concepts.json'),
    ...readdirSync(join(FIXTURES_DIR, 'terminology')).map((f) => readFixture(join('terminology', f))),
  ];
  const find = <T extends Resource>(type: string, url: string, version?: string): T | undefined =>
    resources.find((r) => r.resourceType === type && (r as T & { url?: string }).url === url && (version === undefined || (r as T & { version?: string }).version === version)) as
      | T
      | undefined;
  return {
    findValueSet: ({ url, version }) => find<ValueSet>('ValueSet', url, version),
    findCodeSystem: ({ url, version }) => find<CodeSystem>('CodeSystem', url, version),
  };
}

describe('binding codes: value set membership', () => {
  const { checkValueSetMembership: contains } = createBindingCodes(source());

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
    expect(contains(`${VS}fragment-system`, { system: 'https://example.org/fhir/liver-cryoablation/CodeSystem/fixture-fragment', code: '99999' })).toBe(
      'unknown-valueset',
    );
    expect(contains(`${VS}no-such-value-set`, { code: 'x' })).toBe('unknown-valueset');
  });

  it('still knows the codes a fragment does contain', () => {
    expect(contains(`${VS}fragment-system`, { system: 'https://example.org/fhir/liver-cryoablation/CodeSystem/fixture-fragment', code: '47383' })).toBe('valid');
  });
});

describe('binding codes: code lookup', () => {
  const { lookupCode } = createBindingCodes(source());

  it('finds nested codes with their display', () => {
    expect(lookupCode({ system: CS, code: 'cryoshock' })).toEqual({ result: 'found', displays: ['Cryoshock'] });
  });

  it('tells a missing code of a complete system from one missing from a fragment', () => {
    expect(lookupCode({ system: CS, code: 'nausea' })).toEqual({ result: 'not-found', complete: true });
    expect(lookupCode({ system: 'https://example.org/fhir/liver-cryoablation/CodeSystem/fixture-fragment', code: '1' })).toEqual({
      result: 'not-found',
      complete: false,
    });
  });

  it('does not know systems it has no definition of', () => {
    expect(lookupCode({ system: 'http://snomed.info/sct', code: '900000000000013009' })).toEqual({ result: 'unknown-codesystem' });
  });
});
