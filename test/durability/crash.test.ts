/**
 * A crash loses nothing that was acknowledged: a stream of sequential writes is cut by SIGKILL in the
 * middle; after a restart on the same data folder every write that got a 2xx reads back intact by vread,
 * version numbers have no holes, history agrees with itself, and search works.
 *
 * @see https://hl7.org/fhir/R4/http.html#versioning
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Library } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildExit, type ChildServer } from '../helpers/child-server.ts';
import { expectBundle, fhirHttp } from '../helpers/http.ts';
import { templateResource } from '../helpers/resources.ts';

type Stored = Library & { id: string; meta: { versionId: string; lastUpdated: string } };

/** Acknowledged writes before the kill is sent (the stream goes on while the signal lands). */
const ACKS_BEFORE_KILL = 60;
/** Resources the stream updates in turn (so each gets many versions). */
const UPDATED_IDS = ['crash-a', 'crash-b', 'crash-c'];

const dataDir = mkdtempSync(join(tmpdir(), 'fhir-crash-'));
let restarted: ChildServer | undefined;
let killExit: ChildExit;
/** Every acknowledged write: what was stored, as the server answered it. */
const acked: Stored[] = [];
/** Writes sent but not acknowledged (connection cut). */
let unacknowledged = 0;

beforeAll(async () => {
  const victim = await spawnServer({ dataDir, contentDir: '' });
  const api = fhirHttp(victim.base);
  let killed = false;
  let i = 0;
  while (i < 10_000) {
    const description = `write ${i}`;
    const write =
      i % 4 === 3
        ? api.post('/Library', { ...templateResource('Library'), description })
        : api.put(`/Library/${UPDATED_IDS[i % 3]}`, { ...templateResource('Library', { key: UPDATED_IDS[i % 3] }), id: UPDATED_IDS[i % 3], description });
    if (acked.length === ACKS_BEFORE_KILL && !killed) {
      // Kill while this write is in flight.
      killed = true;
      setImmediate(() => victim.process.kill('SIGKILL'));
    }
    try {
      const res = await write;
      if (res.status >= 200 && res.status < 300) acked.push(res.json<Stored>());
      else throw new Error(`write ${i} answered ${res.status}: ${res.text}`);
    } catch (err) {
      if (!killed) throw err;
      unacknowledged++;
    }
    i++;
    if (killed && unacknowledged > 0) break;
  }
  killExit = await victim.exited;
  restarted = await spawnServer({ dataDir, contentDir: '' });
});

afterAll(async () => {
  await restarted?.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('after SIGKILL in the middle of a write stream', () => {
  it('the process was killed, with writes acknowledged before and cut after', () => {
    expect(killExit.signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    expect(unacknowledged).toBeGreaterThan(0);
  });

  it('every acknowledged write reads back intact by vread', async () => {
    const api = fhirHttp((restarted as ChildServer).base);
    for (const write of acked) {
      const res = await api.get(`/Library/${write.id}/_history/${write.meta.versionId}`);
      expect(res.status, `${write.id}/${write.meta.versionId}`).toBe(200);
      expect(res.json<Stored>()).toEqual(write);
    }
  });

  it('each resource is at or past its last acknowledged version, with no holes in its history', async () => {
    const api = fhirHttp((restarted as ChildServer).base);
    const lastAcked = new Map<string, number>();
    for (const write of acked) lastAcked.set(write.id, Math.max(lastAcked.get(write.id) ?? 0, Number(write.meta.versionId)));
    for (const [id, version] of lastAcked) {
      const current = await api.get(`/Library/${id}`);
      expect(current.status).toBe(200);
      const currentVersion = Number(current.json<Stored>().meta.versionId);
      expect(currentVersion).toBeGreaterThanOrEqual(version);
      expect(currentVersion).toBeLessThanOrEqual(version + 1);
      const history = expectBundle(await api.get(`/Library/${id}/_history?_count=1000`), 'history');
      expect(history.total).toBe(currentVersion);
      expect(history.entry?.map((e) => Number((e.resource as Stored).meta.versionId))).toEqual(
        Array.from({ length: currentVersion }, (_, k) => currentVersion - k),
      );
    }
  });

  it('type history counts exactly the versions of the resources that exist', async () => {
    const api = fhirHttp((restarted as ChildServer).base);
    const search = expectBundle(await api.get('/Library?_count=1000'));
    const current = (search.entry ?? []).map((e) => Number((e.resource as Stored).meta.versionId));
    const history = expectBundle(await api.get('/Library/_history?_count=0'), 'history');
    expect(history.total).toBe(current.reduce((sum, v) => sum + v, 0));
  });

  it('search works and finds the acknowledged resources', async () => {
    const api = fhirHttp((restarted as ChildServer).base);
    const ids = new Set(acked.map((w) => w.id));
    const bundle = expectBundle(await api.get('/Library?_count=1000&_elements=description'));
    const found = new Set((bundle.entry ?? []).map((e) => e.resource?.id));
    for (const id of ids) expect(found.has(id), id).toBe(true);
    const last = acked[acked.length - 1];
    const byDescription = expectBundle(await api.get(`/Library?description:exact=${encodeURIComponent(last.description as string)}`));
    expect(byDescription.total).toBeGreaterThanOrEqual(1);
  });

  it('the restarted server accepts new writes', async () => {
    const api = fhirHttp((restarted as ChildServer).base);
    const res = await api.post('/Library', templateResource('Library'));
    expect(res.status).toBe(201);
  });
});
