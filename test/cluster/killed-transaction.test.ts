/**
 * The server's database connection killed in the middle of a transaction Bundle, over HTTP on PostgreSQL.
 * Deterministic: the test holds a row lock on the resource the Bundle's last entry updates, so the server's
 * store transaction stops there — its two creates already inserted, uncommitted — and the test terminates that
 * backend (`pg_terminate_backend`) from another connection. The client must get a 503 `transient`
 * OperationOutcome, nothing of the Bundle may be stored, and the next writes must be served normally.
 *
 * @see https://hl7.org/fhir/R4/http.html#transaction
 * @see https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADMIN-SIGNAL
 */
import type { Bundle, CodeSystem, OperationOutcome } from '@medplum/fhirtypes';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { expectBundle, fhirHttp, unique, type HttpResult } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';
import { pgTestsEnabled } from '../store/pg-server.ts';

const enabled = pgTestsEnabled();

describe.skipIf(!enabled)('a connection killed mid-transaction (PostgreSQL, HTTP)', () => {
  const server = useTestServer({ store: 'PostgreSQL', content: false });
  const api = fhirHttp(() => server.base);
  const databaseUrl = (): string => server.postgres?.databaseUrl as string;
  let target: CodeSystem & { id: string };
  const tag = unique('killed');
  const createdUrl = `http://example.org/fhir/CodeSystem/${tag}-created`;
  const valueSetUrl = `http://example.org/fhir/ValueSet/${tag}-created`;
  let bundle: Bundle;

  /** Rows of the version table, read by the test's own connection (committed data only). */
  async function versionRows(): Promise<number> {
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM resource_version')).rows[0]?.n);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    const created = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `http://example.org/fhir/CodeSystem/${tag}-target`, status: 'draft', content: 'complete' });
    expect(created.status, created.text).toBe(201);
    target = created.json<CodeSystem & { id: string }>();
    const csFullUrl = 'urn:uuid:5b1f6a8e-3c2d-4e7f-9a0b-1c2d3e4f5a6b';
    bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: csFullUrl, resource: { resourceType: 'CodeSystem', url: createdUrl, status: 'draft', content: 'complete', concept: [{ code: 'a', display: 'Alpha' }] }, request: { method: 'POST', url: 'CodeSystem' } },
        { resource: { resourceType: 'ValueSet', url: valueSetUrl, status: 'draft', compose: { include: [{ system: createdUrl }] } }, request: { method: 'POST', url: 'ValueSet' } },
        { resource: { ...target, title: 'Updated by the Bundle' }, request: { method: 'PUT', url: `CodeSystem/${target.id}` } },
      ],
    };
  });

  it('answers 503 transient with Retry-After when the backend is terminated while the transaction waits', async () => {
    const rowsBefore = await versionRows();
    const locker = new pg.Client({ connectionString: databaseUrl() });
    const admin = new pg.Client({ connectionString: databaseUrl() });
    await Promise.all([locker.connect(), admin.connect()]);
    let res: HttpResult;
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM resource_current WHERE resource_type = $1 AND id = $2 FOR UPDATE', ['CodeSystem', target.id]);
      const answer = api.post('/', bundle);
      // The server's backend, blocked on the row lock while writing the third entry: the two creates are already inserted.
      const pid = await eventually(20_000, async () => {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1
             AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO resource_current%'`,
          [(locker as unknown as { processID: number }).processID],
        );
        return rows[0]?.pid;
      });
      expect(pid, 'the server transaction never waited on the row lock').toBeGreaterThan(0);
      const written = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_locks WHERE pid = $1 AND locktype = 'relation' AND mode = 'RowExclusiveLock' AND relation = 'resource_version'::regclass`,
        [pid],
      );
      expect(Number(written.rows[0]?.n), 'the server transaction had inserted versions before it waited').toBe(1);
      const terminated = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
      expect(terminated.rows[0]?.ok).toBe(true);
      res = await answer;
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await Promise.all([locker.end(), admin.end()]);
    }
    expect(res.status, res.text).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const outcome = res.json<OperationOutcome>();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.code).toBe('transient');
    expect(await versionRows()).toBe(rowsBefore);
  }, 60_000);

  it('stored nothing of the Bundle: searches, reads and history show no part of it', async () => {
    expect(expectBundle(await api.get(`/CodeSystem?url=${encodeURIComponent(createdUrl)}`)).total).toBe(0);
    expect(expectBundle(await api.get(`/ValueSet?url=${encodeURIComponent(valueSetUrl)}`)).total).toBe(0);
    const read = await api.get(`/CodeSystem/${target.id}`);
    expect(read.status).toBe(200);
    expect(read.json<CodeSystem>().meta?.versionId).toBe('1');
    expect(read.json<CodeSystem>().title).toBeUndefined();
    const history = expectBundle(await api.get(`/CodeSystem/${target.id}/_history`), 'history');
    expect(history.total).toBe(1);
    // The only version anywhere is the target's first one.
    expect(expectBundle(await api.get('/_history'), 'history').total).toBe(1);
    expect((await fetch(`${new URL(server.base).origin}/healthz`)).status).toBe(200);
  });

  it('serves the next writes normally: a create, and the same Bundle again, in full', async () => {
    const created = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `http://example.org/fhir/CodeSystem/${tag}-after`, status: 'draft', content: 'complete' });
    expect(created.status, created.text).toBe(201);
    const again = await api.post('/', bundle);
    expect(again.status, again.text).toBe(200);
    const statuses = again.json<Bundle>().entry?.map((e) => e.response?.status);
    expect(statuses).toEqual(['201 Created', '201 Created', '200 OK']);
    expect(expectBundle(await api.get(`/CodeSystem?url=${encodeURIComponent(createdUrl)}`)).total).toBe(1);
    expect(expectBundle(await api.get(`/ValueSet?url=${encodeURIComponent(valueSetUrl)}`)).total).toBe(1);
    const read = await api.get(`/CodeSystem/${target.id}`);
    expect(read.json<CodeSystem>().meta?.versionId).toBe('2');
    expect(read.json<CodeSystem>().title).toBe('Updated by the Bundle');
  });
});
