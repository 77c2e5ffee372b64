import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
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
