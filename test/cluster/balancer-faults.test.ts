/**
 * Faults through the balancer (`npm run cluster`'s topology: PostgreSQL, two replicas, nginx): what a client
 * sees when a replica is killed with `kill -9` during a read load and when PostgreSQL stops for ten seconds
 * during a mixed load.
 */
import type { Bundle, CodeSystem } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_WRITE_TOKEN, findNginx, startCluster, type Cluster } from '../../scripts/cluster.ts';
import { UPSTREAM_FAIL_TIMEOUT_S } from '../../scripts/cluster/nginx-config.ts';
import { fhirHttp, unique, type FhirHttp } from '../helpers/http.ts';
import { pgTestsEnabled } from '../store/pg-server.ts';

const enabled = pgTestsEnabled() && (findNginx() !== undefined || process.env.REQUIRE_PG === '1');

/** Runs `workers` loops of `request` until `done()`; returns every status seen (0 = the request failed). */
async function load(workers: number, done: () => boolean, request: (n: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!done()) statuses.push(await request(n++).catch(() => 0));
    }),
  );
  return statuses;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!enabled)('faults through nginx over two replicas', () => {
  let cluster: Cluster;
  let api: FhirHttp;
  let ids: string[];

  beforeAll(async () => {
    cluster = await startCluster({ content: false, logLevel: 'silent' });
    api = fhirHttp(cluster.base, CLUSTER_WRITE_TOKEN);
    ids = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `http://example.org/fhir/CodeSystem/lb-${unique()}`, status: 'draft', content: 'complete' });
      expect(res.status, res.text).toBe(201);
      ids.push(res.json<CodeSystem>().id as string);
    }
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('kill -9 of one replica during a read load: the client sees no failed request; restarted, it catches up and rejoins', async () => {
    const victim = cluster.replicas[0];
    if (!victim) throw new Error('no replica');
    let stop = false;
    const reads = load(4, () => stop, async (n) => (await fetch(`${cluster.base}/CodeSystem/${ids[n % ids.length]}`)).status);
    await sleep(1_000);
    await victim.kill();
    // Written while the victim is down: it must catch up on it when it returns.
    const written = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `http://example.org/fhir/CodeSystem/while-down-${unique()}`, status: 'draft', content: 'complete' });
    expect(written.status).toBe(201);
    const writtenId = written.json<CodeSystem>().id as string;
    await sleep(3_000);
    stop = true;
    const statuses = await reads;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    await victim.start();
    const direct = fhirHttp(victim.base, CLUSTER_WRITE_TOKEN);
    expect((await direct.get(`/CodeSystem/${writtenId}`)).status).toBe(200);
    const search = await direct.get(`/CodeSystem?url=${encodeURIComponent(written.json<CodeSystem>().url as string)}`);
    expect(search.json<Bundle>().total).toBe(1);
    // Rejoined: with the other replica killed, the balancer still answers, from the restarted one. nginx puts
    // a replica back in the rotation only when its fail_timeout has passed since its last failure (during the
    // load above); a replica that restarts faster than that is not yet tried.
    await sleep(UPSTREAM_FAIL_TIMEOUT_S * 1000 + 500);
    const other = cluster.replicas[1];
    if (!other) throw new Error('no second replica');
    await other.kill();
    expect((await api.get(`/CodeSystem/${writtenId}`)).status).toBe(200);
    await other.start();
  }, 90_000);

  it('PostgreSQL stopped ~10 s during a mixed load: only 503s, no crash, no acknowledged write lost, full service after', async () => {
    let stop = false;
    const acknowledged: string[] = [];
    const reads = load(2, () => stop, async (n) => (await fetch(`${cluster.base}/CodeSystem/${ids[n % ids.length]}`)).status);
    const writes = load(2, () => stop, async () => {
      const res = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `http://example.org/fhir/CodeSystem/mixed-${unique()}`, status: 'draft', content: 'complete' });
      if (res.status === 201) acknowledged.push(res.json<CodeSystem>().id as string);
      if (res.status === 503) await sleep(200);
      return res.status;
    });
    await sleep(1_000);
    cluster.postgres.stop();
    await sleep(10_000);
    cluster.postgres.start();
    // Until the pools reconnect, writes may still be 503.
    await sleep(4_000);
    stop = true;
    const [readStatuses, writeStatuses] = await Promise.all([reads, writes]);
    expect(readStatuses.filter((s) => s !== 200)).toEqual([]);
    expect(writeStatuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(writeStatuses).toContain(503);
    expect(cluster.replicas.map((r) => r.running())).toEqual([true, true]);

    const after = await api.post('/CodeSystem', { resourceType: 'CodeSystem', url: `http://example.org/fhir/CodeSystem/after-${unique()}`, status: 'draft', content: 'complete' });
    expect(after.status, after.text).toBe(201);
    for (const replica of cluster.replicas) {
      const direct = fhirHttp(replica.base, CLUSTER_WRITE_TOKEN);
      const missing: string[] = [];
      for (const id of acknowledged) if ((await direct.get(`/CodeSystem/${id}`)).status !== 200) missing.push(id);
      expect(missing).toEqual([]);
    }
  }, 90_000);
});
