/**
 * Hardening of the REST surface (issue 12): wrong answers that used to be accepted or silently reinterpreted
 * — negative or out-of-range paging, untyped POST parameters, parameters with two values, instance calls
 * naming another url, duplicate bundle fullUrls, ignored parameters in self links, unchecked `_summary` on
 * /metadata, unserved fhirVersions, duplicate JSON keys, echoed values — each answered rightly on a real
 * socket.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://hl7.org/fhir/R4/operations.html
 */
import type { Bundle, CapabilityStatement, OperationOutcome, Parameters, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectBundle, expectOutcome, fhirHttp, link } from '../helpers/http.ts';
import { canonicalQuery, templateResource } from '../helpers/resources.ts';
import { testStores, useTestServer } from '../helpers/server.ts';
import { SOFTWARE } from '../../src/capability/software.ts';

// The same suite on every store: embedded SQLite, and PostgreSQL (DATABASE_URL) when it is available.
describe.each(testStores())('on %s', (store) => {
  const server = useTestServer({ store });
  const api = fhirHttp(() => server.base);

  const VS = '/ValueSet/benefits';
  const VS_URL = 'https://example.org/fhir/liver-cryoablation/ValueSet/benefits';
  const CS = '/CodeSystem/liver-cryoablation';
  const CS_URL = 'https://example.org/fhir/liver-cryoablation/CodeSystem/liver-cryoablation';
  const PLAN = '/PlanDefinition/liver-tumor-cryoablation';

  /** The text of the first issue. */
  function text(outcome: OperationOutcome): string {
    return outcome.issue?.[0]?.details?.text ?? '';
  }

  function parameters(...parameter: Record<string, unknown>[]): Parameters {
    return { resourceType: 'Parameters', parameter } as unknown as Parameters;
  }

  describe('paging inputs of $expand and search', () => {
    it.each([
      ['count=-1', 'count'],
      ['count=-5', 'count'],
      ['offset=-1', 'offset'],
    ])('$expand?%s is a 400 naming the parameter', async (query, name) => {
      const outcome = expectOutcome(await api.get(`${VS}/$expand?${query}`), 400);
      expect(outcome.issue?.[0]?.expression).toEqual([name]);
      expect(text(outcome)).toContain(name);
    });

    it('a negative count by POST is refused the same way', async () => {
      const outcome = expectOutcome(await api.post(`${VS}/$expand`, parameters({ name: 'count', valueInteger: -1 })), 400);
      expect(outcome.issue?.[0]?.expression).toEqual(['count']);
    });

    it('_count=-1 on a search is a 400 naming _count', async () => {
      const outcome = expectOutcome(await api.get('/CodeSystem?_count=-1'), 400);
      expect(outcome.issue?.[0]?.expression).toEqual(['_count']);
    });

    it('accepts integers up to 2147483647 and calls larger ones out of range (not "not an integer")', async () => {
      const big = await api.get(`${VS}/$expand?count=2147483647`);
      expect(big.status).toBe(200);
      expect(big.json<ValueSet>().expansion?.contains?.length).toBeGreaterThan(0);
      for (const path of [`${VS}/$expand?count=2147483648`, `${VS}/$expand?offset=99999999999`]) {
        const outcome = expectOutcome(await api.get(path), 400);
        expect(text(outcome)).toMatch(/out of range/);
        expect(text(outcome)).not.toMatch(/must be an integer/);
      }
      const searchBig = expectOutcome(await api.get('/CodeSystem?_count=99999999999'), 400);
      expect(text(searchBig)).toMatch(/out of range/);
      expect((await api.get('/CodeSystem?_count=2147483647')).status).toBe(200);
    });
  });

  describe('POSTed operation parameters are checked against the OperationDefinition', () => {
    it('count as valueString "abc" is a 400, as it is by GET', async () => {
      expectOutcome(await api.get(`${VS}/$expand?count=abc`), 400);
      const outcome = expectOutcome(await api.post(`${VS}/$expand`, parameters({ name: 'count', valueString: 'abc' })), 400);
      expect(text(outcome)).toMatch(/count.*integer/);
      expect(outcome.issue?.[0]?.expression).toEqual(['count']);
    });

    it('a boolean sent as a string, a Coding sent as a string and a resource input sent as a value are 400', async () => {
      expectOutcome(await api.post(`${VS}/$expand`, parameters({ name: 'activeOnly', valueString: 'true' })), 400);
      expectOutcome(await api.post(`${CS}/$lookup`, parameters({ name: 'coding', valueString: 'liver-tumor' })), 400);
      expectOutcome(await api.post('/ValueSet/$expand', parameters({ name: 'valueSet', valueString: 'benefits' })), 400);
      expectOutcome(await api.post('/ValueSet/$expand', parameters({ name: 'valueSet', resource: { resourceType: 'CodeSystem' } })), 400);
    });

    it('kindred primitives are accepted (url as valueUri or valueString, count as valueInteger)', async () => {
      const byUri = await api.post('/ValueSet/$expand', parameters({ name: 'url', valueUri: VS_URL }, { name: 'count', valueInteger: 1 }));
      expect(byUri.status, byUri.text.slice(0, 300)).toBe(200);
      expect(byUri.json<ValueSet>().expansion?.contains).toHaveLength(1);
      expect((await api.post('/ValueSet/$expand', parameters({ name: 'url', valueString: VS_URL }))).status).toBe(200);
    });

    it('$apply without subject is a 400 saying how to send it, by GET and by POST', async () => {
      for (const res of [await api.get(`${PLAN}/$apply`), await api.post(`${PLAN}/$apply`, parameters())]) {
        const outcome = expectOutcome(res, 400);
        expect(outcome.issue?.[0]?.expression).toEqual(['subject']);
        expect(text(outcome)).toMatch(/subject=Patient\/123/);
      }
    });

    it('a single-valued input given twice is a 400 by POST as by GET', async () => {
      expectOutcome(await api.get(`${VS}/$expand?count=1&count=2`), 400);
      expectOutcome(await api.post(`${VS}/$expand`, parameters({ name: 'count', valueInteger: 1 }, { name: 'count', valueInteger: 2 })), 400);
    });

    it('$validate-code keeps its either-or inputs optional (code+system, or coding)', async () => {
      const bySystem = await api.get(`${CS}/$validate-code?code=liver-tumor`);
      expect(bySystem.status).toBe(200);
      const byCoding = await api.post('/CodeSystem/$validate-code', parameters({ name: 'coding', valueCoding: { system: CS_URL, code: 'liver-tumor' } }));
      expect(byCoding.status, byCoding.text.slice(0, 300)).toBe(200);
    });
  });

  describe('a Parameters entry carries one value', () => {
    it.each([
      ['valueString and valueCode', { name: 'filter', valueString: 'a', valueCode: 'b' }],
      ['value[x] and resource', { name: 'filter', valueString: 'a', resource: { resourceType: 'Patient' } }],
      ['an unknown parameter with two values', { name: 'whatever', valueString: 'a', valueBoolean: true }],
    ])('%s → 400', async (_label, entry) => {
      const outcome = expectOutcome(await api.post(`${VS}/$expand`, parameters(entry)), 400);
      expect(text(outcome)).toMatch(/more than one value/);
    });
  });

  describe('an instance-level call that names another resource by url', () => {
    const OTHER = encodeURIComponent('https://example.org/fhir/liver-cryoablation/ValueSet/complications');
    const PLAN_URL = 'https://example.org/fhir/liver-cryoablation/PlanDefinition/liver-tumor-cryoablation';

    it.each([
      ['ValueSet $expand', `${VS}/$expand?url=${OTHER}`, 'url'],
      ['ValueSet $validate-code', `${VS}/$validate-code?url=${OTHER}&system=${encodeURIComponent(CS_URL)}&code=liver-tumor`, 'url'],
      ['CodeSystem $lookup', `${CS}/$lookup?system=${OTHER}&code=liver-tumor`, 'system'],
      ['CodeSystem $validate-code', `${CS}/$validate-code?url=${OTHER}&code=liver-tumor`, 'url'],
      ['PlanDefinition $apply', `${PLAN}/$apply?subject=Patient/1&url=${OTHER}`, 'url'],
    ])('%s → 400', async (_label, path, name) => {
      const outcome = expectOutcome(await api.get(path), 400);
      expect(outcome.issue?.[0]?.expression).toEqual([name]);
      expect(text(outcome)).toMatch(/different/);
    });

    it.each([
      ['ValueSet $expand', `${VS}/$expand?url=${encodeURIComponent(VS_URL)}`],
      ['ValueSet $expand with its version', `${VS}/$expand?url=${encodeURIComponent(`${VS_URL}|0.1.0`)}`],
      ['CodeSystem $lookup', `${CS}/$lookup?system=${encodeURIComponent(CS_URL)}&code=liver-tumor`],
      ['CodeSystem $validate-code', `${CS}/$validate-code?url=${encodeURIComponent(CS_URL)}&code=liver-tumor`],
      ['PlanDefinition $apply', `${PLAN}/$apply?subject=Patient/1&url=${encodeURIComponent(PLAN_URL)}`],
    ])('%s naming its own url → 200', async (_label, path) => {
      const res = await api.get(path);
      expect(res.status, res.text.slice(0, 300)).toBe(200);
    });
  });

  describe('a batch or transaction with a repeated fullUrl (bdl-7)', () => {
    it.each(['transaction', 'batch'] as const)('%s → 400, nothing written', async (type) => {
      const first = templateResource('ValueSet');
      const second = templateResource('ValueSet');
      const fullUrl = 'urn:uuid:7f3c2a1e-0b7d-4c55-9a51-5d0c6f1e2b3a';
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type,
        entry: [
          { fullUrl, resource: first, request: { method: 'POST', url: 'ValueSet' } },
          { fullUrl, resource: second, request: { method: 'POST', url: 'ValueSet' } },
        ],
      };
      const outcome = expectOutcome(await api.post('/', bundle), 400);
      expect(outcome.issue?.[0]?.expression).toEqual(['Bundle.entry[1].fullUrl']);
      expect(text(outcome)).toMatch(/bdl-7/);
      for (const resource of [first, second]) {
        expect(expectBundle(await api.get(`/ValueSet?${canonicalQuery(resource)}`)).total).toBe(0);
      }
    });

    it('distinct fullUrls still go through', async () => {
      const resource = templateResource('ValueSet');
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ fullUrl: 'urn:uuid:0d6f8a52-52a4-4a8e-9d5e-7b0d7f3e9c11', resource, request: { method: 'POST', url: 'ValueSet' } }],
      };
      const res = await api.post('/', bundle);
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      expect(expectBundle(await api.get(`/ValueSet?${canonicalQuery(resource)}`)).total).toBe(1);
    });
  });

  describe('a transaction conditional create (ifNoneExist on url|version)', () => {
    function entry(resource: ValueSet, request: Record<string, unknown>): NonNullable<Bundle['entry']>[number] {
      return { resource, request: { method: 'POST', url: 'ValueSet', ...request } as never };
    }

    it('writes when nothing matches, and answers 200 with the stored resource (no second copy) when one does', async () => {
      const resource = templateResource('ValueSet') as ValueSet;
      const condition = canonicalQuery(resource);
      const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [entry(resource, { ifNoneExist: condition })] };
      const first = (await api.post('/', bundle)).json<Bundle>();
      expect(first.entry?.[0]?.response?.status).toBe('201 Created');
      const second = (await api.post('/', bundle)).json<Bundle>();
      expect(second.entry?.[0]?.response?.status).toBe('200 OK');
      expect(second.entry?.[0]?.response?.location).toBe(first.entry?.[0]?.response?.location?.replace(/\/_history\/\d+$/, ''));
      expect(expectBundle(await api.get(`/ValueSet?${condition}`)).total).toBe(1);
    });

    it.each([
      ['an empty condition', { ifNoneExist: '' }, 'POST'],
      ['a condition with no parameters', { ifNoneExist: 'ValueSet?' }, 'POST'],
      ['a non-string condition', { ifNoneExist: 42 }, 'POST'],
      ['a condition on a PUT', { ifNoneExist: 'url=x' }, 'PUT'],
      ['an unknown search parameter', { ifNoneExist: 'cookie=chip' }, 'POST'],
    ])('%s → 400 naming the entry, nothing written', async (_label, request, method) => {
      const resource = templateResource('ValueSet') as ValueSet;
      const put = method === 'PUT' ? { url: `ValueSet/${'pkg' + Math.random().toString(36).slice(2, 10)}` } : {};
      const id = put.url?.split('/')[1];
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [entry(templateResource('ValueSet') as ValueSet, {}), entry({ ...resource, ...(id ? { id } : {}) }, { ...request, method, ...put })],
      };
      const outcome = expectOutcome(await api.post('/', bundle), 400);
      expect(text(outcome)).toMatch(/entry\[1\]|cookie/);
      expect(expectBundle(await api.get(`/ValueSet?${canonicalQuery(resource)}`)).total).toBe(0);
      expect(expectBundle(await api.get(`/ValueSet?${canonicalQuery(bundle.entry?.[0]?.resource as ValueSet)}`)).total).toBe(0);
    });
  });

  describe('search links show only the parameters used', () => {
    it('an ignored parameter is not in the self link', async () => {
      const bundle = expectBundle(await api.get('/CodeSystem?cookie=chip'));
      expect(link(bundle, 'self')).toBe(`${server.publicBaseUrl}/CodeSystem`);
    });

    it('used filters and applied paging stay; ignored ones leave every link', async () => {
      const bundle = expectBundle(await api.get('/ValueSet?cookie=chip&status=active&_count=1'));
      const self = new URL(link(bundle, 'self') as string);
      expect([...self.searchParams.keys()]).toEqual(['status', '_count']);
      expect(self.searchParams.get('_count')).toBe('1');
      const next = new URL(link(bundle, 'next') as string);
      expect(next.searchParams.has('cookie')).toBe(false);
      expect(next.searchParams.get('status')).toBe('active');
    });

    it('a _count over the cap shows the page size applied', async () => {
      const bundle = expectBundle(await api.get('/ValueSet?_count=1000000'));
      expect(new URL(link(bundle, 'self') as string).searchParams.get('_count')).toBe('1000');
    });

    it('system search and history drop ignored parameters too', async () => {
      const system = expectBundle(await api.get('/?_type=CodeSystem&cookie=chip'));
      expect(link(system, 'self')).toBe(`${server.publicBaseUrl}/?_type=CodeSystem`);
      const history = expectBundle(await api.get(`${CS}/_history?cookie=chip`), 'history');
      expect(link(history, 'self')).toBe(`${server.publicBaseUrl}/CodeSystem/liver-cryoablation/_history`);
    });
  });

  describe('/metadata with _summary and _elements', () => {
    const SUBSETTED = 'SUBSETTED';
    const tags = (cs: CapabilityStatement): (string | undefined)[] => (cs.meta?.tag ?? []).map((t) => t.code);

    it('a bad _summary or _elements is a 400, as on a search', async () => {
      for (const path of ['/metadata?_summary=abc', '/CodeSystem?_summary=abc']) {
        expect(expectOutcome(await api.get(path), 400).issue?.[0]?.expression).toEqual(['_summary']);
      }
      expectOutcome(await api.get('/metadata?_elements=a.b'), 400);
      expectOutcome(await api.get('/metadata?mode=terminology&_summary=abc'), 400);
    });

    it('_summary=true keeps the summary elements only', async () => {
      const full = (await api.get('/metadata')).json<CapabilityStatement>();
      expect(full.description).toBe(SOFTWARE.description); // not a summary element of CapabilityStatement
      const summary = (await api.get('/metadata?_summary=true')).json<CapabilityStatement>();
      expect(summary.resourceType).toBe('CapabilityStatement');
      expect(summary.description).toBeUndefined();
      expect(summary.fhirVersion).toBe(full.fhirVersion);
      expect(summary.rest).toEqual(full.rest);
      expect(summary.software).toEqual(full.software);
      expect(tags(summary)).toContain(SUBSETTED);
    });

    it('_summary=text, data, false and count as R4 defines them for one resource', async () => {
      const full = (await api.get('/metadata')).json<CapabilityStatement>();
      const text = (await api.get('/metadata?_summary=text')).json<CapabilityStatement>();
      expect(text.rest).toBeUndefined();
      expect(text.description).toBeUndefined();
      expect([text.status, text.kind, text.fhirVersion]).toEqual(['active', 'instance', '4.0.1']); // mandatory elements stay
      const data = (await api.get('/metadata?_summary=data')).json<CapabilityStatement>();
      expect(data.description).toBe(SOFTWARE.description);
      expect(data.rest).toEqual(full.rest);
      expect(tags(data)).toContain(SUBSETTED);
      for (const mode of ['false', 'count']) {
        const whole = (await api.get(`/metadata?_summary=${mode}`)).json<CapabilityStatement>();
        expect(whole.description).toBe(SOFTWARE.description);
        expect(tags(whole)).not.toContain(SUBSETTED);
      }
    });

    it('_elements keeps the listed and the mandatory elements', async () => {
      const cs = (await api.get('/metadata?_elements=software')).json<CapabilityStatement>();
      expect(cs.software).toEqual(expect.objectContaining({ name: SOFTWARE.name, version: SOFTWARE.version }));
      expect(cs.rest).toBeUndefined();
      expect(cs.fhirVersion).toBe('4.0.1');
      expect(tags(cs)).toContain(SUBSETTED);
    });
  });

  describe('the fhirVersion media type parameter', () => {
    it.each(['application/fhir+json; fhirVersion=3.0', 'application/fhir+json;fhirVersion=5.0', 'application/json; fhirVersion=1.0'])(
      'Accept: %s → 406 OperationOutcome',
      async (accept) => {
        const outcome = expectOutcome(await api.get('/metadata', { accept }), 406);
        expect(text(outcome)).toMatch(/fhirVersion/);
      },
    );

    it.each(['application/fhir+json; fhirVersion=4.0', 'application/fhir+json; fhirVersion=4.0.1', 'application/fhir+json; fhirVersion=3.0, application/json'])(
      'Accept: %s → 200',
      async (accept) => {
        const res = await api.get('/metadata', { accept });
        expect(res.status).toBe(200);
        expect(res.json<CapabilityStatement>().fhirVersion).toBe('4.0.1');
      },
    );

    it('_format with an unserved fhirVersion is a 406 as well', async () => {
      expectOutcome(await api.get(`/metadata?_format=${encodeURIComponent('application/fhir+json; fhirVersion=3.0')}`), 406);
    });

    it('a body declared as another FHIR version is a 415, nothing written', async () => {
      const resource = templateResource('ValueSet');
      const res = await api.request('POST', '/ValueSet', { body: resource, headers: { 'content-type': 'application/fhir+json; fhirVersion=3.0' } });
      expect(text(expectOutcome(res, 415))).toMatch(/fhirVersion/);
      expect(expectBundle(await api.get(`/ValueSet?${canonicalQuery(resource)}`)).total).toBe(0);
      const ok = await api.request('POST', '/ValueSet', { body: resource, headers: { 'content-type': 'application/fhir+json; fhirVersion=4.0' } });
      expect(ok.status, ok.text.slice(0, 300)).toBe(201);
    });
  });
});
