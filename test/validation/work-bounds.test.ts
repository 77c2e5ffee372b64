/**
 * The validator's work bounds (issue 12): huge invalid resources get a capped list of issues instead of
 * minutes of work or a stack overflow; `distinct()`-based invariants still hold, in linear time; a large
 * resource checked off the event loop gets the same issues as inline.
 *
 * @see https://hl7.org/fhir/R4/validation.html
 */
import { evalFhirPath } from '@medplum/core';
import type { CodeSystem } from '@medplum/fhirtypes';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { flatCodeSystemBomb, includeBomb, unknownKeysBomb } from '../../scripts/bench/bombs.ts';
import { MAX_ISSUES } from '../../src/validation/issues.ts';
import { appendErrorsInPlace } from '../../src/validation/schema-check.ts';
import { OFF_THREAD_BYTES, stopStructureWorker } from '../../src/validation/structure-pool.ts';
import { createValidator } from '../../src/validation/validator.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';

const validator = createValidator({ bindingTerminology: createBindingTerminology() });

afterAll(async () => {
  await stopStructureWorker();
});

describe('ajv error collection', () => {
  it('appends sub-schema errors in place: no concat left in the generated code, the same errors reported', () => {
    const schema = {
      definitions: { item: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } },
      type: 'object',
      properties: { list: { type: 'array', items: { $ref: '#/definitions/item' } } },
    };
    const sources: string[] = [];
    const rewritten = new Ajv({ allErrors: true, code: { process: (code: string) => { const out = appendErrorsInPlace(code); sources.push(out); return out; } } }).compile(schema);
    const plain = new Ajv({ allErrors: true }).compile(schema);
    const data = { list: [{ a: 1 }, { b: 2 }, { a: 'ok' }, { a: [], c: 3 }] };
    expect(rewritten(data)).toBe(false);
    expect(plain(data)).toBe(false);
    expect(rewritten.errors).toEqual(plain.errors);
    expect(rewritten.errors?.length).toBe(4);
    expect(sources.join('\n')).not.toContain('vErrors.concat(');
  });
});

describe('issue cap', () => {
  it('lists the first issues of a ValueSet with 20,000 bogus includes, then says how many more there were', () => {
    const issues = validator.validate(JSON.parse(includeBomb(20_000).body));
    expect(issues).toHaveLength(MAX_ISSUES + 1);
    expect(issues.slice(0, MAX_ISSUES).every((i) => i.severity === 'error' && i.details?.text === 'Unknown property "bogus"')).toBe(true);
    const last = issues[MAX_ISSUES];
    expect(last?.code).toBe('too-costly');
    expect(last?.details?.text).toBe(`${20_000 - MAX_ISSUES} more issues not listed: only the first ${MAX_ISSUES} are reported`);
  });

  it('answers 150,000 unknown keys with a capped list, not a stack overflow', () => {
    const issues = validator.validate(JSON.parse(unknownKeysBomb(150_000).body));
    expect(issues).toHaveLength(MAX_ISSUES + 1);
    expect(issues[0]?.details?.text).toBe('Unknown property "k0"');
    expect(issues[0]?.expression).toEqual(['CodeSystem.name.k0']);
  });
});

describe('distinct() and isDistinct()', () => {
  it('keep their meaning: first occurrences kept, in order; false only when a value repeats', () => {
    const patient = { resourceType: 'Patient', name: [{ given: ['Ann', 'Bo', 'Ann', 'Cy'] }] };
    expect(evalFhirPath('Patient.name.given.distinct()', patient)).toEqual(['Ann', 'Bo', 'Cy']);
    expect(evalFhirPath('Patient.name.given.isDistinct()', patient)).toEqual([false]);
    expect(evalFhirPath('Patient.name.given.take(2).isDistinct()', patient)).toEqual([true]);
    expect(evalFhirPath('(1 | 2).combine(2).distinct().count()', patient)).toEqual([2]);
  });

  it('still enforce csd-1 on a flat CodeSystem of 99,999 concepts', () => {
    const cs = JSON.parse(flatCodeSystemBomb(99_999).body) as CodeSystem;
    expect(validator.validate(cs).filter((i) => i.severity === 'error')).toEqual([]);
    cs.concept?.push({ code: 'c17', display: 'again' });
    const errors = validator.validate(cs).filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.details?.text).join('\n')).toContain('csd-1');
  });
});

describe('the structure check off the event loop', () => {
  it('reports the same issues for a large CodeSystem as the inline check', async () => {
    const cs = JSON.parse(flatCodeSystemBomb(12_000).body) as { concept: unknown[] };
    cs.concept[5] = { display: 'no code' };
    cs.concept[7] = { code: 'c7', display: ['not', 'a', 'string'] };
    expect(JSON.stringify(cs).length).toBeGreaterThan(OFF_THREAD_BYTES);
    const inline = validator.validate(cs);
    const offThread = await validator.validateAsync(cs);
    expect(inline.some((i) => i.expression?.[0] === 'CodeSystem.concept[5]' || i.details?.text?.includes('code'))).toBe(true);
    expect(offThread).toEqual(inline);
  });
});

describe('shapes the schema check refuses (found by the fuzz test)', () => {
  it('reports a null concept property and an include that is an object as schema errors, without throwing', () => {
    const cs = { resourceType: 'CodeSystem', url: 'https://example.org/cs', status: 'draft', content: 'complete', property: [{ code: 'p', type: 'boolean' }], concept: [{ code: 'a', property: [null] }] };
    expect(validator.validate(cs).some((i) => i.severity === 'error' && i.expression?.[0]?.startsWith('CodeSystem.concept[0].property'))).toBe(true);
    const vs = { resourceType: 'ValueSet', status: 'draft', compose: { include: { extension: [{ system: 'x', filter: [{ property: 'concept', op: 'descendent-of', value: 'a' }] }] } } };
    expect(validator.validate(vs).some((i) => i.severity === 'error' && i.expression?.[0]?.startsWith('ValueSet.compose.include'))).toBe(true);
  });
});
