/**
 * One server per data folder: a second process started on a DATA_DIR that a running server holds refuses
 * to start (clear message, non-zero exit) instead of serving reads that miss the first one's writes; once
 * the holder is gone — even killed without a chance to clean up — the folder can be used again.
 *
 * @see https://www.sqlite.org/pragma.html#pragma_locking_mode
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Library } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.ts';
import { fhirHttp } from '../helpers/http.ts';
import { templateResource } from '../helpers/resources.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fhir-lock-'));
const started: ChildServer[] = [];

afterAll(async () => {
  for (const child of started) await child.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('DATA_DIR lock', () => {
  it('refuses a second server on the same DATA_DIR and keeps the first serving', async () => {
    const first = await spawnServer({ dataDir, contentDir: '' });
    started.push(first);
    const api = fhirHttp(first.base);
    const created = await api.post('/Library', { ...templateResource('Library'), description: 'before the second start' });
    expect(created.status).toBe(201);

    const second = spawnServer({ dataDir, contentDir: '' });
    await expect(second).rejects.toThrow(/exited before listening \(\{"code":3,"signal":null\}\).*DATA_DIR .* is in use by another server process/s);

    const id = created.json<Library>().id as string;
    const read = await api.get(`/Library/${id}`);
    expect(read.status).toBe(200);
    expect(read.json<Library>().description).toBe('before the second start');

    // Killed without cleanup: the lock goes with the process, the next start succeeds and sees the write.
    first.process.kill('SIGKILL');
    await first.exited;
    const third = await spawnServer({ dataDir, contentDir: '' });
    started.push(third);
    const again = await fhirHttp(third.base).get(`/Library/${id}`);
    expect(again.status).toBe(200);
    expect(again.json<Library>().description).toBe('before the second start');
  });
});
