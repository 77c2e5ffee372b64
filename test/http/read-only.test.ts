/**
 * A server started without a WRITE_TOKEN is read-only: every write is a 405 with an `Allow` header that
 * does not list the refused method (whatever token is sent), reads and searches work, and the
 * CapabilityStatement offers no write interaction.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-405-method-not-allowed
 */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectBundle, expectOutcome, fhirHttp, type HttpResult } from '../helpers/http.ts';
import { SERVED_TYPES, templateResource } from '../helpers/resources.ts';
import { useTestServer } from '../helpers/server.ts';

const server = useTestServer({ env: { WRITE_TOKEN: '' } });
const api = fhirHttp(() => server.base);

function expectNotAllowed(res: HttpResult, method: string): void {
  expectOutcome(res, 405);
  const methods = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim().toUpperCase());
  expect(methods).toContain('GET');
  expect(methods).not.toContain(method);
}

describe('read-only server', () => {
  it('refuses create with 405 and an Allow header without POST, and stores nothing', async () => {
    const resource = templateResource('CodeSystem');
    expectNotAllowed(await api.post('/CodeSystem', resource), 'POST');
    expect(expectBundle(await api.get(`/CodeSystem?url=${encodeURIComponent(resource.url as string)}`)).total).toBe(0);
  });

  it('refuses update (also update-as-create) with 405 and an Allow header without PUT', async () => {
    const current = await api.get('/CodeSystem/liver-cryoablation');
    expectNotAllowed(await api.put('/CodeSystem/liver-cryoablation', { ...current.json<Record<string, unknown>>(), title: 'changed' }), 'PUT');
    expectNotAllowed(await api.put('/CodeSystem/brand-new', { ...templateResource('CodeSystem'), id: 'brand-new' }), 'PUT');
    expect((await api.get('/CodeSystem/liver-cryoablation')).text).toBe(current.text);
    expectOutcome(await api.get('/CodeSystem/brand-new'), 404);
  });

  it('refuses delete with 405 and an Allow header without DELETE', async () => {
    expectNotAllowed(await api.delete('/CodeSystem/liver-cryoablation'), 'DELETE');
    expect((await api.get('/CodeSystem/liver-cryoablation')).status).toBe(200);
  });

  it('still reads, searches (GET and POST _search) and lists history', async () => {
    expect((await api.get('/CodeSystem/liver-cryoablation')).status).toBe(200);
    expect(expectBundle(await api.get('/ValueSet?status=active')).total).toBeGreaterThan(0);
    const posted = await api.request('POST', '/ValueSet/_search', {
      body: 'status=active',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(expectBundle(posted).total).toBeGreaterThan(0);
    expectBundle(await api.get('/_history'), 'history');
  });

  it('offers no create, update or delete in the CapabilityStatement', async () => {
    const cs = (await api.get('/metadata')).json<CapabilityStatement>();
    const resources = cs.rest?.[0].resource ?? [];
    expect(resources.map((r) => r.type).sort()).toEqual([...SERVED_TYPES].sort());
    for (const resource of resources) {
      const codes = (resource.interaction ?? []).map((i) => i.code);
      expect(codes).toEqual(expect.arrayContaining(['read', 'vread', 'search-type']));
      expect(codes).not.toContain('create');
      expect(codes).not.toContain('update');
      expect(codes).not.toContain('delete');
      expect(resource.updateCreate ?? false).toBe(false);
    }
  });
});
