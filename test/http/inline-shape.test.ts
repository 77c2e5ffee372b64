/**
 * Inline terminology resources of the wrong JSON shape are a 400 naming the parameter, not a 500 (issue 12;
 * found by the fuzz test).
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { fhirHttp } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';

const server = useTestServer();
const api = fhirHttp(() => server.base);

describe('inline resources of the wrong shape', () => {
  it('answers $expand of a valueSet whose compose.include is an object with a 400 naming valueSet', async () => {
    const res = await api.post('/ValueSet/$expand', {
      resourceType: 'Parameters',
      parameter: [{ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: {} } } }],
    });
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    const issue = res.json<OperationOutcome>().issue[0];
    expect(issue?.expression).toEqual(['valueSet']);
    expect(issue?.details?.text).toContain('ValueSet.compose.include');
  });

  it('answers $validate-code against a codeSystem whose concept is not an array with a 400 naming codeSystem', async () => {
    const res = await api.post('/CodeSystem/$validate-code', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'url', valueUri: 'https://example.org/inline' },
        { name: 'code', valueCode: 'a' },
        { name: 'codeSystem', resource: { resourceType: 'CodeSystem', url: 'https://example.org/inline', status: 'active', content: 'complete', concept: 7 } },
      ],
    });
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect(res.json<OperationOutcome>().issue[0]?.expression).toEqual(['codeSystem']);
  });
});
