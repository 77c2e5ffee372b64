/**
 * FHIRPath `memberOf()` added to @medplum/core, and the expression cache.
 */
import { toTypedValue, type TypedValue } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { resolverTerminology } from '../../src/knowledge/apply-environment.ts';
import { compileFhirPath, evaluateFhirPath, fhirPathErrorMessage } from '../../src/knowledge/fhirpath.ts';
import { TERMINOLOGY_VARIABLE, terminologyVariable } from '../../src/knowledge/fhirpath-memberof.ts';
import { FIXTURE_BASE, fixtureResolver } from './fixtures.ts';

const ANTICOAGULANTS = `${FIXTURE_BASE}/ValueSet/fixture-anticoagulants`;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const WARFARIN = { system: RXNORM, code: '855332' };
const UNRELATED = { system: RXNORM, code: '197361' };

const variables: Record<string, TypedValue> = { [TERMINOLOGY_VARIABLE]: terminologyVariable(resolverTerminology(fixtureResolver())) };

function run(expression: string, focus: unknown): unknown[] {
  return evaluateFhirPath(compileFhirPath(expression), [toTypedValue(focus)], variables).map((v) => v.value);
}

describe('memberOf()', () => {
  it('is true for a Coding in the ValueSet and false for one outside it', () => {
    const order = (coding: object) => ({ resourceType: 'MedicationRequest', medicationCodeableConcept: { coding: [coding] } });
    expect(run(`medication.coding.memberOf('${ANTICOAGULANTS}')`, order(WARFARIN))).toEqual([true]);
    expect(run(`medication.coding.memberOf('${ANTICOAGULANTS}')`, order(UNRELATED))).toEqual([false]);
  });

  it('is true for a CodeableConcept when any of its codings is in the ValueSet', () => {
    const order = { resourceType: 'MedicationRequest', medicationCodeableConcept: { coding: [UNRELATED, WARFARIN] } };
    expect(run(`medication.memberOf('${ANTICOAGULANTS}')`, order)).toEqual([true]);
    const textOnly = { resourceType: 'MedicationRequest', medicationCodeableConcept: { text: 'warfarin' } };
    expect(run(`medication.memberOf('${ANTICOAGULANTS}')`, textOnly)).toEqual([false]);
  });

  it('checks a bare code against the one code system of the ValueSet', () => {
    expect(run(`'855332'.memberOf('${ANTICOAGULANTS}')`, {})).toEqual([true]);
    expect(run(`'197361'.memberOf('${ANTICOAGULANTS}')`, {})).toEqual([false]);
  });

  it('is empty on an empty input and on a value that is not coded', () => {
    expect(run(`medication.memberOf('${ANTICOAGULANTS}')`, { resourceType: 'MedicationRequest' })).toEqual([]);
    expect(run(`subject.memberOf('${ANTICOAGULANTS}')`, { resourceType: 'MedicationRequest', subject: { reference: 'Patient/1' } })).toEqual([]);
  });

  it('fails, naming the ValueSet, when the ValueSet is unknown', () => {
    const order = { resourceType: 'MedicationRequest', medicationCodeableConcept: { coding: [WARFARIN] } };
    expect(() => run(`medication.memberOf('${FIXTURE_BASE}/ValueSet/unknown')`, order)).toThrow(/ValueSet\/unknown.*not known/);
  });

  it('works inside where() over a data Bundle, as the protocol uses it', () => {
    const data = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { coding: [WARFARIN] } } }],
    };
    const expression = `%data.entry.resource.where(($this is MedicationRequest or $this is MedicationStatement) and status = 'active' and medication.memberOf('${ANTICOAGULANTS}')).exists()`;
    const result = evaluateFhirPath(compileFhirPath(expression), [], { ...variables, '%data': toTypedValue(data) });
    expect(result.map((v) => v.value)).toEqual([true]);
  });
});

describe('memberOf() when the server cannot decide', () => {
  // The server's terminology answers "unknown" for codes of code systems it does not hold (RxNorm).
  const undecided = { ...fixtureResolver(), memberOf: () => undefined };
  const scope = { [TERMINOLOGY_VARIABLE]: terminologyVariable(resolverTerminology(undecided)) };
  const check = (coding: object, valueSet = ANTICOAGULANTS): unknown[] =>
    evaluateFhirPath(compileFhirPath(`memberOf('${valueSet}')`), [{ type: 'Coding', value: coding }], scope).map((v) => v.value);

  it('decides from the concepts the ValueSet lists', () => {
    expect(check(WARFARIN)).toEqual([true]);
    expect(check(UNRELATED)).toEqual([false]);
  });

  it('follows the ValueSets a ValueSet includes', () => {
    const staffAll = `${FIXTURE_BASE}/ValueSet/fixture-staff-all`;
    expect(check({ system: `${FIXTURE_BASE}/CodeSystem/fixture-concepts`, code: 'nurse' }, staffAll)).toEqual([true]);
    expect(check({ system: `${FIXTURE_BASE}/CodeSystem/fixture-concepts`, code: 'pump' }, staffAll)).toEqual([false]);
  });

  it('still fails for a ValueSet nobody knows', () => {
    expect(() => check(WARFARIN, `${FIXTURE_BASE}/ValueSet/unknown`)).toThrow(/not known/);
  });
});

describe('compileFhirPath', () => {
  it('parses an expression once and serves it from the cache afterwards', () => {
    const text = `%data.entry.resource.medication.memberOf('${ANTICOAGULANTS}')`;
    expect(compileFhirPath(text)).toBe(compileFhirPath(text));
  });

  it('reports what is wrong with an expression that does not parse', () => {
    let message = '';
    try {
      compileFhirPath("status = 'active' and (");
    } catch (err) {
      message = fhirPathErrorMessage(err);
    }
    // The parser's own words for the unfinished parenthesis, without the error class's name in front.
    expect(message).toMatch(/^Cant consume unknown more tokens/);
  });

  it('leaves functions other than memberOf() to @medplum/core', () => {
    expect(run("name.given.first() & ' ' & name.family", { resourceType: 'Patient', name: [{ given: ['Ada'], family: 'Lovelace' }] })).toEqual(['Ada Lovelace']);
    expect(() => run('noSuchFunction()', {})).toThrow(/noSuchFunction/);
  });
});

describe('matches() and replaceMatches()', () => {
  it('matches() finds a pattern anywhere in the string, as FHIRPath defines it', () => {
    expect(run("'liver tumor'.matches('tum')", {})).toEqual([true]);
    expect(run("'liver tumor'.matches('^tum')", {})).toEqual([false]);
    expect(run("'liver tumor'.matches('^liver [a-z]+$')", {})).toEqual([true]);
  });

  it('matches() runs a catastrophic-backtracking pattern in linear time (the event loop is not stalled)', () => {
    const text = `${'a'.repeat(20_000)}!`;
    const result = evaluateFhirPath(compileFhirPath("matches('((a+)+)+$')"), [{ type: 'string', value: text }], variables);
    expect(result.map((v) => v.value)).toEqual([false]);
  });

  it('replaceMatches() is refused with a reason', () => {
    expect(() => run("'abc'.replaceMatches('b', 'x')", {})).toThrow(/replaceMatches\(\) is not available/);
  });
});
