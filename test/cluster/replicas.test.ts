/**
 * Two server replicas over one PostgreSQL database, in this process on their own ports: what a client sees
 * when consecutive requests land on different replicas.
 */
import type { Parameters, ValueSet } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { fhirHttp, unique, type FhirHttp } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { pgTestsEnabled, startTestPostgres, type TestPostgres } from '../store/pg-server.ts';

const enabled = pgTestsEnabled();

describe.skipIf(!enabled)('two replicas over PostgreSQL', () => {
  let pgServer: TestPostgres;
  let a: TestServer;
  let b: TestServer;
  let apiA: FhirHttp;
  let apiB: FhirHttp;
  beforeAll(async () => {
    pgServer = await startTestPostgres();
    const url = await pgServer.createDatabase();
    // Started at the same moment, both loading fhir-resources/.
    [a, b] = await Promise.all([startTestServer({ env: { DATABASE_URL: url } }), startTestServer({ env: { DATABASE_URL: url } })]);
    apiA = fhirHttp(a.base);
    apiB = fhirHttp(b.base);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await pgServer?.destroy();
  });

  it('loads the content folder once when both start together: no failure, no file stored twice', () => {
    const reports = [a.contentReport, b.contentReport];
    expect(reports.map((r) => r?.failed.length)).toEqual([0, 0]);
    const written = (reports[0]?.created ?? 0) + (reports[1]?.created ?? 0) + (reports[0]?.updated ?? 0) + (reports[1]?.updated ?? 0);
    expect(written).toBeGreaterThan(0);
    // The second replica found every file already loaded.
    expect(Math.min(reports[0]?.created ?? 0, reports[1]?.created ?? 0)).toBe(0);
    for (const entry of a.repository.index.all('CodeSystem')) expect(entry.versionId).toBe('1');
  });

  it('reads on B, at once, what A just created', async () => {
    const created = await apiA.post('/ValueSet', { resourceType: 'ValueSet', status: 'draft', name: 'FromA' });
    expect(created.status).toBe(201);
    const id = created.json<ValueSet>().id;
    const read = await apiB.get(`/ValueSet/${id}`);
    expect(read.status).toBe(200);
    expect(read.json<ValueSet>().name).toBe('FromA');
    const updated = await apiA.put(`/ValueSet/${id}`, { resourceType: 'ValueSet', id, status: 'draft', name: 'AgainA' });
    expect(updated.status).toBe(200);
    expect((await apiB.get(`/ValueSet/${id}`)).json<ValueSet>().name).toBe('AgainA');
    expect((await apiA.delete(`/ValueSet/${id}`)).status).toBe(200);
    expect((await apiB.get(`/ValueSet/${id}`)).status).toBe(410);
  });

  it('sees a CodeSystem update made on A in $lookup and $expand on B within a second', async () => {
    const system = `http://example.org/fhir/CodeSystem/${unique('cs')}`;
    const cs = (display: string, codes: string[]) => ({ resourceType: 'CodeSystem', id: 'replica-cs', url: system, version: '1', status: 'draft', content: 'complete', concept: codes.map((code) => ({ code, display: `${display} ${code}` })) });
    expect((await apiA.put('/CodeSystem/replica-cs', cs('First', ['a']))).status).toBe(201);
    const vs = { resourceType: 'ValueSet', id: 'replica-vs', url: `${system}-vs`, status: 'draft', compose: { include: [{ system }] } };
    expect((await apiA.put('/ValueSet/replica-vs', vs)).status).toBe(201);
    const lookup = async (): Promise<string | undefined> => {
      const res = await apiB.get(`/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=a`);
      if (res.status !== 200) return undefined;
      return res.json<Parameters>().parameter?.find((p) => p.name === 'display')?.valueString;
    };
    const expandCodes = async (): Promise<string[]> => {
      const res = await apiB.get(`/ValueSet/replica-vs/$expand`);
      if (res.status !== 200) return [];
      return (res.json<ValueSet>().expansion?.contains ?? []).map((c) => c.code ?? '').sort();
    };
    expect(await eventually(1000, async () => (await lookup()) === 'First a', 20)).toBe(true);
    expect(await eventually(1000, async () => (await expandCodes()).join() === 'a', 20)).toBe(true);
    expect((await apiA.put('/CodeSystem/replica-cs', cs('Second', ['a', 'b']))).status).toBe(200);
    expect(await eventually(1000, async () => (await lookup()) === 'Second a', 20)).toBe(true);
    expect(await eventually(1000, async () => (await expandCodes()).join() === 'a,b', 20)).toBe(true);
  });

  it('answers concurrent creates of one url|version on A and B with exactly one 201 and one 409', async () => {
    const url = `http://example.org/fhir/ValueSet/${unique('dup')}`;
    const body = { resourceType: 'ValueSet', status: 'draft', url, version: '1' };
    const statuses = (await Promise.all([apiA.post('/ValueSet', body), apiB.post('/ValueSet', body)])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
  });

  it('lets exactly one of two concurrent If-Match updates on A and B win', async () => {
    const id = unique('im');
    expect((await apiA.put(`/ValueSet/${id}`, { resourceType: 'ValueSet', id, status: 'draft' })).status).toBe(201);
    const put = (api: FhirHttp, name: string) => api.put(`/ValueSet/${id}`, { resourceType: 'ValueSet', id, status: 'draft', name }, { 'If-Match': 'W/"1"' });
    const [ra, rb] = await Promise.all([put(apiA, 'A'), put(apiB, 'B')]);
    expect([ra.status, rb.status].sort()).toEqual([200, 412]);
    const winner = ra.status === 200 ? 'A' : 'B';
    expect((await apiB.get(`/ValueSet/${id}`)).json<ValueSet>().name).toBe(winner);
    expect((await apiA.get(`/ValueSet/${id}`)).json<ValueSet>().name).toBe(winner);
  });

  it('says on /readyz that each replica is caught up, and /healthz that it is alive', async () => {
    for (const server of [a, b]) {
      const origin = server.base.replace(/\/fhir$/, '');
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    }
  });
});
