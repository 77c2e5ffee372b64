/**
 * The status-code table of the project's FHIR REST checklist, row by row: one request per row, checking
 * the status and the issue code of the OperationOutcome. The operations the rows exercise must be declared
 * in the CapabilityStatement (a row fails, never skips, when one goes missing).
 *
 * @see https://hl7.org/fhir/R4/http.html#2.21.0.4
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { CapabilityStatement, Parameters } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOutcome, fhirHttp, toResult } from '../helpers/http.ts';
import { templateResource } from '../helpers/resources.ts';
import { startTestServer, TEST_WRITE_TOKEN, useTestServer } from '../helpers/server.ts';

const server = useTestServer();
const api = fhirHttp(() => server.base);
let operations: Set<string>;

const CPT = 'http://www.ama-assn.org/go/cpt';
const PROTOCOL_CODES = 'https://example.org/fhir/liver-cryoablation/ValueSet/protocol-cpt-codes';
const COMPLICATIONS = 'https://example.org/fhir/liver-cryoablation/ValueSet/complications';

beforeAll(async () => {
  const cs = (await api.get('/metadata')).json<CapabilityStatement>();
  const rest = cs.rest?.[0];
  operations = new Set([
    ...(rest?.operation ?? []).map((o) => o.name),
    ...(rest?.resource ?? []).flatMap((r) => (r.operation ?? []).map((o) => `${r.type}/${o.name}`)),
  ]);
});

describe('REST rows', () => {
  it('unknown id, unknown type, unknown route → 404 not-found', async () => {
    expectOutcome(await api.get('/CodeSystem/does-not-exist'), 404, ['not-found']);
    expectOutcome(await api.get('/Observation'), 404, ['not-found']);
    expectOutcome(await api.get('/CodeSystem/liver-cryoablation/_history/1/extra'), 404, ['not-found']);
  });

  it('deleted id → 410 deleted', async () => {
    const created = await api.post('/ValueSet', templateResource('ValueSet'));
    const id = created.json().id as string;
    await api.delete(`/ValueSet/${id}`);
    expectOutcome(await api.get(`/ValueSet/${id}`), 410, ['deleted']);
  });

  it.each([
    ['malformed JSON', '{"resourceType":'],
    ['an empty body', ''],
    ['an array body', '[]'],
    ['a scalar body', '1'],
    ['no resourceType', '{"status":"draft"}'],
    ['a wrong resourceType', '{"resourceType":"ValueSet","status":"draft"}'],
    ['a null value', '{"resourceType":"CodeSystem","status":"draft","content":"complete","name":null}'],
    ['an empty string', '{"resourceType":"CodeSystem","status":"draft","content":"complete","name":""}'],
  ])('%s → 400 invalid/structure', async (_label, body) => {
    const res = await toResult(
      await fetch(`${server.base}/CodeSystem`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_WRITE_TOKEN}`, 'content-type': 'application/fhir+json' },
        body,
      }),
    );
    expectOutcome(res, 400, ['invalid', 'structure', 'required', 'value']);
  });

  it('invalid _summary, _elements, _count, _format → 400; an unproducible _format → 406', async () => {
    for (const query of ['_summary=x', '_elements=%24', '_count=x', '_format=x']) {
      expectOutcome(await api.get(`/CodeSystem?${query}`), 400, ['invalid']);
    }
    expectOutcome(await api.get('/CodeSystem?_format=xml'), 406, ['not-supported']);
  });

  it('valid JSON that breaks a binding → 422 with the element in the expression', async () => {
    const res = await api.post('/CodeSystem', { ...templateResource('CodeSystem'), status: 'unknown-status' });
    const outcome = expectOutcome(res, 422);
    expect(JSON.stringify(outcome.issue?.map((i) => i.expression ?? i.location))).toContain('status');
  });

  it('missing or unsupported Content-Type on a write → 415', async () => {
    expectOutcome(await api.post('/CodeSystem', JSON.stringify(templateResource('CodeSystem')), { 'content-type': 'text/plain' }), 415, [
      'not-supported',
    ]);
  });

  it('body over the limit → 413 too-costly', async () => {
    const big = JSON.stringify({ ...templateResource('CodeSystem'), description: 'y'.repeat(9 * 1024 * 1024) });
    expectOutcome(await api.post('/CodeSystem', big), 413, ['too-costly']);
  });

  it('If-Match stale → 412 with the current ETag; malformed If-Match → 400', async () => {
    const created = await api.post('/CodeSystem', templateResource('CodeSystem'));
    const resource = created.json();
    await api.put(`/CodeSystem/${resource.id}`, resource);
    const stale = await api.put(`/CodeSystem/${resource.id}`, resource, { 'if-match': 'W/"1"' });
    expectOutcome(stale, 412, ['conflict']);
    expect(stale.headers.get('etag')).toBe('W/"2"');
    expectOutcome(await api.put(`/CodeSystem/${resource.id}`, resource, { 'if-match': 'two' }), 400, ['invalid']);
  });

  it('write without credentials or with a bad token → 401 with WWW-Authenticate: Bearer', async () => {
    const variants: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token' }];
    for (const headers of variants) {
      const res = await api.request('POST', '/CodeSystem', { body: templateResource('CodeSystem'), headers, auth: false });
      expectOutcome(res, 401, ['login', 'security']);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('method not allowed → 405 with an Allow header', async () => {
    const res = await api.request('PATCH', '/CodeSystem/liver-cryoablation', { body: '[]' });
    expectOutcome(res, 405, ['not-supported']);
    expect(res.headers.get('allow')).toBe('GET, PUT, DELETE');
  });

  it('request flood → 429 throttled with Retry-After (RATE_LIMIT_PER_SECOND set)', async () => {
    const limited = await startTestServer({ content: false, env: { RATE_LIMIT_PER_SECOND: '5' } });
    try {
      const lapi = fhirHttp(limited.base);
      const results = [];
      for (let i = 0; i < 40; i++) results.push(await lapi.get('/metadata'));
      const throttled = results.filter((r) => r.status === 429);
      // A burst of 10 is allowed, then about 5 per second: 40 requests in well under a second must hit the limit.
      expect(results[0].status).toBe(200);
      expect(throttled.length).toBeGreaterThan(0);
      expectOutcome(throttled[0], 429, ['throttled']);
      expect(Number(throttled[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const health = await fetch(`${limited.base.replace(/\/fhir$/, '')}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('operation rows', () => {
  it('the CapabilityStatement declares every operation these rows exercise', () => {
    const exercised = ['CodeSystem/lookup', 'ValueSet/expand', 'ValueSet/validate-code', 'PlanDefinition/apply'];
    expect(exercised.filter((op) => !operations.has(op))).toEqual([]);
  });

  it('$lookup of an unknown code or system → 4xx not-found', async () => {
    for (const query of [`system=${CPT}&code=00000`, 'system=http://unknown.example/cs&code=x']) {
      const res = await api.get(`/CodeSystem/$lookup?${query}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectOutcome(res, res.status, ['not-found']);
    }
  });

  it('$expand of an unknown ValueSet → 4xx not-found', async () => {
    const res = await api.get('/ValueSet/$expand?url=http://unknown.example/vs');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectOutcome(res, res.status, ['not-found']);
  });

  it('$validate-code against an unknown ValueSet → 4xx not-found', async () => {
    const res = await api.get(`/ValueSet/$validate-code?url=http://unknown.example/vs&system=${CPT}&code=47383`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectOutcome(res, res.status, ['not-found']);
  });

  it('$validate-code with a wrong code → 200, result=false, a message', async () => {
    const res = await api.get(`/ValueSet/$validate-code?url=${PROTOCOL_CODES}&system=${CPT}&code=00000`);
    expect(res.status).toBe(200);
    const parameters = res.json<Parameters>();
    expect(parameters.parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(false);
    expect(parameters.parameter?.find((p) => p.name === 'message')?.valueString).toContain('00000');
  });

  it('expansion too large → 4xx too-costly', async () => {
    const res = await api.get(`/ValueSet/$expand?url=${COMPLICATIONS}`, { 'x-too-costly-threshold': '1' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectOutcome(res, res.status, ['too-costly']);
  });

  it('$apply without subject → 400', async () => {
    expectOutcome(await api.get('/PlanDefinition/liver-tumor-cryoablation/$apply'), 400);
  });
});
