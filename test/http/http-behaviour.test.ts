/**
 * HTTP behaviour every client relies on: content negotiation (`Accept`, `_format`), CORS, security headers,
 * case-sensitive routes, `$` and `%24` operation routing, HEAD, 405 with `Allow`, the request id, and the
 * CapabilityStatement at `/metadata`.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://hl7.org/fhir/R4/capabilitystatement.html
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CapabilityStatement, Parameters } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectBundle, expectOutcome, fhirHttp, toResult } from '../helpers/http.ts';
import { SERVED_TYPES } from '../helpers/resources.ts';
import { useTestServer } from '../helpers/server.ts';

const server = useTestServer();
const api = fhirHttp(() => server.base);
const origin = (): string => new URL(server.base).origin;

const packageJson = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { name: string; version: string };

describe('content negotiation', () => {
  it.each([
    ['application/fhir+json', 'application/fhir+json'],
    ['application/json', 'application/json'],
    ['application/fhir+json,application/json', 'application/fhir+json'],
    ['application/fhir+json, */*; q=0.1', 'application/fhir+json'],
    ['application/fhir+xml;q=1.0, application/fhir+json;q=1.0, application/xml+fhir;q=0.9, application/json+fhir;q=0.9', 'application/fhir+json'],
    ['application/fhir+json; fhirVersion=4.0', 'application/fhir+json'],
    ['application/json+fhir', 'application/fhir+json'],
    ['*/*', 'application/fhir+json'],
    ['application/fhir+json, text/html', 'application/fhir+json'],
    ['text/html;q=0.5, */*', 'application/fhir+json'],
  ])('Accept: %s → %s', async (accept, mediaType) => {
    const res = toResult(await fetch(`${server.base}/CodeSystem/liver-cryoablation`, { headers: { accept } }));
    const result = await res;
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe(`${mediaType}; charset=utf-8`);
    expect(result.json().resourceType).toBe('CodeSystem');
  });

  it('no Accept header at all → FHIR JSON', async () => {
    const { request } = await import('node:http');
    const { hostname, port } = new URL(server.base);
    const contentType = await new Promise<string | undefined>((done, fail) => {
      const req = request({ host: hostname, port, path: '/fhir/metadata' }, (res) => {
        res.resume();
        done(res.headers['content-type']);
      });
      req.on('error', fail);
      req.end();
    });
    expect(contentType).toBe('application/fhir+json; charset=utf-8');
  });

  it('only XML acceptable → 406 with an OperationOutcome', async () => {
    expectOutcome(await api.get('/metadata', { accept: 'application/fhir+xml' }), 406);
    expectOutcome(await api.get('/metadata', { accept: 'application/fhir+json;q=0, application/xml' }), 406);
  });

  it.each(['json', 'application/json', 'application/fhir+json'])('_format=%s → 200 JSON', async (format) => {
    const res = await api.get(`/metadata?_format=${encodeURIComponent(format)}`, { accept: 'application/fhir+xml' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/(fhir\+)?json; charset=utf-8$/);
  });

  // (_format=html is the browser view: test/web/pages.test.ts)
  it.each(['xml', 'application/fhir+xml', 'text/xml', 'ttl'])('_format=%s → 406', async (format) => {
    expectOutcome(await api.get(`/metadata?_format=${encodeURIComponent(format)}`), 406);
  });

  it('_format=nonsense → 400', async () => {
    expectOutcome(await api.get('/metadata?_format=nonsense'), 400);
  });

  it('a Content-Type on a bodiless GET is ignored', async () => {
    const res = await api.get('/CodeSystem/liver-cryoablation', { 'content-type': 'application/xml' });
    expect(res.status).toBe(200);
  });

  it('_pretty=true indents the JSON without changing it', async () => {
    const plain = await api.get('/CodeSystem/liver-cryoablation');
    const pretty = await api.get('/CodeSystem/liver-cryoablation?_pretty=true');
    expect(pretty.text).toContain('\n  ');
    expect(pretty.json()).toEqual(plain.json());
  });
});

describe('headers', () => {
  it('sends security headers on answers and errors', async () => {
    for (const res of [await api.get('/metadata'), await api.get('/CodeSystem/nope'), await api.get('/nope/nope/nope/nope/nope')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('sends only the version ETag (no body-hash ETag) and no ETag on searches', async () => {
    const read = await api.get('/CodeSystem/liver-cryoablation');
    expect(read.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    const search = await api.get('/CodeSystem');
    expect(search.headers.get('etag')).toBeNull();
  });

  it('answers a CORS preflight with the methods and headers FHIR clients use', async () => {
    const res = await fetch(`${server.base}/CodeSystem`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type, if-match' },
    });
    expect([200, 204]).toContain(res.status);
    expect(res.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/app\.example)$/);
    const methods = (res.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim());
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']));
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',').map((h) => h.trim());
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'accept', 'prefer', 'if-match', 'if-none-match', 'if-modified-since', 'x-medplum', 'cache-control']),
    );
  });

  it('lets browsers read ETag, Location, Content-Location and Last-Modified', async () => {
    const res = await api.get('/CodeSystem/liver-cryoablation', { origin: 'https://app.example' });
    expect(res.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/app\.example)$/);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(',').map((h) => h.trim());
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'location', 'content-location', 'last-modified']));
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    expect((await api.get('/metadata', { 'x-request-id': 'trace-123.abc' })).headers.get('x-request-id')).toBe('trace-123.abc');
    const unsafe = await api.get('/metadata', { 'x-request-id': 'a b <script>' });
    expect(unsafe.headers.get('x-request-id')).not.toBe('a b <script>');
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:/@=+-]+$/);
  });

  it('HEAD answers the headers of GET without a body', async () => {
    const res = await fetch(`${server.base}/CodeSystem/liver-cryoablation`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(await res.text()).toBe('');
  });
});

describe('routing', () => {
  it.each(['/codesystem', '/CODESYSTEM/liver-cryoablation', '/Codesystem/liver-cryoablation', '/CodeSystem/liver-cryoablation/_History', '/METADATA'])(
    'routes are case-sensitive: %s → 404',
    async (path) => {
      expectOutcome(await api.get(path), 404, ['not-found']);
    },
  );

  it('the base path is case-sensitive too: /FHIR/metadata → 404', async () => {
    expectOutcome(await toResult(await fetch(`${origin()}/FHIR/metadata`)), 404, ['not-found']);
  });

  it('paths outside the FHIR base are a FHIR 404', async () => {
    expectOutcome(await toResult(await fetch(`${origin()}/nothing-here`)), 404, ['not-found']);
    expectOutcome(await toResult(await fetch(`${origin()}/.well-known/smart-configuration`)), 404, ['not-found']);
    expectOutcome(await api.get('/.well-known/smart-configuration'), 404, ['not-found']);
  });

  it('routes an operation written $versions and %24versions alike', async () => {
    for (const path of ['/$versions', '/%24versions']) {
      const res = await api.get(path);
      expect(res.status, path).toBe(200);
      const parameters = res.json<Parameters>();
      expect(parameters.resourceType).toBe('Parameters');
      expect(parameters.parameter?.find((p) => p.name === 'default')?.valueCode).toBe('4.0');
    }
    const posted = await api.request('POST', '/%24versions', { body: { resourceType: 'Parameters' } });
    expect(posted.status).toBe(200);
  });

  it('an unknown operation is a 404', async () => {
    expectOutcome(await api.get('/$no-such-operation'), 404, ['not-found']);
    expectOutcome(await api.get('/CodeSystem/%24no-such-operation'), 404, ['not-found']);
  });

  it('a trailing slash does not change the route', async () => {
    expect((await api.get('/CodeSystem/')).status).toBe(200);
  });

  it.each([
    ['PATCH', '/CodeSystem/liver-cryoablation'],
    ['DELETE', '/CodeSystem'],
    ['PUT', '/CodeSystem'],
    ['POST', '/metadata'],
    ['DELETE', '/_history'],
    ['POST', '/CodeSystem/liver-cryoablation/_history'],
    ['PUT', '/'],
  ])('%s %s → 405 with an Allow header that omits the method', async (method, path) => {
    const res = await api.request(method, path, { body: method === 'GET' ? undefined : { resourceType: 'CodeSystem' } });
    expectOutcome(res, 405);
    const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
    expect(allow.length).toBeGreaterThan(0);
    expect(allow).not.toContain(method);
  });

  it('/healthz answers outside the FHIR base', async () => {
    const res = await fetch(`${origin()}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('/metadata', () => {
  let cs: CapabilityStatement;
  beforeAll(async () => {
    const res = await api.get('/metadata');
    expect(res.status).toBe(200);
    cs = res.json<CapabilityStatement>();
  });

  it('is an R4 server CapabilityStatement that instantiates the terminology server statement', () => {
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    expect(cs.status).toBe('active');
    expect(cs.instantiates).toContain('http://hl7.org/fhir/CapabilityStatement/terminology-server');
    expect(cs.format).toEqual(expect.arrayContaining(['application/fhir+json']));
    expect(cs.rest?.[0].mode).toBe('server');
  });

  it('names the software and version of package.json', () => {
    expect(cs.software?.name).toBe(packageJson.name);
    expect(cs.software?.version).toBe(packageJson.version);
  });

  it('gives the public base URL as the implementation url', () => {
    expect(cs.implementation?.url).toBe(server.publicBaseUrl);
  });

  it('lists exactly the served types, each with every interaction', () => {
    const resources = cs.rest?.[0].resource ?? [];
    expect(resources.map((r) => r.type).sort()).toEqual([...SERVED_TYPES].sort());
    for (const resource of resources) {
      const codes = (resource.interaction ?? []).map((i) => i.code);
      expect(codes, resource.type).toEqual(
        expect.arrayContaining(['read', 'vread', 'search-type', 'history-instance', 'history-type', 'create', 'update', 'delete']),
      );
      expect(resource.versioning).toBe('versioned');
    }
    const system = (cs.rest?.[0].interaction ?? []).map((i) => i.code);
    expect(system).toEqual(expect.arrayContaining(['search-system', 'history-system']));
  });

  const common = ['context', 'context-type', 'date', 'description', 'jurisdiction', 'name', 'publisher', 'status'];
  const canonical = ['url', 'version', 'title'];
  const knowledge = ['topic', 'composed-of', 'depends-on', 'derived-from', 'predecessor', 'successor', 'identifier'];
  const expectedParams: Readonly<Record<string, readonly string[]>> = {
    CodeSystem: [...common, ...canonical, 'identifier', 'code', 'system'],
    ValueSet: [...common, ...canonical, 'identifier', 'reference', 'code'],
    ConceptMap: [...common, ...canonical, 'identifier'],
    PlanDefinition: [...common, ...canonical, ...knowledge, 'definition'],
    ActivityDefinition: [...common, ...canonical, ...knowledge],
    Library: [...common, ...canonical, ...knowledge],
    Questionnaire: [...common, ...canonical, 'identifier', 'code'],
    NamingSystem: [...common],
  };

  it.each(Object.entries(expectedParams))('%s lists its R4 search parameters with their types and definitions', (type, params) => {
    const resource = cs.rest?.[0].resource?.find((r) => r.type === type);
    const listed = new Map((resource?.searchParam ?? []).map((p) => [p.name, p]));
    for (const name of params) {
      expect([...listed.keys()], type).toContain(name);
      const param = listed.get(name);
      expect(param?.definition).toMatch(/^http:\/\/hl7\.org\/fhir\/SearchParameter\//);
      expect(['number', 'date', 'string', 'token', 'reference', 'composite', 'quantity', 'uri', 'special']).toContain(param?.type);
    }
  });

  it('lists _id and _lastUpdated (searchable on every type)', () => {
    const rest = cs.rest?.[0];
    for (const resource of rest?.resource ?? []) {
      const names = [...(resource.searchParam ?? []), ...(rest?.searchParam ?? [])].map((p) => p.name);
      expect(names, resource.type).toEqual(expect.arrayContaining(['_id', '_lastUpdated']));
    }
  });

  it('declares _include PlanDefinition:definition and the matching _revinclude on ActivityDefinition', () => {
    const resources = cs.rest?.[0].resource ?? [];
    expect(resources.find((r) => r.type === 'PlanDefinition')?.searchInclude).toContain('PlanDefinition:definition');
    expect(resources.find((r) => r.type === 'ActivityDefinition')?.searchRevInclude).toContain('PlanDefinition:definition');
  });

  it('lists the system operation $versions', () => {
    expect((cs.rest?.[0].operation ?? []).map((o) => o.name)).toContain('versions');
  });

  it('answers ?mode=terminology with a TerminologyCapabilities resource', async () => {
    const res = await api.get('/metadata?mode=terminology');
    expect(res.status).toBe(200);
    expect(res.json().resourceType).toBe('TerminologyCapabilities');
  });

  it('answers HEAD /metadata and refuses writes to it', async () => {
    expect((await fetch(`${server.base}/metadata`, { method: 'HEAD' })).status).toBe(200);
    expectOutcome(await api.put('/metadata', { resourceType: 'CapabilityStatement' }), 405);
  });
});

describe('search answers carry no caching surprises', () => {
  it('a searchset has a self link and a timestamp', async () => {
    const bundle = expectBundle(await api.get('/ValueSet?status=active'));
    expect(bundle.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    expect(bundle.link?.find((l) => l.relation === 'self')?.url).toBe(`${server.publicBaseUrl}/ValueSet?status=active`);
  });
});
