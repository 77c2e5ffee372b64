/**
 * fhir-kit-client 2.0.3 against the running server: capability statement, read, vread, search with paging
 * to the end (`nextPage`), system operation, create / update / delete with the write token, and errors
 * surfaced as OperationOutcomes on `error.response.data`.
 *
 * @see https://github.com/Vermonster/fhir-kit-client
 */
import type { Bundle, CapabilityStatement, Library, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { Client, type FhirResource } from 'fhir-kit-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentIds, contentResources } from '../helpers/fixtures.ts';
import { templateResource } from '../helpers/resources.ts';
import { failureWith } from '../helpers/failure.ts';
import { useTestServer, TEST_WRITE_TOKEN } from '../helpers/server.ts';

const server = useTestServer();
let reader: Client;
let writer: Client;

beforeAll(async () => {
  reader = new Client({ baseUrl: server.base });
  writer = new Client({ baseUrl: server.base, bearerToken: TEST_WRITE_TOKEN });
});

/** The error fhir-kit-client throws for a non-2xx answer. */
interface KitError {
  readonly response?: { readonly status: number; readonly data: unknown };
}

/** Runs `call`, expects it to fail, and returns the status and OperationOutcome the client exposes. */
const failure = failureWith((err) => {
  const response = (err as KitError).response;
  if (response === undefined) throw new Error(`fhir-kit-client failed without an HTTP answer: ${String(err)}`);
  return { status: response.status, outcome: response.data as OperationOutcome };
});

const as = <T>(resource: FhirResource): T => resource as unknown as T;

describe('fhir-kit-client', () => {
  it('reads the CapabilityStatement', async () => {
    const cs = as<CapabilityStatement>(await reader.capabilityStatement());
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
  });

  it('finds no SMART authorization endpoints (the .well-known probe is a 404)', async () => {
    const metadata = await reader.smartAuthMetadata();
    expect(metadata.authorizeUrl).toBeUndefined();
    expect(metadata.tokenUrl).toBeUndefined();
  });

  it('reads and vreads a project resource', async () => {
    const file = contentResources().find((r) => r.resourceType === 'CodeSystem' && r.id === 'liver-cryoablation') as { url: string };
    const cs = as<{ url: string; meta: { versionId: string } }>(await reader.read({ resourceType: 'CodeSystem', id: 'liver-cryoablation' }));
    expect(cs.url).toBe(file.url);
    const v1 = as<{ url: string }>(await reader.vread({ resourceType: 'CodeSystem', id: 'liver-cryoablation', version: cs.meta.versionId }));
    expect(v1.url).toBe(file.url);
  });

  it('searches and pages with nextPage to the end, every resource exactly once', async () => {
    const expected = contentIds('ActivityDefinition');
    const ids: string[] = [];
    let page: FhirResource | undefined = await reader.search({ resourceType: 'ActivityDefinition', searchParams: { _count: 4 } });
    let pages = 0;
    while (page !== undefined) {
      pages++;
      ids.push(...(as<Bundle>(page).entry ?? []).map((e) => e.resource?.id as string));
      page = await reader.nextPage({ bundle: page as FhirResource & { link: { relation: string; url: string }[] } });
    }
    expect(ids.sort()).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 4));
  });

  it('searches with parameters, also by POST', async () => {
    const url = 'https://example.org/fhir/liver-cryoablation/ValueSet/complications';
    const get = as<Bundle>(await reader.search({ resourceType: 'ValueSet', searchParams: { url } }));
    expect(get.entry?.map((e) => e.resource?.id)).toEqual(['complications']);
    const post = as<Bundle>(await reader.search({ resourceType: 'ValueSet', searchParams: { url }, options: { postSearch: true } }));
    expect(post.entry?.map((e) => e.resource?.id)).toEqual(['complications']);
  });

  it('calls a system operation by GET and by POST', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const result = as<Parameters>(await reader.operation({ name: '$versions', method, input: method === 'POST' ? { resourceType: 'Parameters' } : undefined }));
      expect(result.parameter?.find((p) => p.name === 'default')?.valueCode).toBe('4.0');
    }
  });

  it('creates, updates and deletes with the bearer token', async () => {
    const created = as<Library & { id: string }>(await writer.create({ resourceType: 'Library', body: templateResource('Library') as FhirResource }));
    expect(created.meta?.versionId).toBe('1');
    const updated = as<Library>(await writer.update({ resourceType: 'Library', id: created.id, body: { ...created, title: 'Updated by fhir-kit-client' } as unknown as FhirResource }));
    expect(updated.meta?.versionId).toBe('2');
    expect(as<Library>(await reader.read({ resourceType: 'Library', id: created.id })).title).toBe('Updated by fhir-kit-client');
    await writer.delete({ resourceType: 'Library', id: created.id });
    const gone = await failure(() => reader.read({ resourceType: 'Library', id: created.id }));
    expect(gone.status).toBe(410);
    expect(gone.outcome.issue?.[0].code).toBe('deleted');
  });

  it('exposes the OperationOutcome of a 404 read', async () => {
    const { status, outcome } = await failure(() => reader.read({ resourceType: 'CodeSystem', id: 'no-such-code-system' }));
    expect(status).toBe(404);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue?.[0].code).toBe('not-found');
  });

  it('exposes the OperationOutcome of an invalid write (400/422) and of a write without token (401)', async () => {
    const invalid = await failure(() => writer.create({ resourceType: 'Library', body: { ...templateResource('Library'), status: 'bogus' } as FhirResource }));
    expect([400, 422]).toContain(invalid.status);
    expect(invalid.outcome.resourceType).toBe('OperationOutcome');
    expect(invalid.outcome.issue?.some((i) => i.severity === 'error')).toBe(true);
    const unauthorized = await failure(() => reader.create({ resourceType: 'Library', body: templateResource('Library') as FhirResource }));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.outcome.resourceType).toBe('OperationOutcome');
  });

  it('exposes the OperationOutcome of a POST operation whose body is not Parameters (400)', async () => {
    const { status, outcome } = await failure(() => reader.operation({ name: 'versions', input: { system: 'x' } }));
    expect(status).toBe(400);
    expect(outcome.resourceType).toBe('OperationOutcome');
  });
});
