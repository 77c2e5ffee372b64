/**
 * `$validate-code` refuses a `codeableConcept` or `coding` of the wrong shape with a 400 naming it (found by
 * the HTTP fuzz test: a null coding was a 500).
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import { describe, expect, it } from 'vitest';
import { expectOutcome, fhirHttp } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';

const VALUE_SET = 'https://example.org/fhir/liver-cryoablation/ValueSet/alternatives';

const server = useTestServer();
const api = fhirHttp(() => server.base);

describe('$validate-code with a malformed coded value', () => {
  it.each([
    ['a null coding', { name: 'codeableConcept', valueCodeableConcept: { coding: [null] } }, 'codeableConcept.coding[0]'],
    ['coding that is not an array', { name: 'codeableConcept', valueCodeableConcept: { coding: { code: 'x' } } }, 'codeableConcept.coding'],
    ['a numeric code', { name: 'coding', valueCoding: { system: 'http://www.ama-assn.org/go/cpt', code: 47383 } }, 'coding.code'],
  ])('%s is a 400 naming it', async (_label, parameter, expression) => {
    for (const path of ['/ValueSet/$validate-code', '/CodeSystem/$validate-code']) {
      const res = await api.post(path, { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VALUE_SET }, parameter] });
      expect(expectOutcome(res, 400, ['invalid']).issue?.[0]?.expression).toEqual([expression]);
    }
  });
});
