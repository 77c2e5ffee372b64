/**
 * What a search returns: paging (`_count`, `_offset`, links from the configured public base URL, walking
 * `next` to the end), `_sort`, `_summary`, `_elements`, `_total`, `_include` / `_revinclude` and
 * `Prefer: handling`. The server runs with PUBLIC_BASE_URL set to another origin than the one it is
 * reached on, so links that leak the Host header are caught.
 *
 * @see https://hl7.org/fhir/R4/search.html
 * @see https://hl7.org/fhir/R4/http.html#paging
 */
import { request as httpRequest } from 'node:http';
import type { Bundle, CodeSystem, Coding, Library, PlanDefinition, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionDefinitions, contentResources, FIXTURE_BASE, readFixtures } from '../helpers/fixtures.ts';
import { expectBundle, expectOutcome, fhirHttp, link, matches, matchIds } from '../helpers/http.ts';
import { testStores, useTestServer } from '../helpers/server.ts';

const PUBLIC_BASE = 'https://fhir.public.example/base/fhir';
const BULK = 1005;
const B = FIXTURE_BASE;
const SUBSETTED = 'SUBSETTED';

const content = contentResources();
const fixtures = readFixtures('search-');

function bulkLibrary(i: number): Library & { id: string } {
  const n = String(i).padStart(4, '0');
  return {
    resourceType: 'Library',
    id: `bulk-${n}`,
    url: `${B}/Library/bulk-${n}`,
    name: `Bulk${n}`,
    status: 'active',
    date: `${2000 + (i % 10)}-01-01`,
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/library-type', code: 'asset-collection' }] },
  };
}

// The same suite on every store: embedded SQLite, and PostgreSQL (DATABASE_URL) when it is available.
describe.each(testStores())('on %s', (store) => {
  const server = useTestServer({ store, env: { PUBLIC_BASE_URL: PUBLIC_BASE } });
  const api = fhirHttp(() => server.base);

  beforeAll(async () => {
    for (const fixture of fixtures) {
      const res = await api.put(`/${fixture.resourceType}/${fixture.id}`, fixture);
      if (res.status !== 201) throw new Error(`fixture ${fixture.id}: ${res.status} ${res.text}`);
    }
    for (let start = 0; start < BULK; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, BULK - start) }, async (_, k) => {
          const lib = bulkLibrary(start + k);
          const res = await api.put(`/Library/${lib.id}`, lib);
          if (res.status !== 201) throw new Error(`bulk ${lib.id}: ${res.status} ${res.text}`);
        }),
      );
    }
  });

  /** Turns a link from the public base into a path on the test server. */
  function local(url: string): string {
    expect(url.startsWith(`${PUBLIC_BASE}/`) || url.startsWith(`${PUBLIC_BASE}?`)).toBe(true);
    return url.slice(PUBLIC_BASE.length);
  }

  /** Follows `next` from `path` to the end; returns every match and the pages. */
  async function walk(path: string): Promise<{ ids: string[]; pages: Bundle[] }> {
    const ids: string[] = [];
    const pages: Bundle[] = [];
    let next: string | undefined = path;
    while (next !== undefined) {
      const page = expectBundle(await api.get(next));
      pages.push(page);
      ids.push(...matchIds(page));
      const url = link(page, 'next');
      next = url === undefined ? undefined : local(url);
      expect(pages.length).toBeLessThan(2000);
    }
    return { ids, pages };
  }

  function hasSubsettedTag(resource: Resource | undefined): boolean {
    return (resource?.meta?.tag ?? []).some((t: Coding) => t.code === SUBSETTED);
  }

  describe('_count and paging links', () => {
    it('pages by 20 by default, with first/next/last links from the public base URL', async () => {
      const bundle = expectBundle(await api.get('/Library?name=Bulk'));
      expect(bundle.total).toBe(BULK);
      expect(matches(bundle)).toHaveLength(20);
      for (const l of bundle.link ?? []) expect(l.url.startsWith(PUBLIC_BASE)).toBe(true);
      const next = new URL(link(bundle, 'next') as string);
      expect(next.origin + next.pathname).toBe(`${PUBLIC_BASE}/Library`);
      expect(next.searchParams.get('name')).toBe('Bulk');
      expect(next.searchParams.get('_count')).toBe('20');
      expect(next.searchParams.get('_offset')).toBe('20');
      expect(link(bundle, 'self')).toBe(`${PUBLIC_BASE}/Library?name=Bulk`);
      expect(link(bundle, 'previous')).toBeUndefined();
    });

    it('caps _count at 1000 and still offers a next link to the rest', async () => {
      const bundle = expectBundle(await api.get('/Library?name=Bulk&_count=1000000'));
      expect(matches(bundle)).toHaveLength(1000);
      const next = new URL(link(bundle, 'next') as string);
      expect(next.searchParams.get('_count')).toBe('1000');
      expect(next.searchParams.get('_offset')).toBe('1000');
      const rest = expectBundle(await api.get(local(next.toString())));
      expect(matches(rest)).toHaveLength(BULK - 1000);
      expect(link(rest, 'next')).toBeUndefined();
      const previous = new URL(link(rest, 'previous') as string);
      expect(`${previous.origin}${previous.pathname}`).toBe(`${PUBLIC_BASE}/Library`);
      expect(previous.searchParams.get('_offset') ?? '0').toBe('0');
    });

    it('_count=0 gives the total without entries', async () => {
      const bundle = expectBundle(await api.get('/Library?name=Bulk&_count=0'));
      expect(bundle.total).toBe(BULK);
      expect(bundle.entry ?? []).toHaveLength(0);
    });

    it.each(['-1', 'abc', '1.5', '1e3', '', '%20', '0x10'])('refuses _count=%j with 400', async (value) => {
      const outcome = expectOutcome(await api.get(`/Library?_count=${value}`), 400);
      expect(JSON.stringify(outcome)).toContain('_count');
    });

    it('refuses a repeated _count with 400', async () => {
      expectOutcome(await api.get('/Library?_count=1&_count=2'), 400);
    });

    it('_offset skips matches; a negative or non-numeric _offset is a 400', async () => {
      const all = matchIds(expectBundle(await api.get('/Library?name=Bulk&_sort=name&_count=30')));
      const offset = matchIds(expectBundle(await api.get('/Library?name=Bulk&_sort=name&_count=10&_offset=5')));
      expect(offset).toEqual(all.slice(5, 15));
      expectOutcome(await api.get('/Library?_offset=-1'), 400);
      expectOutcome(await api.get('/Library?_offset=abc'), 400);
    });

    it('an _offset past the end gives an empty page with the right total', async () => {
      const bundle = expectBundle(await api.get(`/Library?name=Bulk&_offset=${BULK + 10}`));
      expect(bundle.total).toBe(BULK);
      expect(bundle.entry ?? []).toHaveLength(0);
    });

    it('walking next from the first page yields every match exactly once, in order', async () => {
      const expected = [
        ...content.filter((r) => r.resourceType === 'ActivityDefinition').map((r) => `ActivityDefinition/${r.id}`),
        ...fixtures.filter((r) => r.resourceType === 'ActivityDefinition').map((r) => `ActivityDefinition/${r.id}`),
      ];
      const { ids, pages } = await walk('/ActivityDefinition?_count=7');
      expect(ids).toHaveLength(expected.length);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...expected].sort());
      expect(pages).toHaveLength(Math.ceil(expected.length / 7));
      const last = link(pages[0], 'last') as string;
      expect(new URL(last).searchParams.get('_offset')).toBe(String((pages.length - 1) * 7));
    });

    it('walking next over 1005 resources by 100 keeps the search parameters and the sort', async () => {
      const { ids, pages } = await walk('/Library?name=Bulk&_sort=-name&_count=100');
      expect(pages).toHaveLength(11);
      expect(ids).toHaveLength(BULK);
      expect(new Set(ids).size).toBe(BULK);
      const expected = Array.from({ length: BULK }, (_, i) => `Library/${bulkLibrary(BULK - 1 - i).id}`);
      expect(ids).toEqual(expected);
    });

    it('system-level search pages with links to the base', async () => {
      const bundle = expectBundle(await api.get('/?_type=Library&name=Bulk&_count=3'));
      expect(matches(bundle)).toHaveLength(3);
      const next = new URL(link(bundle, 'next') as string);
      expect(`${next.origin}${next.pathname}`.replace(/\/$/, '')).toBe(PUBLIC_BASE);
      const { ids } = await walk('/?_type=Library&name=Bulk&_count=250');
      expect(new Set(ids).size).toBe(BULK);
    });

    it('links never come from the Host header', async () => {
      const { hostname: host, port } = new URL(server.base);
      const text = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          { host, port, path: '/fhir/Library?name=Bulk&_count=2', headers: { host: 'evil.example:666', 'x-forwarded-host': 'evil.example', accept: 'application/fhir+json' } },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end();
      });
      const bundle = JSON.parse(text) as Bundle;
      expect(text).not.toContain('evil.example');
      expect((bundle.link ?? []).every((l) => l.url.startsWith(PUBLIC_BASE))).toBe(true);
      expect((bundle.entry ?? []).every((e) => e.fullUrl?.startsWith(`${PUBLIC_BASE}/Library/`))).toBe(true);
    });
  });

  describe('_sort', () => {
    it('sorts ascending and descending', async () => {
      const asc = matchIds(expectBundle(await api.get('/Library?name=Bulk&_sort=name&_count=3')));
      expect(asc).toEqual(['Library/bulk-0000', 'Library/bulk-0001', 'Library/bulk-0002']);
      const desc = matchIds(expectBundle(await api.get('/Library?name=Bulk&_sort=-name&_count=3')));
      expect(desc).toEqual(['Library/bulk-1004', 'Library/bulk-1003', 'Library/bulk-1002']);
    });

    it('sorts by several keys', async () => {
      const ids = matchIds(expectBundle(await api.get('/Library?name=Bulk&_sort=-date,name&_count=3')));
      expect(ids).toEqual(['Library/bulk-0009', 'Library/bulk-0019', 'Library/bulk-0029']);
      const dates = matchIds(expectBundle(await api.get('/Library?name=Bulk&_sort=date,-name&_count=2')));
      expect(dates).toEqual(['Library/bulk-1000', 'Library/bulk-0990']);
    });

    it('sorts by date across resources', async () => {
      const bundle = expectBundle(await api.get(`/CodeSystem?url:below=${B}&_sort=date`));
      expect(matchIds(bundle)).toEqual(['CodeSystem/http-search-abcd', 'CodeSystem/http-search-abc', 'CodeSystem/http-search-abc-v2']);
      const desc = expectBundle(await api.get(`/CodeSystem?url:below=${B}&_sort=-date`));
      expect(matchIds(desc)).toEqual(['CodeSystem/http-search-abc-v2', 'CodeSystem/http-search-abc', 'CodeSystem/http-search-abcd']);
    });

    it('refuses an unknown sort key with 400', async () => {
      expectOutcome(await api.get('/Library?_sort=nonsense'), 400);
    });
  });

  describe('_summary', () => {
    const abc = `/CodeSystem?url=${B}/CodeSystem/abc&version=1.0.0`;
    const original = fixtures.find((f) => f.id === 'http-search-abc') as CodeSystem & { id: string };

    it('true: summary elements only, tagged SUBSETTED', async () => {
      const [entry] = matches(expectBundle(await api.get(`${abc}&_summary=true`)));
      const cs = entry.resource as CodeSystem;
      expect(hasSubsettedTag(cs)).toBe(true);
      expect(cs.url).toBe(original.url);
      expect(cs.name).toBe(original.name);
      expect(cs.status).toBe('active');
      expect(cs.concept).toBeUndefined();
      expect(cs.text).toBeUndefined();
    });

    it('text: the narrative, id, meta and mandatory elements', async () => {
      const [entry] = matches(expectBundle(await api.get(`${abc}&_summary=text`)));
      const cs = entry.resource as CodeSystem;
      expect(hasSubsettedTag(cs)).toBe(true);
      expect(cs.text?.div).toBe(original.text?.div);
      expect(cs.status).toBe('active');
      expect(cs.concept).toBeUndefined();
      expect(cs.description).toBeUndefined();
    });

    it('data: everything but the narrative', async () => {
      const [entry] = matches(expectBundle(await api.get(`${abc}&_summary=data`)));
      const cs = entry.resource as CodeSystem;
      expect(hasSubsettedTag(cs)).toBe(true);
      expect(cs.text).toBeUndefined();
      expect(cs.concept).toEqual(original.concept);
    });

    it('count: the total only', async () => {
      const bundle = expectBundle(await api.get('/Library?name=Bulk&_summary=count'));
      expect(bundle.total).toBe(BULK);
      expect(matches(bundle)).toHaveLength(0);
    });

    it('false: the full resource, untagged', async () => {
      const [entry] = matches(expectBundle(await api.get(`${abc}&_summary=false`)));
      const cs = entry.resource as CodeSystem;
      expect(hasSubsettedTag(cs)).toBe(false);
      expect(cs.concept).toEqual(original.concept);
      expect(cs.text?.div).toBe(original.text?.div);
    });

    it('applies to read too', async () => {
      const res = await api.get('/CodeSystem/http-search-abc?_summary=true');
      expect(res.status).toBe(200);
      expect(hasSubsettedTag(res.json())).toBe(true);
      expect(res.json<CodeSystem>().concept).toBeUndefined();
    });

    it.each(['bogus', 'TRUE', '1', ''])('refuses _summary=%j with 400', async (value) => {
      expectOutcome(await api.get(`/CodeSystem?_summary=${value}`), 400);
    });
  });

  describe('_elements', () => {
    it('returns the listed elements (and id, meta), tagged SUBSETTED', async () => {
      const bundle = expectBundle(await api.get(`/CodeSystem?url=${B}/CodeSystem/abc&_elements=name,version`));
      expect(matches(bundle)).toHaveLength(2);
      for (const entry of matches(bundle)) {
        const cs = entry.resource as CodeSystem;
        expect(hasSubsettedTag(cs)).toBe(true);
        expect(cs.name).toBe('HttpAlphaCodes');
        expect(cs.version).toMatch(/^[12]\.0\.0$/);
        expect(cs.id).toMatch(/^http-search-abc/);
        expect(cs.concept).toBeUndefined();
        expect(cs.description).toBeUndefined();
        expect(cs.text).toBeUndefined();
      }
    });

    it('applies to read too', async () => {
      const res = await api.get('/PlanDefinition/http-search-protocol?_elements=title');
      expect(res.status).toBe(200);
      const pd = res.json<PlanDefinition>();
      expect(pd.title).toBe('HTTP test protocol');
      expect(pd.action).toBeUndefined();
      expect(hasSubsettedTag(pd)).toBe(true);
    });

    it.each(['1nvalid', 'name;drop', 'name,<script>'])('refuses _elements=%j with 400', async (value) => {
      expectOutcome(await api.get(`/CodeSystem?_elements=${encodeURIComponent(value)}`), 400);
    });
  });

  describe('_total', () => {
    it('none leaves the total out; accurate and estimate give it', async () => {
      expect(expectBundle(await api.get('/Library?name=Bulk&_total=none')).total).toBeUndefined();
      expect(expectBundle(await api.get('/Library?name=Bulk&_total=accurate')).total).toBe(BULK);
      const estimate = expectBundle(await api.get('/Library?name=Bulk&_total=estimate')).total;
      expect(estimate === undefined || estimate === BULK).toBe(true);
    });

    it('paging still works without a total', async () => {
      const bundle = expectBundle(await api.get('/Library?name=Bulk&_total=none&_count=1000'));
      expect(new URL(link(bundle, 'next') as string).searchParams.get('_offset')).toBe('1000');
    });

    it('refuses an unknown _total with 400', async () => {
      expectOutcome(await api.get('/Library?_total=bogus'), 400);
    });
  });

  describe('_include and _revinclude', () => {
    const protocol = content.find((r) => r.resourceType === 'PlanDefinition' && r.id === 'liver-tumor-cryoablation') as PlanDefinition & { id: string };
    const byUrl = new Map(content.map((r) => [(r as { url?: string }).url, `${r.resourceType}/${r.id}`]));

    it('_include=PlanDefinition:definition returns every ActivityDefinition of the protocol, nested steps too', async () => {
      const expected = [...new Set(actionDefinitions(protocol.action).map((url) => byUrl.get(url)))];
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.every((id) => id?.startsWith('ActivityDefinition/'))).toBe(true);
      const bundle = expectBundle(await api.get(`/PlanDefinition?url=${protocol.url}&_include=PlanDefinition:definition`));
      expect(matchIds(bundle)).toEqual([`PlanDefinition/${protocol.id}`]);
      expect(bundle.total).toBe(1);
      const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
      expect(included.sort()).toEqual([...expected].sort());
    });

    it('_include with a target type, and on the fixture protocol (a nested step)', async () => {
      const bundle = expectBundle(await api.get(`/PlanDefinition?url=${B}/PlanDefinition/protocol&_include=PlanDefinition:definition:ActivityDefinition`));
      const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource?.id);
      expect(included.sort()).toEqual(['http-search-step-one', 'http-search-step-two']);
    });

    it('_include:iterate follows references of included resources, also under handling=strict', async () => {
      for (const prefer of ['handling=lenient', 'handling=strict']) {
        const res = await api.get(`/PlanDefinition?url=${B}/PlanDefinition/protocol&_include=PlanDefinition:composed-of&_include:iterate=ActivityDefinition:successor`, {
          prefer,
        });
        const bundle = expectBundle(res);
        const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource?.id);
        expect(included.sort(), prefer).toEqual(['http-search-step-one', 'http-search-step-two']);
        expect((bundle.entry ?? []).filter((e) => e.search?.mode === 'outcome'), prefer).toHaveLength(0);
      }
    });

    it('_revinclude=PlanDefinition:definition returns the protocols that use an ActivityDefinition', async () => {
      const fasting = content.find((r) => r.resourceType === 'ActivityDefinition' && r.id === 'fasting-instruction') as { url: string };
      const expected = content
        .filter((r) => r.resourceType === 'PlanDefinition' && actionDefinitions((r as PlanDefinition).action).includes(fasting.url))
        .map((r) => `PlanDefinition/${r.id}`);
      expect(expected.length).toBeGreaterThan(0);
      const bundle = expectBundle(await api.get(`/ActivityDefinition?url=${fasting.url}&_revinclude=PlanDefinition:definition`));
      expect(matchIds(bundle)).toEqual(['ActivityDefinition/fasting-instruction']);
      const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
      expect(included.sort()).toEqual(expected.sort());
    });

    it('_revinclude finds nested uses in the fixtures', async () => {
      const bundle = expectBundle(await api.get(`/ActivityDefinition?url=${B}/ActivityDefinition/step-two&_revinclude=PlanDefinition:definition`));
      const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource?.id);
      expect(included.sort()).toEqual(['http-search-protocol', 'http-search-protocol-base']);
    });

    it('refuses an _include of an unknown parameter or from another type with 400', async () => {
      expectOutcome(await api.get('/PlanDefinition?_include=PlanDefinition:nonsense'), 400);
      expectOutcome(await api.get('/PlanDefinition?_include=PlanDefinition:status'), 400);
      expectOutcome(await api.get('/CodeSystem?_include=PlanDefinition:definition'), 400);
    });
  });

  describe('Prefer: handling', () => {
    it('strict: an unknown parameter is a 400 naming it', async () => {
      const outcome = expectOutcome(await api.get('/CodeSystem?nonsense=1', { prefer: 'handling=strict' }), 400);
      expect(JSON.stringify(outcome)).toContain('nonsense');
    });

    it('strict: known parameters still work', async () => {
      const bundle = expectBundle(await api.get(`/CodeSystem?url=${B}/CodeSystem/abc&_count=5&_sort=name`, { prefer: 'handling=strict' }));
      expect(bundle.total).toBe(2);
    });

    it.each([['lenient', { prefer: 'handling=lenient' }], ['default', {}]] as const)(
      '%s: an unknown parameter is ignored, with a warning in an outcome entry',
      async (_label, headers) => {
        const plain = expectBundle(await api.get(`/CodeSystem?url=${B}/CodeSystem/abc`));
        const bundle = expectBundle(await api.get(`/CodeSystem?url=${B}/CodeSystem/abc&nonsense=1`, headers));
        expect(bundle.total).toBe(plain.total);
        expect(matchIds(bundle).sort()).toEqual(matchIds(plain).sort());
        const outcomes = (bundle.entry ?? []).filter((e) => e.search?.mode === 'outcome');
        expect(outcomes).toHaveLength(1);
        expect(outcomes[0].resource?.resourceType).toBe('OperationOutcome');
        expect(JSON.stringify(outcomes[0].resource)).toContain('nonsense');
      },
    );
  });
});
