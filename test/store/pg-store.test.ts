import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { FhirError } from '../../src/fhir/errors.ts';
import { MIGRATIONS } from '../../src/store/pg-migrations.ts';
import { openPgStore } from '../../src/store/pg-store.ts';
import { storeContract } from './store-contract.ts';
import { pgTestsEnabled, startTestPostgres, type TestPostgres } from './pg-server.ts';

const enabled = pgTestsEnabled();

describe.skipIf(!enabled)('PostgreSQL store', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });

  storeContract('PostgreSQL', async () => openPgStore({ connectionString: await server.createDatabase(), max: 4 }));

  it('applies each migration once when several replicas start together', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPgStore({ connectionString: url, max: 2 })));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migration ORDER BY version');
    await client.end();
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('keeps url|version unique between concurrent writers on separate pools: one stored, the other 409', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([openPgStore({ connectionString: url }), openPgStore({ connectionString: url })]);
    const put = (store: typeof a, id: string) =>
      store.write({ kind: 'put', resource: { resourceType: 'CodeSystem', id, status: 'draft', content: 'complete', url: 'http://example.org/cs', version: '1' } as never }).then(
        () => 201,
        (e: unknown) => (e as FhirError).status,
      );
    const results = await Promise.all([put(a, 'x'), put(b, 'y'), put(a, 'z'), put(b, 'w')]);
    expect(results.sort()).toEqual([201, 409, 409, 409]);
    await Promise.all([a.close(), b.close()]);
  });

  it('lets exactly one of two concurrent If-Match updates on separate pools win', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([openPgStore({ connectionString: url }), openPgStore({ connectionString: url })]);
    await a.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'm', status: 'draft' } as never });
    const update = (store: typeof a, name: string) =>
      store.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'm', status: 'draft', name } as never, expectVersionId: '1' }).then(
        () => 200,
        (e: unknown) => (e as FhirError).status,
      );
    const results = await Promise.all([update(a, 'A'), update(b, 'B')]);
    expect(results.sort()).toEqual([200, 412]);
    expect((await b.readCurrent('ValueSet', 'm'))?.versionId).toBe('2');
    await Promise.all([a.close(), b.close()]);
  });

  it('lists committed changes after a seq in order, for replicas catching up', async () => {
    const store = await openPgStore({ connectionString: await server.createDatabase() });
    const first = await store.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'c1', status: 'draft' } as never });
    await store.writeAll([
      { kind: 'put', resource: { resourceType: 'ValueSet', id: 'c2', status: 'draft' } as never },
      { kind: 'delete', resourceType: 'ValueSet', id: 'c1' },
    ]);
    const changes = await store.changesSince(first.seq, 100);
    expect(changes.map((c) => [c.id, c.deleted])).toEqual([
      ['c2', false],
      ['c1', true],
    ]);
    expect(await store.lastSeq()).toBe(changes[1].seq);
    await store.close();
  });

  it('answers 503 transient with Retry-After while PostgreSQL is down, and serves again once it is back', async () => {
    const store = await openPgStore({ connectionString: await server.createDatabase() });
    await store.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'f', status: 'draft' } as never });
    server.stop();
    try {
      const read = await store.readCurrent('ValueSet', 'f').catch((e: unknown) => e);
      expect((read as FhirError).status).toBe(503);
      expect((read as FhirError).headers['Retry-After']).toBe('2');
      expect((read as FhirError).outcome.issue?.[0]?.code).toBe('transient');
      const write = await store.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'g', status: 'draft' } as never }).catch((e: unknown) => e);
      expect((write as FhirError).status).toBe(503);
      expect(await store.ping()).toBe(false);
    } finally {
      server.start();
    }
    expect((await store.readCurrent('ValueSet', 'f'))?.versionId).toBe('1');
    expect(await store.readCurrent('ValueSet', 'g')).toBeUndefined();
    await store.close();
  });
});
