/**
 * PostgreSQL stopped under a running server, seen over HTTP on a real socket: writes are answered 503
 * `transient` with Retry-After and store nothing, reads the index can answer are still served, the balancer's
 * readiness probe says not ready, and service comes back without a restart once the database returns.
 */
import type { CodeSystem, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { fhirHttp, unique } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';
import { pgTestsEnabled, type TestPostgres } from '../store/pg-server.ts';

const enabled = pgTestsEnabled();

describe.skipIf(!enabled)('PostgreSQL down while the server runs (HTTP)', () => {
  const server = useTestServer({ store: 'PostgreSQL', content: false });
  const api = fhirHttp(() => server.base);
  const pgServer = (): TestPostgres => server.postgres?.server as TestPostgres;
  let stored: CodeSystem;
  const url = `http://example.org/fhir/CodeSystem/db-down-${unique()}`;

  beforeAll(async () => {
    const created = await api.post('/CodeSystem', {
      resourceType: 'CodeSystem',
      url,
      version: '1',
      status: 'draft',
      content: 'complete',
      concept: [{ code: 'a', display: 'Alpha' }],
    });
    expect(created.status, created.text).toBe(201);
    stored = created.json<CodeSystem>();
    pgServer().stop();
  });

  it('answers a create 503 transient with Retry-After, and stores nothing', async () => {
    const res = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `${url}-new`, status: 'draft', content: 'complete' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const outcome = res.json<OperationOutcome>();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.code).toBe('transient');
  });

  it('answers an update and a delete 503 too, never another 5xx', async () => {
    const put = await api.put(`/CodeSystem/${stored.id}`, { ...stored, title: 'changed while down' });
    expect(put.status).toBe(503);
    expect(put.headers.get('retry-after')).toMatch(/^\d+$/);
    const del = await api.delete(`/CodeSystem/${stored.id}`);
    expect(del.status).toBe(503);
  });

  it('still serves read by id, search and $lookup from the index', async () => {
    const read = await api.get(`/CodeSystem/${stored.id}`);
    expect(read.status).toBe(200);
    expect(read.json<CodeSystem>().title).toBeUndefined();
    const search = await api.get(`/CodeSystem?url=${encodeURIComponent(url)}`);
    expect(search.status).toBe(200);
    expect(search.json<{ total: number }>().total).toBe(1);
    const lookup = await api.get(`/CodeSystem/$lookup?system=${encodeURIComponent(url)}&code=a`);
    expect(lookup.status).toBe(200);
    expect(lookup.json<Parameters>().parameter?.find((p) => p.name === 'display')?.valueString).toBe('Alpha');
  });

  it('says alive on /healthz and not ready on /readyz', async () => {
    const origin = new URL(server.base).origin;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(503);
  });

  it('serves writes again, without a restart, once PostgreSQL is back; nothing refused was stored', async () => {
    pgServer().start();
    const origin = new URL(server.base).origin;
    expect(await eventually(15_000, async () => (await fetch(`${origin}/readyz`)).status === 200, 100)).toBe(true);
    const created = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `${url}-after`, status: 'draft', content: 'complete' });
    expect(created.status, created.text).toBe(201);
    const refused = await api.get(`/CodeSystem?url=${encodeURIComponent(`${url}-new`)}`);
    expect(refused.json<{ total: number }>().total).toBe(0);
    const read = await api.get(`/CodeSystem/${stored.id}`);
    expect(read.status).toBe(200);
    expect(read.json<CodeSystem>().meta?.versionId).toBe('1');
  }, 30_000);
});
