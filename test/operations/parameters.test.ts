import type { OperationDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { r4OperationDefinition } from '../../src/fhir/operation-definitions.ts';
import { bodyToParameters, queryToParameters } from '../../src/operations/parameters.ts';
import { valueSetExpandDefinition } from '../../src/operations/terminology/valueset-expand.ts';
import { TxParams } from '../../src/terminology/params.ts';
import { syncFailure } from '../helpers/failure.ts';

const lookup = r4OperationDefinition('CodeSystem-lookup');
const apply = r4OperationDefinition('PlanDefinition-apply');
const validate = r4OperationDefinition('Resource-validate');


describe('operation parameters from a query string', () => {
  it('types values by the OperationDefinition and ignores unknown names', () => {
    const p = queryToParameters(lookup, [
      ['system', 'http://www.ama-assn.org/go/cpt'],
      ['code', '47383'],
      ['property', 'parent'],
      ['property', 'child'],
      ['uuid', 'ignored'],
      ['_format', 'json'],
    ]);
    expect(p.parameter).toEqual([
      { name: 'system', valueUri: 'http://www.ama-assn.org/go/cpt' },
      { name: 'code', valueCode: '47383' },
      { name: 'property', valueCode: 'parent' },
      { name: 'property', valueCode: 'child' },
    ]);
  });

  it('refuses a single-valued parameter given twice (400)', () => {
    expect(syncFailure(() => queryToParameters(lookup, [['code', 'a'], ['code', 'b']])).status).toBe(400);
  });

  it('reads Coding as system|code and CodeableConcept as system|code or a bare code', () => {
    expect(queryToParameters(lookup, [['coding', 'http://s|c']]).parameter).toEqual([{ name: 'coding', valueCoding: { system: 'http://s', code: 'c' } }]);
    expect(syncFailure(() => queryToParameters(lookup, [['coding', 'c']])).status).toBe(400);
    expect(queryToParameters(apply, [['subject', 'Patient/1'], ['setting', 'http://s|inpatient'], ['userLanguage', 'en']]).parameter).toEqual([
      { name: 'subject', valueString: 'Patient/1' },
      { name: 'setting', valueCodeableConcept: { coding: [{ system: 'http://s', code: 'inpatient' }] } },
      { name: 'userLanguage', valueCodeableConcept: { coding: [{ code: 'en' }] } },
    ]);
  });

  it('passes reference-like strings through ($apply subject=Patient/123)', () => {
    expect(queryToParameters(apply, [['subject', 'Patient/123']]).parameter).toEqual([{ name: 'subject', valueString: 'Patient/123' }]);
  });

  it('refuses resource parameters in a query string (they need a POST)', () => {
    expect(syncFailure(() => queryToParameters(apply, [['planDefinition', '{}']])).status).toBe(400);
  });
});

describe('operation parameters from a POST body', () => {
  it('takes a Parameters resource, and merges query parameters in', () => {
    const p = bodyToParameters(lookup, { resourceType: 'Parameters', parameter: [{ name: 'code', valueCode: 'x' }] }, [['system', 'http://s']]);
    expect(p.parameter).toEqual([
      { name: 'code', valueCode: 'x' },
      { name: 'system', valueUri: 'http://s' },
    ]);
  });

  it('refuses a plain object (as fhir-kit-client sends for a plain input) with a message saying so', () => {
    const err = syncFailure(() => bodyToParameters(lookup, { system: 'http://s', code: 'x' }));
    expect(err.status).toBe(400);
    expect(err.outcome.issue?.[0].details?.text).toMatch(/must be a Parameters resource/);
  });

  it('accepts the one resource input posted directly ($validate with a resource body)', () => {
    const body = { resourceType: 'ValueSet', status: 'draft' };
    expect(bodyToParameters(validate as OperationDefinition, body).parameter).toEqual([{ name: 'resource', resource: body }]);
  });

  it('refuses parameters without a name', () => {
    expect(syncFailure(() => bodyToParameters(lookup, { resourceType: 'Parameters', parameter: [{ valueCode: 'x' }] })).status).toBe(400);
  });
});

describe('$expand GET parameters, decoded by the ValueSet-expand definition and read by the engine', () => {
  const query: [string, string][] = [
    ['url', 'https://example.org/fhir/ValueSet/v'],
    ['filter', 'marker'],
    ['count', '10'],
    ['offset', '5'],
    ['activeOnly', 'true'],
    ['includeDesignations', 'false'],
    ['displayLanguage', 'de'],
    ['system-version', 'http://s1|1.0'],
    ['system-version', 'http://s2|2.0'],
    ['_format', 'json'],
  ];

  it('types each value by the definition (uri, string, integer, boolean, code, repeated canonical)', () => {
    expect(queryToParameters(valueSetExpandDefinition, query).parameter).toEqual([
      { name: 'url', valueUri: 'https://example.org/fhir/ValueSet/v' },
      { name: 'filter', valueString: 'marker' },
      { name: 'count', valueInteger: 10 },
      { name: 'offset', valueInteger: 5 },
      { name: 'activeOnly', valueBoolean: true },
      { name: 'includeDesignations', valueBoolean: false },
      { name: 'displayLanguage', valueCode: 'de' },
      { name: 'system-version', valueCanonical: 'http://s1|1.0' },
      { name: 'system-version', valueCanonical: 'http://s2|2.0' },
    ]);
  });

  it('gives the engine the paging, filter, flags and version rules of the query', () => {
    const params = TxParams.fromRequest(queryToParameters(valueSetExpandDefinition, query), undefined);
    expect([params.filter, params.count, params.offset, params.activeOnly, params.includeDesignations]).toEqual(['marker', 10, 5, true, false]);
    expect(params.rulesFor('http://s2').map((r) => [r.mode, r.version])).toEqual([['default', '2.0']]);
  });

  it('refuses a count that is not an integer, a flag that is not a boolean, and a repeated offset (400)', () => {
    expect(syncFailure(() => queryToParameters(valueSetExpandDefinition, [['count', 'ten']])).status).toBe(400);
    expect(syncFailure(() => queryToParameters(valueSetExpandDefinition, [['activeOnly', 'yes']])).status).toBe(400);
    expect(syncFailure(() => queryToParameters(valueSetExpandDefinition, [['offset', '1'], ['offset', '2']])).status).toBe(400);
  });
});
