/**
 * A full pass of the RESTful interactions on CodeSystem and PlanDefinition: create, read, vread, update
 * (with If-Match, update-as-create), delete, history at every level, conditional create, `url|version`
 * uniqueness, refusal of invalid resources, `Prefer: return=…` and conditional reads.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectBundle, expectOutcome, fhirHttp, matchIds, unique, type HttpResult } from '../helpers/http.ts';
import { canonicalQuery, templateResource, type ServedType } from '../helpers/resources.ts';
import { testStores, useTestServer } from '../helpers/server.ts';

// The same suite on every store: embedded SQLite, and PostgreSQL (DATABASE_URL) when it is available.
describe.each(testStores())('on %s', (store) => {
  const server = useTestServer({ store });
  const api = fhirHttp(() => server.base);

  type Stored = Resource & { id: string; meta: { versionId: string; lastUpdated: string }; url?: string; version?: string; description?: string };

  async function create(type: ServedType, overrides: object = {}, headers: Record<string, string> = {}): Promise<{ res: HttpResult; resource: Stored }> {
    const res = await api.post(`/${type}`, { ...templateResource(type), ...overrides }, headers);
    expect(res.status, res.text).toBe(201);
    return { res, resource: res.json<Stored>() };
  }

  async function searchTotal(path: string): Promise<number> {
    const bundle = expectBundle(await api.get(path));
    return bundle.total as number;
  }

  describe.each(['CodeSystem', 'PlanDefinition'] as const)('%s: full pass', (type) => {
    describe('create', () => {
      it('answers 201 with the stored resource, a server id, version 1, ETag, Last-Modified and a Location from the public base', async () => {
        const sent = templateResource(type);
        const res = await api.post(`/${type}`, { ...sent, id: 'client-chosen-id' });
        expect(res.status).toBe(201);
        const body = res.json<Stored>();
        expect(body.resourceType).toBe(type);
        expect(body.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
        expect(body.id).not.toBe('client-chosen-id');
        expect(body.meta.versionId).toBe('1');
        expect(body.url).toBe(sent.url);
        expect(res.headers.get('etag')).toBe('W/"1"');
        expect(res.headers.get('location')).toBe(`${server.publicBaseUrl}/${type}/${body.id}/_history/1`);
        const lastModified = res.headers.get('last-modified');
        expect(lastModified).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/); // an HTTP-date
        expect(Math.floor(Date.parse(body.meta.lastUpdated) / 1000)).toBe(Date.parse(lastModified as string) / 1000);
      });

      it('assigns the version itself: a versionId or lastUpdated in the body is not kept', async () => {
        const res = await api.post(`/${type}`, { ...templateResource(type), meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z' } });
        expect(res.status).toBe(201);
        const body = res.json<Stored>();
        expect(body.meta.versionId).toBe('1');
        expect(body.meta.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
        expect(res.headers.get('etag')).toBe('W/"1"');
      });

      it('stores what was sent: a read returns the same content', async () => {
        const sent = templateResource(type);
        const { resource } = await create(type, sent);
        const read = await api.get(`/${type}/${resource.id}`);
        expect(read.status).toBe(200);
        const { id: _id, meta: _meta, ...content } = read.json<Stored>();
        expect(content).toEqual(sent);
      });
    });

    describe('read and vread', () => {
      it('reads the current version with ETag and Last-Modified', async () => {
        const { resource } = await create(type);
        const res = await api.get(`/${type}/${resource.id}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
        expect(res.headers.get('etag')).toBe('W/"1"');
        expect(res.headers.get('last-modified')).toBe(new Date(resource.meta.lastUpdated).toUTCString());
        expect(res.json<Stored>().id).toBe(resource.id);
      });

      it('answers 404 not-found for an unknown id', async () => {
        expectOutcome(await api.get(`/${type}/${unique('missing')}`), 404, ['not-found']);
      });

      it('vreads every version, 404 for a version that does not exist, 400 for a malformed version id', async () => {
        const { resource } = await create(type, { description: 'first' });
        const update = await api.put(`/${type}/${resource.id}`, { ...resource, description: 'second' });
        expect(update.status).toBe(200);
        const v1 = await api.get(`/${type}/${resource.id}/_history/1`);
        expect(v1.status).toBe(200);
        expect(v1.json<Stored>().description).toBe('first');
        expect(v1.headers.get('etag')).toBe('W/"1"');
        const v2 = await api.get(`/${type}/${resource.id}/_history/2`);
        expect(v2.json<Stored>().description).toBe('second');
        expect(v2.json<Stored>().meta.versionId).toBe('2');
        expectOutcome(await api.get(`/${type}/${resource.id}/_history/3`), 404, ['not-found']);
        expectOutcome(await api.get(`/${type}/${resource.id}/_history/abc`), 400);
      });

      it('answers 304 to If-None-Match with the current ETag and 200 with an older one', async () => {
        const { resource } = await create(type);
        const same = await api.get(`/${type}/${resource.id}`, { 'if-none-match': 'W/"1"' });
        expect(same.status).toBe(304);
        expect(same.text).toBe('');
        expect(same.headers.get('etag')).toBe('W/"1"');
        await api.put(`/${type}/${resource.id}`, resource);
        const changed = await api.get(`/${type}/${resource.id}`, { 'if-none-match': 'W/"1"' });
        expect(changed.status).toBe(200);
        expect(changed.json<Stored>().meta.versionId).toBe('2');
      });

      it('answers 304 to If-Modified-Since at or after Last-Modified and 200 before it', async () => {
        const { resource } = await create(type);
        const lastModified = new Date(resource.meta.lastUpdated).toUTCString();
        expect((await api.get(`/${type}/${resource.id}`, { 'if-modified-since': lastModified })).status).toBe(304);
        const later = new Date(Date.parse(resource.meta.lastUpdated) + 60_000).toUTCString();
        expect((await api.get(`/${type}/${resource.id}`, { 'if-modified-since': later })).status).toBe(304);
        const earlier = new Date(Date.parse(resource.meta.lastUpdated) - 60_000).toUTCString();
        const res = await api.get(`/${type}/${resource.id}`, { 'if-modified-since': earlier });
        expect(res.status).toBe(200);
        expect(res.json<Stored>().id).toBe(resource.id);
      });
    });

    describe('update', () => {
      it('updates with a matching If-Match: 200, version 2, new ETag and Location', async () => {
        const { resource } = await create(type);
        const res = await api.put(`/${type}/${resource.id}`, { ...resource, description: 'changed' }, { 'if-match': 'W/"1"' });
        expect(res.status).toBe(200);
        expect(res.headers.get('etag')).toBe('W/"2"');
        expect(res.headers.get('location')).toBe(`${server.publicBaseUrl}/${type}/${resource.id}/_history/2`);
        expect(res.json<Stored>().description).toBe('changed');
        expect((await api.get(`/${type}/${resource.id}`)).json<Stored>().description).toBe('changed');
      });

      it('refuses a stale If-Match with 412 and the current ETag, and keeps the current version', async () => {
        const { resource } = await create(type, { description: 'v1' });
        await api.put(`/${type}/${resource.id}`, { ...resource, description: 'v2' });
        const res = await api.put(`/${type}/${resource.id}`, { ...resource, description: 'lost update' }, { 'if-match': 'W/"1"' });
        expectOutcome(res, 412);
        expect(res.headers.get('etag')).toBe('W/"2"');
        const current = await api.get(`/${type}/${resource.id}`);
        expect(current.json<Stored>().description).toBe('v2');
        expect(current.headers.get('etag')).toBe('W/"2"');
      });

      it('of ten concurrent updates with the same If-Match exactly one wins; the others get 412', async () => {
        const { resource } = await create(type);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => api.put(`/${type}/${resource.id}`, { ...resource, description: `racer ${i}` }, { 'if-match': 'W/"1"' })),
        );
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([200, ...Array.from({ length: 9 }, () => 412)]);
        const winner = results.find((r) => r.status === 200)?.json<Stored>().description;
        const current = await api.get(`/${type}/${resource.id}`);
        expect(current.headers.get('etag')).toBe('W/"2"');
        expect(current.json<Stored>().description).toBe(winner);
      });

      it.each(['abc', 'W/1', '"x"', 'W/"1'])('refuses a malformed If-Match %j with 400 and changes nothing', async (ifMatch) => {
        const { resource } = await create(type, { description: 'kept' });
        const res = await api.put(`/${type}/${resource.id}`, { ...resource, description: 'not kept' }, { 'if-match': ifMatch });
        expectOutcome(res, 400);
        const current = await api.get(`/${type}/${resource.id}`);
        expect(current.json<Stored>().description).toBe('kept');
        expect(current.headers.get('etag')).toBe('W/"1"');
      });

      it('an update with If-Match of a resource that does not exist is a 412 and creates nothing', async () => {
        const id = unique('ifmatch-missing');
        expectOutcome(await api.put(`/${type}/${id}`, { ...templateResource(type), id }, { 'if-match': 'W/"1"' }), 412);
        expectOutcome(await api.get(`/${type}/${id}`), 404);
      });

      it('creates on update of a new id: 201, version 1, Location', async () => {
        const id = unique('put-new');
        const res = await api.put(`/${type}/${id}`, { ...templateResource(type), id });
        expect(res.status).toBe(201);
        expect(res.headers.get('etag')).toBe('W/"1"');
        expect(res.headers.get('location')).toBe(`${server.publicBaseUrl}/${type}/${id}/_history/1`);
        expect((await api.get(`/${type}/${id}`)).status).toBe(200);
      });

      it('accepts a 64-character id and refuses a 65-character one', async () => {
        const id64 = `a${unique('x').replace(/[^a-z0-9-]/g, '')}`.padEnd(64, 'z');
        expect((await api.put(`/${type}/${id64}`, { ...templateResource(type), id: id64 })).status).toBe(201);
        const id65 = `${id64}z`;
        expectOutcome(await api.put(`/${type}/${id65}`, { ...templateResource(type), id: id65 }), 400);
        expectOutcome(await api.get(`/${type}/${id65}`), 400);
      });

      it('refuses a body whose id differs from the URL, or has no id, with 400', async () => {
        const { resource } = await create(type);
        expectOutcome(await api.put(`/${type}/${resource.id}`, { ...resource, id: 'another-id' }), 400);
        const { id: _id, ...withoutId } = resource;
        expectOutcome(await api.put(`/${type}/${resource.id}`, withoutId), 400);
        expect((await api.get(`/${type}/${resource.id}`)).headers.get('etag')).toBe('W/"1"');
      });
    });

    describe('delete', () => {
      it('deletes: later reads answer 410, the old version can still be read, searches no longer find it', async () => {
        const { resource } = await create(type);
        const del = await api.delete(`/${type}/${resource.id}`);
        expect([200, 204]).toContain(del.status);
        expectOutcome(await api.get(`/${type}/${resource.id}`), 410, ['deleted']);
        const v1 = await api.get(`/${type}/${resource.id}/_history/1`);
        expect(v1.status).toBe(200);
        expect(v1.json<Stored>().url).toBe(resource.url);
        expect(await searchTotal(`/${type}?${canonicalQuery(resource)}`)).toBe(0);
      });

      it('records the deletion in the instance history, newest first', async () => {
        const { resource } = await create(type);
        await api.put(`/${type}/${resource.id}`, resource);
        await api.delete(`/${type}/${resource.id}`);
        const history = expectBundle(await api.get(`/${type}/${resource.id}/_history`), 'history');
        expect(history.total).toBe(3);
        expect(history.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'POST']);
        expect(history.entry?.[0].resource).toBeUndefined();
        expect(history.entry?.map((e) => e.response?.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
      });

      it('vread of the deletion version is a 410; deleting again changes nothing', async () => {
        const { resource } = await create(type);
        await api.delete(`/${type}/${resource.id}`);
        expectOutcome(await api.get(`/${type}/${resource.id}/_history/2`), 410, ['deleted']);
        const again = await api.delete(`/${type}/${resource.id}`);
        expect([200, 204, 404, 410]).toContain(again.status);
        expect(expectBundle(await api.get(`/${type}/${resource.id}/_history`), 'history').total).toBe(2);
      });

      it('a delete with a stale If-Match is a 412 and the resource stays', async () => {
        const { resource } = await create(type);
        await api.put(`/${type}/${resource.id}`, resource);
        const res = await api.delete(`/${type}/${resource.id}`, { 'if-match': 'W/"1"' });
        expectOutcome(res, 412);
        expect(res.headers.get('etag')).toBe('W/"2"');
        expect((await api.get(`/${type}/${resource.id}`)).status).toBe(200);
      });

      it('lets a deleted url|version be used again', async () => {
        const { resource } = await create(type);
        await api.delete(`/${type}/${resource.id}`);
        const { id: _id, meta: _meta, ...content } = resource;
        const again = await api.post(`/${type}`, content);
        expect(again.status).toBe(201);
      });
    });

    describe('history', () => {
      it('instance history lists every version newest first with request and response', async () => {
        const { resource } = await create(type, { description: 'h1' });
        await api.put(`/${type}/${resource.id}`, { ...resource, description: 'h2' });
        const history = expectBundle(await api.get(`/${type}/${resource.id}/_history`), 'history');
        expect(history.total).toBe(2);
        const entries = history.entry ?? [];
        expect(entries.map((e) => (e.resource as Stored).description)).toEqual(['h2', 'h1']);
        expect(entries.map((e) => e.request?.method)).toEqual(['PUT', 'POST']);
        expect(entries.every((e) => e.fullUrl === `${server.publicBaseUrl}/${type}/${resource.id}`)).toBe(true);
      });

      it('instance history of an unknown id is a 404', async () => {
        expectOutcome(await api.get(`/${type}/${unique('nohistory')}/_history`), 404, ['not-found']);
      });

      it('type history includes new versions of this type only; system history includes them too', async () => {
        const { resource } = await create(type);
        const typeHistory = expectBundle(await api.get(`/${type}/_history?_count=50`), 'history');
        expect(typeHistory.entry?.some((e) => e.resource?.id === resource.id)).toBe(true);
        expect(typeHistory.entry?.every((e) => e.resource === undefined || e.resource.resourceType === type)).toBe(true);
        const systemHistory = expectBundle(await api.get('/_history?_count=50'), 'history');
        expect(systemHistory.entry?.some((e) => e.resource?.id === resource.id)).toBe(true);
      });

      it('_since keeps only versions at or after the instant; a malformed _since is a 400', async () => {
        const { resource } = await create(type, { description: 'before' });
        const update = await api.put(`/${type}/${resource.id}`, { ...resource, description: 'after' });
        const since = update.json<Stored>().meta.lastUpdated;
        const history = expectBundle(await api.get(`/${type}/${resource.id}/_history?_since=${encodeURIComponent(since)}`), 'history');
        expect(history.entry?.map((e) => (e.resource as Stored).description)).toEqual(['after']);
        expectOutcome(await api.get(`/${type}/_history?_since=yesterday`), 400);
      });

      it('pages history with _count and next links', async () => {
        const { resource } = await create(type, { description: 'p1' });
        for (const d of ['p2', 'p3']) await api.put(`/${type}/${resource.id}`, { ...resource, description: d });
        const first = expectBundle(await api.get(`/${type}/${resource.id}/_history?_count=2`), 'history');
        expect(first.total).toBe(3);
        expect(first.entry).toHaveLength(2);
        const next = first.link?.find((l) => l.relation === 'next')?.url as string;
        expect(next.startsWith(`${server.publicBaseUrl}/${type}/${resource.id}/_history?`)).toBe(true);
        const second = expectBundle(await api.get(next.slice(server.publicBaseUrl.length)), 'history');
        expect(second.entry?.map((e) => (e.resource as Stored).description)).toEqual(['p1']);
      });
    });

    describe('conditional create (If-None-Exist)', () => {
      it('creates when nothing matches (201)', async () => {
        const resource = templateResource(type);
        const res = await api.post(`/${type}`, resource, { 'if-none-exist': canonicalQuery(resource) });
        expect(res.status).toBe(201);
        expect(await searchTotal(`/${type}?${canonicalQuery(resource)}`)).toBe(1);
      });

      it('returns the existing resource without writing when exactly one matches (200)', async () => {
        const { resource } = await create(type);
        const res = await api.post(`/${type}`, { ...resource, description: 'should not be stored' }, { 'if-none-exist': `url=${resource.url}` });
        expect(res.status).toBe(200);
        expect(res.json<Stored>().id).toBe(resource.id);
        expect(await searchTotal(`/${type}?url=${encodeURIComponent(resource.url as string)}`)).toBe(1);
        const current = await api.get(`/${type}/${resource.id}`);
        expect(current.headers.get('etag')).toBe('W/"1"');
        expect(current.json<Stored>().description).toBe(resource.description);
      });

      it('refuses with 412 when several match, and creates nothing', async () => {
        const { resource: a } = await create(type, { version: '1.0.0' });
        await create(type, { url: a.url, version: '2.0.0' });
        const res = await api.post(`/${type}`, { ...templateResource(type), url: a.url, version: '3.0.0' }, { 'if-none-exist': `url=${a.url}` });
        expectOutcome(res, 412);
        expect(await searchTotal(`/${type}?url=${encodeURIComponent(a.url as string)}`)).toBe(2);
      });

      it('refuses a condition with an unknown parameter (400) or without parameters (400), and creates nothing', async () => {
        const resource = templateResource(type);
        expectOutcome(await api.post(`/${type}`, resource, { 'if-none-exist': 'no-such-param=1' }), 400);
        expectOutcome(await api.post(`/${type}`, resource, { 'if-none-exist': '' }), 400);
        expect(await searchTotal(`/${type}?${canonicalQuery(resource)}`)).toBe(0);
      });

      it('accepts the condition with a leading "Type?" as clients send it', async () => {
        const { resource } = await create(type);
        const res = await api.post(`/${type}`, resource, { 'if-none-exist': `${type}?url=${encodeURIComponent(resource.url as string)}` });
        expect(res.status).toBe(200);
        expect(res.json<Stored>().id).toBe(resource.id);
      });
    });

    describe('url|version uniqueness', () => {
      it('refuses a create with the url|version of a live resource: 409, nothing stored', async () => {
        const { resource } = await create(type);
        const res = await api.post(`/${type}`, { ...templateResource(type), url: resource.url, version: resource.version, description: 'duplicate' });
        expectOutcome(res, 409, ['duplicate', 'conflict']);
        const bundle = expectBundle(await api.get(`/${type}?url=${encodeURIComponent(resource.url as string)}`));
        expect(matchIds(bundle)).toEqual([`${type}/${resource.id}`]);
      });

      it('refuses an update that would make a url|version clash: 409, the resource keeps its version', async () => {
        const { resource: a } = await create(type);
        const { resource: b } = await create(type);
        const res = await api.put(`/${type}/${b.id}`, { ...b, url: a.url, version: a.version });
        expectOutcome(res, 409, ['duplicate', 'conflict']);
        const current = await api.get(`/${type}/${b.id}`);
        expect(current.headers.get('etag')).toBe('W/"1"');
        expect(current.json<Stored>().url).toBe(b.url);
      });

      it('of ten concurrent creates with one url|version exactly one is stored; the others get 409', async () => {
        const resource = templateResource(type);
        const results = await Promise.all(Array.from({ length: 10 }, () => api.post(`/${type}`, resource)));
        expect(results.map((r) => r.status).sort()).toEqual([201, ...Array.from({ length: 9 }, () => 409)]);
        expect(await searchTotal(`/${type}?url=${encodeURIComponent(resource.url as string)}`)).toBe(1);
      });

      it('accepts the same url with another version', async () => {
        const { resource } = await create(type, { version: '1.0.0' });
        const res = await api.post(`/${type}`, { ...templateResource(type), url: resource.url, version: '1.1.0' });
        expect(res.status).toBe(201);
      });
    });

    describe('invalid resources', () => {
      const invalid: readonly [string, Record<string, unknown>][] = [
        ['a status outside its required value set', { status: 'bogus' }],
        ['a missing required element', { status: undefined }],
        ['an unknown element', { notAnElement: true }],
        ['a number where a string belongs', { name: 42 }],
        ['a null value', { publisher: null }],
        ['an empty string', { publisher: '' }],
      ];

      it.each(invalid)('refuses %s with 400/422 and an OperationOutcome, and stores nothing', async (_label, change) => {
        const resource = { ...templateResource(type), ...change };
        const before = expectBundle(await api.get(`/${type}/_history?_count=0`), 'history').total as number;
        const res = await api.post(`/${type}`, resource);
        const outcome = expectOutcome(res, res.status === 422 ? 422 : 400);
        expect(outcome.issue?.some((i) => i.severity === 'error' || i.severity === 'fatal')).toBe(true);
        expect(await searchTotal(`/${type}?url=${encodeURIComponent(resource.url as string)}`)).toBe(0);
        expect(expectBundle(await api.get(`/${type}/_history?_count=0`), 'history').total).toBe(before);
      });

      it('refuses an invalid update with 400/422 and keeps the current version', async () => {
        const { resource } = await create(type);
        const res = await api.put(`/${type}/${resource.id}`, { ...resource, status: 'bogus' });
        expectOutcome(res, res.status === 422 ? 422 : 400);
        const current = await api.get(`/${type}/${resource.id}`);
        expect(current.headers.get('etag')).toBe('W/"1"');
        expect(current.json<Stored & { status?: string }>().status).not.toBe('bogus');
      });
    });

    describe('Prefer: return', () => {
      it('return=minimal: no body, but status, ETag and Location', async () => {
        const res = await api.post(`/${type}`, templateResource(type), { prefer: 'return=minimal' });
        expect(res.status).toBe(201);
        expect(res.text).toBe('');
        expect(res.headers.get('etag')).toBe('W/"1"');
        const location = res.headers.get('location') as string;
        expect(location.startsWith(`${server.publicBaseUrl}/${type}/`)).toBe(true);
        expect((await api.get(location.slice(server.publicBaseUrl.length))).status).toBe(200);
      });

      it('return=representation: the stored resource', async () => {
        const res = await api.post(`/${type}`, templateResource(type), { prefer: 'return=representation' });
        expect(res.status).toBe(201);
        expect(res.json<Stored>().meta.versionId).toBe('1');
      });

      it('return=OperationOutcome: an OperationOutcome about the write', async () => {
        const { resource } = await create(type);
        const res = await api.put(`/${type}/${resource.id}`, resource, { prefer: 'return=OperationOutcome' });
        expect(res.status).toBe(200);
        expect(res.headers.get('etag')).toBe('W/"2"');
        const outcome = res.json<OperationOutcome>();
        expect(outcome.resourceType).toBe('OperationOutcome');
        expect(outcome.issue?.[0].severity).toBe('information');
      });
    });
  });

  describe('resource type checks on writes', () => {
    it('refuses a body of another type than the URL (400) and stores nothing', async () => {
      const vs = templateResource('ValueSet');
      expectOutcome(await api.post('/CodeSystem', vs), 400);
      expect(await searchTotal(`/ValueSet?url=${encodeURIComponent(vs.url as string)}`)).toBe(0);
    });

    it('refuses a body without resourceType (400)', async () => {
      const { resourceType: _rt, ...noType } = templateResource('CodeSystem');
      expectOutcome(await api.post('/CodeSystem', noType), 400);
    });

    it('answers 404 for a type the server does not serve', async () => {
      expectOutcome(await api.post('/Patient', { resourceType: 'Patient' }), 404, ['not-found']);
      expectOutcome(await api.get('/Patient/example'), 404, ['not-found']);
    });

    it('keeps the version sequence per resource across types', async () => {
      const cs = await create('CodeSystem');
      const pd = await create('PlanDefinition');
      const bundle: Bundle = expectBundle(await api.get(`/_history?_count=5`), 'history');
      const ids = bundle.entry?.map((e) => e.resource?.id);
      expect(ids?.indexOf(pd.resource.id)).toBeLessThan(ids?.indexOf(cs.resource.id) as number);
    });
  });
});
