/**
 * Write credentials: without a token or with a wrong one a write is a 401 with `WWW-Authenticate: Bearer`
 * and changes nothing; reads and searches need no token.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import { describe, expect, it } from 'vitest';
import { expectBundle, expectOutcome, fhirHttp, type HttpResult } from '../helpers/http.ts';
import { canonicalQuery, templateResource } from '../helpers/resources.ts';
import { useTestServer, TEST_WRITE_TOKEN } from '../helpers/server.ts';

const server = useTestServer();
const api = fhirHttp(() => server.base);
const existingId = 'liver-cryoablation';

function expectUnauthorized(res: HttpResult): void {
  expectOutcome(res, 401, ['login', 'security']);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
}

const badAuthorizations: readonly [string, Record<string, string>][] = [
  ['no Authorization header', {}],
  ['a wrong bearer token', { authorization: 'Bearer not-the-right-token-000000' }],
  ['the right token with a wrong scheme', { authorization: `Basic ${TEST_WRITE_TOKEN}` }],
  ['the right token with a suffix', { authorization: `Bearer ${TEST_WRITE_TOKEN}x` }],
  ['a prefix of the right token', { authorization: `Bearer ${TEST_WRITE_TOKEN.slice(0, -1)}` }],
  ['an empty bearer', { authorization: 'Bearer ' }],
];

describe.each(badAuthorizations)('writes with %s', (_label, headers) => {
  it('create is a 401 and stores nothing', async () => {
    const resource = templateResource('CodeSystem');
    const res = await api.request('POST', '/CodeSystem', { body: resource, headers, auth: false });
    expectUnauthorized(res);
    expect(expectBundle(await api.get(`/CodeSystem?${canonicalQuery(resource)}`)).total).toBe(0);
  });

  it('update is a 401 and the resource keeps its version', async () => {
    const before = await api.get(`/CodeSystem/${existingId}`);
    const res = await api.request('PUT', `/CodeSystem/${existingId}`, { body: { ...before.json<Record<string, unknown>>(), title: 'changed' }, headers, auth: false });
    expectUnauthorized(res);
    const after = await api.get(`/CodeSystem/${existingId}`);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.text).toBe(before.text);
  });

  it('delete is a 401 and the resource stays', async () => {
    expectUnauthorized(await api.request('DELETE', `/CodeSystem/${existingId}`, { headers, auth: false }));
    expect((await api.get(`/CodeSystem/${existingId}`)).status).toBe(200);
  });
});

describe('reads need no token', () => {
  it('read, vread, search (GET and POST _search), history and metadata answer 200 without Authorization', async () => {
    for (const path of [`/CodeSystem/${existingId}`, `/CodeSystem/${existingId}/_history/1`, '/CodeSystem', '/_history', '/metadata', '/']) {
      const res = await api.request('GET', path, { auth: false });
      expect(res.status, path).toBe(200);
    }
    const posted = await api.request('POST', '/CodeSystem/_search', {
      body: 'status=active',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      auth: false,
    });
    expect(posted.status).toBe(200);
  });

  it('the right token is accepted whatever the case of the scheme', async () => {
    const res = await api.request('POST', '/CodeSystem', {
      body: templateResource('CodeSystem'),
      headers: { authorization: `bearer ${TEST_WRITE_TOKEN}` },
      auth: false,
    });
    expect(res.status).toBe(201);
  });
});
