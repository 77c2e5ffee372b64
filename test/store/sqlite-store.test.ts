import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFLATE_CHARS, openSqliteStore } from '../../src/store/sqlite-store.ts';
import { storeContract } from './store-contract.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

storeContract('SQLite on disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
  dirs.push(dir);
  return openSqliteStore({ dataDir: dir });
});

storeContract('SQLite in memory', async () => openSqliteStore({ dataDir: ':memory:' }));

describe('SQLite store on disk', () => {
  it('keeps every version across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-reopen-'));
    dirs.push(dir);
    const first = openSqliteStore({ dataDir: dir });
    await first.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'r', status: 'draft' } as never });
    await first.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'r', status: 'active' } as never });
    await first.close();
    const second = openSqliteStore({ dataDir: dir });
    expect(JSON.parse((await second.readVersion('ValueSet', 'r', '1'))?.json ?? '{}').status).toBe('draft');
    expect(JSON.parse((await second.readCurrent('ValueSet', 'r'))?.json ?? '{}').status).toBe('active');
    // New versions continue the numbering.
    const v3 = await second.write({ kind: 'put', resource: { resourceType: 'ValueSet', id: 'r', status: 'retired' } as never });
    expect(v3.versionId).toBe('3');
    await second.close();
  });
});

describe('SQLite store, large content', () => {
  it('stores a resource of several megabytes in a fraction of its size and reads every version back exactly, also after reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-large-'));
    dirs.push(dir);
    const concept = Array.from({ length: 20_000 }, (_, i) => ({ code: `C${i}`, display: `concept number ${i} — é` }));
    const resource = { resourceType: 'CodeSystem', id: 'big', url: 'https://example.org/big', status: 'active', content: 'complete', concept } as never;
    const first = openSqliteStore({ dataDir: dir });
    const v1 = await first.write({ kind: 'put', resource });
    expect(v1.json?.length).toBeGreaterThan(DEFLATE_CHARS);
    await first.write({ kind: 'put', resource: { resourceType: 'CodeSystem', id: 'big', status: 'retired', content: 'complete', concept } as never });
    await first.close();
    // The file holds both versions (over 2 MB of JSON) in well under one version's size.
    const fileBytes = statSync(join(dir, 'fhir.sqlite')).size + (statSync(join(dir, 'fhir.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0);
    expect(fileBytes).toBeLessThan(v1.json?.length ?? 0);
    const second = openSqliteStore({ dataDir: dir });
    expect((await second.readVersion('CodeSystem', 'big', '1'))?.json).toBe(v1.json);
    const current = JSON.parse((await second.readCurrent('CodeSystem', 'big'))?.json ?? '{}');
    expect(current.status).toBe('retired');
    expect(current.concept).toEqual(concept);
    expect((await second.allCurrent()).map((v) => JSON.parse(v.json ?? '{}').meta.versionId)).toEqual(['2']);
    expect((await second.history({ id: 'big', offset: 0, count: 10 })).entries.map((v) => v.json === undefined ? 0 : JSON.parse(v.json).concept.length)).toEqual([20_000, 20_000]);
    await second.close();
  });

  it('gives concurrent large writes to one resource distinct versions, and refuses a stale If-Match', async () => {
    const store = openSqliteStore({ dataDir: ':memory:' });
    const concept = Array.from({ length: 40_000 }, (_, i) => ({ code: `C${i}`, display: `concept ${i}` }));
    const write = (status: string) => store.write({ kind: 'put', resource: { resourceType: 'CodeSystem', id: 'big', status, content: 'complete', concept } as never });
    const versions = await Promise.all([write('draft'), write('active'), write('retired')]);
    expect(versions.map((v) => v.versionId).sort()).toEqual(['1', '2', '3']);
    await expect(store.write({ kind: 'put', resource: { resourceType: 'CodeSystem', id: 'big', status: 'draft', content: 'complete', concept } as never, expectVersionId: '1' })).rejects.toMatchObject({ status: 412 });
    await store.close();
  });
});
