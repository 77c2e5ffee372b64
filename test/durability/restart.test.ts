/**
 * A graceful restart keeps everything: versions written before SIGTERM (exit code 0) read back after the
 * restart by vread and history, with the same version ids, timestamps and content; deletions stay deleted.
 *
 * @see https://hl7.org/fhir/R4/http.html#vread
 * @see https://hl7.org/fhir/R4/http.html#history
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Library } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.ts';
import { expectBundle, fhirHttp } from '../helpers/http.ts';
import { templateResource } from '../helpers/resources.ts';

type Stored = Library & { id: string; meta: { versionId: string; lastUpdated: string } };

const dataDir = mkdtempSync(join(tmpdir(), 'fhir-restart-'));
let second: ChildServer | undefined;
const written: Stored[] = [];
let deletedId: string;
let historyBefore: { type: Bundle; system: Bundle };
let firstExit: { code: number | null; signal: NodeJS.Signals | null };

beforeAll(async () => {
  const first = await spawnServer({ dataDir, contentDir: '' });
  try {
    const api = fhirHttp(first.base);
    const created = await api.post('/Library', { ...templateResource('Library'), description: 'version 1' });
    expect(created.status).toBe(201);
    written.push(created.json<Stored>());
    const id = written[0].id;
    for (let v = 2; v <= 5; v++) {
      const res = await api.put(`/Library/${id}`, { ...written[written.length - 1], description: `version ${v}` });
      expect(res.status).toBe(200);
      written.push(res.json<Stored>());
    }
    const other = await api.put('/Library/restart-put-created', { ...templateResource('Library'), id: 'restart-put-created', description: 'update-as-create' });
    expect(other.status).toBe(201);
    written.push(other.json<Stored>());
    const doomed = await api.post('/CodeSystem', templateResource('CodeSystem'));
    deletedId = doomed.json<Stored>().id;
    expect([200, 204]).toContain((await api.delete(`/CodeSystem/${deletedId}`)).status);
    historyBefore = {
      type: expectBundle(await api.get('/Library/_history?_count=100'), 'history'),
      system: expectBundle(await api.get('/_history?_count=100'), 'history'),
    };
  } finally {
    firstExit = await first.stop('SIGTERM');
  }
  second = await spawnServer({ dataDir, contentDir: '' });
});

afterAll(async () => {
  await second?.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

/** The part of a fullUrl after the base (the port, and so the default public base, changes with each start). */
const rel = (fullUrl: string | undefined): string | undefined => fullUrl?.replace(/^.*\/fhir\//, '');

describe('restart after SIGTERM', () => {
  it('the first process exited with code 0 on SIGTERM', () => {
    expect(firstExit).toEqual({ code: 0, signal: null });
  });

  it('every version reads back by vread with its content, version id and timestamp', async () => {
    const api = fhirHttp((second as ChildServer).base);
    for (const version of written) {
      const res = await api.get(`/Library/${version.id}/_history/${version.meta.versionId}`);
      expect(res.status, `${version.id}/${version.meta.versionId}`).toBe(200);
      const stored = res.json<Stored>();
      expect(stored).toEqual(version);
      expect(res.headers.get('etag')).toBe(`W/"${version.meta.versionId}"`);
    }
  });

  it('read returns the last version', async () => {
    const api = fhirHttp((second as ChildServer).base);
    const res = await api.get(`/Library/${written[0].id}`);
    expect(res.json<Stored>()).toEqual(written[4]);
  });

  it('instance, type and system history are the same as before the restart', async () => {
    const api = fhirHttp((second as ChildServer).base);
    const instance = expectBundle(await api.get(`/Library/${written[0].id}/_history`), 'history');
    expect(instance.entry?.map((e) => e.resource)).toEqual([...written.slice(0, 5)].reverse());
    const type = expectBundle(await api.get('/Library/_history?_count=100'), 'history');
    expect(type.total).toBe(historyBefore.type.total);
    expect(type.entry?.map((e) => [rel(e.fullUrl), e.response?.etag, e.response?.lastModified])).toEqual(
      historyBefore.type.entry?.map((e) => [rel(e.fullUrl), e.response?.etag, e.response?.lastModified]),
    );
    const system = expectBundle(await api.get('/_history?_count=100'), 'history');
    expect(system.total).toBe(historyBefore.system.total);
    expect(system.entry?.map((e) => [rel(e.fullUrl), e.request?.method, e.response?.etag])).toEqual(
      historyBefore.system.entry?.map((e) => [rel(e.fullUrl), e.request?.method, e.response?.etag]),
    );
  });

  it('a deletion stays a deletion: read 410, the old version still vreads', async () => {
    const api = fhirHttp((second as ChildServer).base);
    expect((await api.get(`/CodeSystem/${deletedId}`)).status).toBe(410);
    expect((await api.get(`/CodeSystem/${deletedId}/_history/1`)).status).toBe(200);
  });

  it('writes continue with the next version number', async () => {
    const api = fhirHttp((second as ChildServer).base);
    const res = await api.put(`/Library/${written[0].id}`, { ...written[4], description: 'version 6' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"6"');
  });
});
