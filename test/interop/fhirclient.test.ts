/**
 * fhirclient 2.6.3 (SMART on FHIR JS client) in Node against the running server: the standalone
 * `FhirClient` (metadata, FHIR version, `resources()` / `pages()` paging) and the SMART `Client` made with
 * `smart(req, res).client({ serverUrl, tokenResponse })` (request with `pageLimit: 0`, create / update /
 * delete with the token), and errors surfaced as `HttpError`s carrying the OperationOutcome.
 *
 * @see https://docs.smarthealthit.org/client-js/
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bundle, CapabilityStatement, Library, OperationOutcome, Resource } from '@medplum/fhirtypes';
import smart from 'fhirclient/lib/entry/node.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentIds } from '../helpers/fixtures.ts';
import { templateResource } from '../helpers/resources.ts';
import { failureWith } from '../helpers/failure.ts';
import { useTestServer, TEST_WRITE_TOKEN } from '../helpers/server.ts';

const server = useTestServer();
let standalone: InstanceType<typeof smart.FhirClient>;

beforeAll(async () => {
  standalone = new smart.FhirClient(server.base);
});

/** A SMART client with the write token as its access token (no authorization flow: a server-side app). */
function smartClient(token?: string): ReturnType<ReturnType<typeof smart>['client']> {
  // The node adapter only needs a request and response for the launch flow, which is not used here.
  const request = { headers: { host: 'localhost' }, url: '/' } as unknown as IncomingMessage;
  const response = {} as unknown as ServerResponse;
  return smart(request, response).client({ serverUrl: server.base, tokenResponse: token === undefined ? {} : { access_token: token } });
}

/** The error fhirclient throws: status plus the OperationOutcome text in the message. */
interface HttpErrorLike {
  readonly status: number;
  readonly message: string;
}

const failure = failureWith((err) => {
  const { status, message } = err as HttpErrorLike;
  const json = message.slice(message.indexOf('{'));
  return { status, outcome: JSON.parse(json) as OperationOutcome };
});

describe('fhirclient FhirClient (standalone)', () => {
  it('reads metadata and the FHIR version', async () => {
    const cs = (await standalone.fhirRequest('metadata')) as CapabilityStatement;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(await standalone.getFhirVersion()).toBe('4.0.1');
    expect(await standalone.getFhirRelease()).toBe(4);
  });

  it('iterates resources() across every page, each resource exactly once', async () => {
    const ids: string[] = [];
    for await (const resource of standalone.resources('ActivityDefinition?_count=4')) ids.push((resource as Resource).id as string);
    expect(ids.sort()).toEqual(contentIds('ActivityDefinition'));
  });

  it('iterates pages()', async () => {
    let pages = 0;
    let total = 0;
    for await (const page of standalone.pages('ActivityDefinition?_count=6')) {
      pages++;
      total += ((page as Bundle).entry ?? []).length;
    }
    expect(total).toBe(contentIds('ActivityDefinition').length);
    expect(pages).toBe(Math.ceil(contentIds('ActivityDefinition').length / 6));
  });

  it('surfaces a 404 as an HttpError with the OperationOutcome', async () => {
    const { status, outcome } = await failure(() => standalone.fhirRequest('CodeSystem/no-such-code-system'));
    expect(status).toBe(404);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue?.[0].code).toBe('not-found');
  });
});

describe('fhirclient SMART Client', () => {
  it('reads with request(), following every page with pageLimit: 0', async () => {
    const client = smartClient();
    const cs = (await client.request('CodeSystem/liver-cryoablation')) as Resource;
    expect(cs.id).toBe('liver-cryoablation');
    const all = (await client.request('ActivityDefinition?_count=5', { pageLimit: 0, flat: true })) as Resource[];
    expect(all.map((r) => r.id as string).sort()).toEqual(contentIds('ActivityDefinition'));
  });

  it('creates, updates and deletes with the access token', async () => {
    const client = smartClient(TEST_WRITE_TOKEN);
    const created = (await client.create(templateResource('Library') as never)) as Library & { id: string };
    expect(created.meta?.versionId).toBe('1');
    const updated = (await client.update({ ...created, title: 'Updated by fhirclient' } as never)) as Library;
    expect(updated.meta?.versionId).toBe('2');
    await client.delete(`Library/${created.id}`);
    const gone = await failure(() => client.request(`Library/${created.id}`));
    expect(gone.status).toBe(410);
    expect(gone.outcome.issue?.[0].code).toBe('deleted');
  });

  it('surfaces an invalid write (400/422) and a write without token (401) with their OperationOutcomes', async () => {
    const invalid = await failure(() => smartClient(TEST_WRITE_TOKEN).create({ ...templateResource('Library'), status: 'bogus' } as never));
    expect([400, 422]).toContain(invalid.status);
    expect(invalid.outcome.issue?.some((i) => i.severity === 'error')).toBe(true);
    const unauthorized = await failure(() => smartClient().create(templateResource('Library') as never));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.outcome.resourceType).toBe('OperationOutcome');
  });
});
