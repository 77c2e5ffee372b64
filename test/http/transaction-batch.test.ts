/**
 * `POST [base]` with a transaction or batch Bundle, on every store: a transaction stores all its writes or
 * none (a failing entry, a stale `ifMatch`), rewrites `urn:uuid:` fullUrls to the ids it assigns, and runs
 * its reads after its writes; a batch answers each entry on its own.
 *
 * @see https://hl7.org/fhir/R4/http.html#transaction
 * @see https://hl7.org/fhir/R4/bundle.html#transaction
 */
import type { Bundle, BundleEntry, OperationOutcome, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectBundle, expectOutcome, fhirHttp } from '../helpers/http.ts';
import { canonicalQuery, templateResource } from '../helpers/resources.ts';
import { testStores, useTestServer } from '../helpers/server.ts';

function post(resource: ValueSet, extra: Partial<BundleEntry> = {}): BundleEntry {
  return { resource, request: { method: 'POST', url: 'ValueSet' }, ...extra };
}

// The same suite on every store: embedded SQLite, and PostgreSQL (DATABASE_URL) when it is available.
describe.each(testStores())('on %s', (store) => {
  const server = useTestServer({ store, content: false });
  const api = fhirHttp(() => server.base);

  async function total(resource: ValueSet): Promise<number> {
    return expectBundle(await api.get(`/ValueSet?${canonicalQuery(resource)}`)).total as number;
  }

  async function createValueSet(): Promise<ValueSet & { id: string }> {
    const res = await api.post('/ValueSet', templateResource('ValueSet'));
    expect(res.status, res.text).toBe(201);
    return res.json<ValueSet & { id: string }>();
  }

  it('a transaction stores every entry, answers each in order, and gives urn:uuid entries their assigned ids', async () => {
    const existing = await createValueSet();
    const fresh = templateResource('ValueSet') as ValueSet;
    const fullUrl = 'urn:uuid:3f2a6c1e-8d4b-4f0a-9e7c-2b1d5a6f8c90';
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...existing, title: 'Updated in a transaction' }, request: { method: 'PUT', url: `ValueSet/${existing.id}`, ifMatch: 'W/"1"' } },
        post(fresh, { fullUrl }),
        { request: { method: 'GET', url: `ValueSet/${existing.id}` } },
      ],
    };
    const res = await api.post('/', bundle);
    expect(res.status, res.text).toBe(200);
    const answer = res.json<Bundle>();
    expect(answer.type).toBe('transaction-response');
    expect(answer.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '201 Created', '200 OK']);
    // The read runs after the writes and sees the update.
    expect((answer.entry?.[2]?.resource as ValueSet).title).toBe('Updated in a transaction');
    const location = answer.entry?.[1]?.response?.location as string;
    expect(location).toMatch(/\/ValueSet\/[A-Za-z0-9\-.]+\/_history\/1$/);
    expect(location).not.toContain('urn:uuid');
    expect(await total(fresh)).toBe(1);
    expect(expectBundle(await api.get(`/ValueSet/${existing.id}/_history`), 'history').total).toBe(2);
  });

  it('a transaction with a failing entry (url|version already taken) stores none of its entries', async () => {
    const existing = await createValueSet();
    const fresh = templateResource('ValueSet') as ValueSet;
    const clash: ValueSet = { ...(templateResource('ValueSet') as ValueSet), url: existing.url, version: existing.version };
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [post(fresh), post(clash)] };
    const res = await api.post('/', bundle);
    expect(res.status, res.text).toBe(409);
    expect(res.json<OperationOutcome>().resourceType).toBe('OperationOutcome');
    expect(await total(fresh)).toBe(0);
    expect(await total(existing)).toBe(1);
  });

  it('a transaction with a stale ifMatch is a 412 and changes nothing', async () => {
    const existing = await createValueSet();
    const fresh = templateResource('ValueSet') as ValueSet;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [post(fresh), { resource: { ...existing, title: 'stale' }, request: { method: 'PUT', url: `ValueSet/${existing.id}`, ifMatch: 'W/"7"' } }],
    };
    expectOutcome(await api.post('/', bundle), 412);
    expect(await total(fresh)).toBe(0);
    const read = await api.get(`/ValueSet/${existing.id}`);
    expect(read.json<ValueSet>().meta?.versionId).toBe('1');
    expect(read.json<ValueSet>().title).toBe(existing.title);
  });

  it('a transaction delete is seen by a read of the same Bundle (410 in that entry, the delete stands) and recorded in history', async () => {
    const existing = await createValueSet();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'DELETE', url: `ValueSet/${existing.id}` } }, { request: { method: 'GET', url: `ValueSet/${existing.id}` } }],
    };
    const res = await api.post('/', bundle);
    expect(res.status, res.text).toBe(200);
    const entries = res.json<Bundle>().entry ?? [];
    expect(entries.map((e) => e.response?.status.slice(0, 3))).toEqual(['204', '410']);
    expect(entries[1]?.response?.outcome?.issue?.[0]?.code).toBe('deleted');
    expect((await api.get(`/ValueSet/${existing.id}`)).status).toBe(410);
    expect(expectBundle(await api.get(`/ValueSet/${existing.id}/_history`), 'history').total).toBe(2);
  });

  it('a batch answers each entry on its own: the good one is stored, the clash is a 409 outcome in its entry', async () => {
    const existing = await createValueSet();
    const fresh = templateResource('ValueSet') as ValueSet;
    const clash: ValueSet = { ...(templateResource('ValueSet') as ValueSet), url: existing.url, version: existing.version };
    const res = await api.post('/', { resourceType: 'Bundle', type: 'batch', entry: [post(fresh), post(clash)] });
    expect(res.status, res.text).toBe(200);
    const answer = res.json<Bundle>();
    expect(answer.type).toBe('batch-response');
    expect(answer.entry?.map((e) => e.response?.status.slice(0, 3))).toEqual(['201', '409']);
    expect(answer.entry?.[1]?.response?.outcome?.resourceType).toBe('OperationOutcome');
    expect(await total(fresh)).toBe(1);
    expect(await total(existing)).toBe(1);
  });
});
