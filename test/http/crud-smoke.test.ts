/**
 * Every served resource type, once through the whole life cycle: create, read, vread, search (GET, POST
 * `_search`, system level), update, history (instance, type, system), delete, 410, vread after delete.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { contentResources } from '../helpers/fixtures.ts';
import { expectBundle, expectOutcome, fhirHttp, matchIds } from '../helpers/http.ts';
import { canonicalQuery, SERVED_TYPES, templateResource } from '../helpers/resources.ts';
import { testStores, useTestServer } from '../helpers/server.ts';

// The same suite on every store: embedded SQLite, and PostgreSQL (DATABASE_URL) when it is available.
describe.each(testStores())('on %s', (store) => {
  const server = useTestServer({ store });
  const api = fhirHttp(() => server.base);

  type Stored = Resource & { id: string; meta: { versionId: string }; description?: string };

  describe.each(SERVED_TYPES)('%s life cycle', (type) => {
    it('create → read → vread → search → update → history → delete → 410', async () => {
      const sent = templateResource(type);
      const created = await api.post(`/${type}`, { ...sent, description: 'first' });
      expect(created.status, created.text).toBe(201);
      const { id } = created.json<Stored>();

      const read = await api.get(`/${type}/${id}`);
      expect(read.status).toBe(200);
      expect(read.json<Stored>().description).toBe('first');

      expect((await api.get(`/${type}/${id}/_history/1`)).json<Stored>().meta.versionId).toBe('1');

      const query = canonicalQuery(sent);
      expect(matchIds(expectBundle(await api.get(`/${type}?${query}`)))).toEqual([`${type}/${id}`]);
      const posted = await api.request('POST', `/${type}/_search`, {
        body: query,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        auth: false,
      });
      expect(matchIds(expectBundle(posted))).toEqual([`${type}/${id}`]);
      expect(matchIds(expectBundle(await api.get(`/?_type=${type}&${query}`)))).toEqual([`${type}/${id}`]);

      const updated = await api.put(`/${type}/${id}`, { ...read.json<Stored>(), description: 'second' });
      expect(updated.status).toBe(200);
      expect(updated.headers.get('etag')).toBe('W/"2"');

      const instance = expectBundle(await api.get(`/${type}/${id}/_history`), 'history');
      expect(instance.entry?.map((e) => (e.resource as Stored).description)).toEqual(['second', 'first']);
      const typeLevel = expectBundle(await api.get(`/${type}/_history?_count=1000`), 'history');
      expect(typeLevel.entry?.filter((e) => e.resource?.id === id)).toHaveLength(2);
      const systemLevel = expectBundle(await api.get(`/_history?_count=1000`), 'history');
      expect(systemLevel.entry?.filter((e) => e.resource?.id === id && e.resource.resourceType === type)).toHaveLength(2);

      const deleted = await api.delete(`/${type}/${id}`);
      expect([200, 204]).toContain(deleted.status);
      expectOutcome(await api.get(`/${type}/${id}`), 410, ['deleted']);
      expect((await api.get(`/${type}/${id}/_history/2`)).json<Stored>().description).toBe('second');
      expect(expectBundle(await api.get(`/${type}?${query}`)).total).toBe(0);
    });

    it('finds the resource by _id at type and system level', async () => {
      const created = await api.post(`/${type}`, templateResource(type));
      const { id } = created.json<Stored>();
      expect((await api.post(`/${type}`, templateResource(type))).status).toBe(201);
      expect(matchIds(expectBundle(await api.get(`/${type}?_id=${id}`)))).toEqual([`${type}/${id}`]);
      expect(matchIds(expectBundle(await api.get(`/?_type=${type}&_id=${id}`)))).toEqual([`${type}/${id}`]);
    });

    it('serves every project content file of this type by read, unchanged, and by search', async () => {
      const files = contentResources().filter((r) => r.resourceType === type);
      const bundle = expectBundle(await api.get(`/${type}?_count=1000`));
      const ids = matchIds(bundle);
      for (const file of files) {
        const res = await api.get(`/${type}/${file.id}`);
        expect(res.status).toBe(200);
        const { meta: storedMeta, ...stored } = res.json<Stored>();
        const { meta: fileMeta, ...content } = file;
        expect(stored).toEqual(content);
        expect(storedMeta.versionId).toBe('1');
        expect({ ...storedMeta, versionId: undefined, lastUpdated: undefined }).toEqual({ ...fileMeta, versionId: undefined, lastUpdated: undefined });
        expect(ids).toContain(`${type}/${file.id}`);
      }
    });
  });
});
