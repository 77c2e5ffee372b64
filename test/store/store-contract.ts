/**
 * The storage contract: every ResourceStore implementation (SQLite today, PostgreSQL next) must pass it.
 */
import type { Resource } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.ts';
import type { ResourceStore } from '../../src/store/types.ts';

/** Runs the contract against stores made by `open` (a fresh, empty store each time). */
export function storeContract(name: string, open: () => Promise<ResourceStore>): void {
  describe(`ResourceStore contract: ${name}`, () => {
    let store: ResourceStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const vs = (id: string, extra: Record<string, unknown> = {}): Resource & { id: string } =>
      ({ resourceType: 'ValueSet', id, status: 'draft', url: `http://example.org/vs/${id}`, ...extra }) as Resource & { id: string };

    it('numbers versions 1, 2, 3 and keeps every one readable', async () => {
      const v1 = await store.write({ kind: 'put', resource: vs('a', { name: 'One' }) });
      const v2 = await store.write({ kind: 'put', resource: vs('a', { name: 'Two' }) });
      const v3 = await store.write({ kind: 'put', resource: vs('a', { name: 'Three' }) });
      expect([v1.versionId, v2.versionId, v3.versionId]).toEqual(['1', '2', '3']);
      expect(v3.seq).toBeGreaterThan(v2.seq);
      expect(v3.lastUpdated > v2.lastUpdated).toBe(true);
      const names = await Promise.all(['1', '2', '3'].map(async (v) => JSON.parse((await store.readVersion('ValueSet', 'a', v))?.json ?? '{}').name));
      expect(names).toEqual(['One', 'Two', 'Three']);
      const current = await store.readCurrent('ValueSet', 'a');
      expect(JSON.parse(current?.json ?? '{}')).toMatchObject({ id: 'a', name: 'Three', meta: { versionId: '3' } });
    });

    it('writes meta.versionId and meta.lastUpdated into the stored JSON, resourceType and id first', async () => {
      const v = await store.write({ kind: 'put', resource: vs('m', { meta: { profile: ['http://x'] } }) });
      const json = JSON.parse(v.json ?? '{}');
      expect(Object.keys(json).slice(0, 3)).toEqual(['resourceType', 'id', 'meta']);
      expect(json.meta).toEqual({ profile: ['http://x'], versionId: '1', lastUpdated: v.lastUpdated });
    });

    it('records a deletion as a version without content, and reads the current marker', async () => {
      await store.write({ kind: 'put', resource: vs('d') });
      const del = await store.write({ kind: 'delete', resourceType: 'ValueSet', id: 'd' });
      expect(del).toMatchObject({ versionId: '2', deleted: true, json: undefined });
      expect((await store.readCurrent('ValueSet', 'd'))?.deleted).toBe(true);
      expect((await store.readVersion('ValueSet', 'd', '1'))?.deleted).toBe(false);
      expect(await store.allCurrent()).toEqual([]);
    });

    it('refuses a stale expected version with 412 and changes nothing', async () => {
      await store.write({ kind: 'put', resource: vs('s') });
      await store.write({ kind: 'put', resource: vs('s', { name: 'B' }) });
      const err = await store.write({ kind: 'put', resource: vs('s', { name: 'C' }), expectVersionId: '1' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(412);
      expect((err as FhirError).headers.ETag).toBe('W/"2"');
      expect(JSON.parse((await store.readCurrent('ValueSet', 's'))?.json ?? '{}').name).toBe('B');
    });

    it('expectVersionId "0" only creates', async () => {
      await store.write({ kind: 'put', resource: vs('c'), expectVersionId: '0' });
      const err = await store.write({ kind: 'put', resource: vs('c'), expectVersionId: '0' }).catch((e: unknown) => e);
      expect((err as FhirError).status).toBe(412);
    });

    it('keeps url|version unique among live resources of a type (409 duplicate), and frees it on delete', async () => {
      await store.write({ kind: 'put', resource: vs('u1', { url: 'http://example.org/same', version: '1' }) });
      const clash = await store
        .write({ kind: 'put', resource: vs('u2', { url: 'http://example.org/same', version: '1' }) })
        .catch((e: unknown) => e);
      expect((clash as FhirError).status).toBe(409);
      expect((clash as FhirError).outcome.issue?.[0]?.code).toBe('duplicate');
      expect(await store.readCurrent('ValueSet', 'u2')).toBeUndefined();
      // Another version of the same url is fine; so is the same url|version on another type.
      await store.write({ kind: 'put', resource: vs('u3', { url: 'http://example.org/same', version: '2' }) });
      await store.write({ kind: 'put', resource: { resourceType: 'CodeSystem', id: 'u4', status: 'draft', content: 'complete', url: 'http://example.org/same', version: '1' } as Resource & { id: string } });
      await store.write({ kind: 'delete', resourceType: 'ValueSet', id: 'u1' });
      await store.write({ kind: 'put', resource: vs('u2', { url: 'http://example.org/same', version: '1' }) });
    });

    it('lists history newest first with totals, by instance, type and system, with _since', async () => {
      await store.write({ kind: 'put', resource: vs('h1') });
      await store.write({ kind: 'put', resource: vs('h1', { name: 'x' }) });
      const mid = await store.write({ kind: 'put', resource: vs('h2') });
      await store.write({ kind: 'put', resource: { resourceType: 'Library', id: 'l1', status: 'draft', type: { text: 't' } } as Resource & { id: string } });
      const instance = await store.history({ resourceType: 'ValueSet', id: 'h1', offset: 0, count: 10 });
      expect(instance.total).toBe(2);
      expect(instance.entries.map((e) => e.versionId)).toEqual(['2', '1']);
      const type = await store.history({ resourceType: 'ValueSet', offset: 0, count: 10 });
      expect(type.total).toBe(3);
      const system = await store.history({ offset: 0, count: 2 });
      expect(system.total).toBe(4);
      expect(system.entries).toHaveLength(2);
      expect(system.entries[0].resourceType).toBe('Library');
      const since = await store.history({ since: mid.lastUpdated, offset: 0, count: 10 });
      expect(since.entries.map((e) => e.id)).toEqual(['l1', 'h2']);
    });

    it('records content files by hash', async () => {
      expect(await store.getSeed('content/a.json')).toBeUndefined();
      await store.putSeed({ path: 'content/a.json', hash: 'h1' });
      await store.putSeed({ path: 'content/a.json', hash: 'h2' });
      expect(await store.getSeed('content/a.json')).toEqual({ path: 'content/a.json', hash: 'h2' });
    });
  });
}
