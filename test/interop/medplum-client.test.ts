/**
 * MedplumClient (@medplum/core) against the running server, with no login: `fhirUrlPath: 'fhir'`, the
 * global fetch, the write token set with `setAccessToken`. Metadata, read, history, search with paging
 * (`searchResourcePages`, and by hand through next links), create / update / delete, and errors thrown as
 * `OperationOutcomeError`s carrying the server's OperationOutcome.
 *
 * @see https://www.medplum.com/docs/sdk/core.medplumclient
 */
import { MedplumClient, OperationOutcomeError } from '@medplum/core';
import type { ActivityDefinition, Bundle, CapabilityStatement, Library } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { contentIds } from '../helpers/fixtures.ts';
import { templateResource } from '../helpers/resources.ts';
import { failureWith } from '../helpers/failure.ts';
import { TEST_WRITE_TOKEN, useTestServer } from '../helpers/server.ts';

const server = useTestServer();

function medplum(token?: string): MedplumClient {
  const client = new MedplumClient({
    baseUrl: `${new URL(server.base).origin}/`,
    fhirUrlPath: 'fhir',
    fetch: globalThis.fetch,
    cacheTime: 0,
  });
  if (token !== undefined) client.setAccessToken(token);
  return client;
}

const failure = failureWith((err) => {
  expect(err).toBeInstanceOf(OperationOutcomeError);
  return (err as OperationOutcomeError).outcome;
});

describe('MedplumClient', () => {
  it('reads the CapabilityStatement', async () => {
    const client = medplum();
    const cs = (await client.get(client.fhirUrl('metadata'))) as CapabilityStatement;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
  });

  it('reads a resource, its history and a version', async () => {
    const client = medplum();
    const cs = await client.readResource('CodeSystem', 'liver-cryoablation');
    expect(cs.url).toBe('https://example.org/fhir/liver-cryoablation/CodeSystem/liver-cryoablation');
    const history = await client.readHistory('CodeSystem', 'liver-cryoablation');
    expect(history.type).toBe('history');
    expect(history.entry?.length).toBeGreaterThan(0);
    const version = await client.readVersion('CodeSystem', 'liver-cryoablation', cs.meta?.versionId as string);
    expect(version.id).toBe('liver-cryoablation');
  });

  it('searches with searchResources (one page, with the Bundle total)', async () => {
    const list = await medplum().searchResources('ActivityDefinition', { _count: 5 });
    expect(list).toHaveLength(5);
    expect(list.bundle.total).toBe(contentIds('ActivityDefinition').length);
  });

  it('pages to the end with searchResourcePages, every resource exactly once', async () => {
    const ids: string[] = [];
    for await (const page of medplum().searchResourcePages('ActivityDefinition', { _count: 4 })) ids.push(...page.map((r) => r.id));
    expect(ids.sort()).toEqual(contentIds('ActivityDefinition'));
  });

  it('pages by hand through the next links (re-sending their query strings)', async () => {
    const client = medplum();
    const ids: string[] = [];
    let bundle: Bundle<ActivityDefinition> = await client.search('ActivityDefinition', { _count: '7' });
    for (;;) {
      ids.push(...(bundle.entry ?? []).map((e) => e.resource?.id as string));
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      if (next === undefined) break;
      bundle = await client.search('ActivityDefinition', new URL(next).searchParams);
    }
    expect(ids.sort()).toEqual(contentIds('ActivityDefinition'));
  });

  it('creates, updates and deletes with an access token', async () => {
    const client = medplum(TEST_WRITE_TOKEN);
    const created = await client.createResource(templateResource('Library') as Library);
    expect(created.meta?.versionId).toBe('1');
    const updated = await client.updateResource({ ...created, title: 'Updated by MedplumClient' });
    expect(updated.meta?.versionId).toBe('2');
    expect((await medplum().readResource('Library', created.id)).title).toBe('Updated by MedplumClient');
    await client.deleteResource('Library', created.id);
    const gone = await failure(() => medplum().readResource('Library', created.id));
    expect(gone.issue?.[0].code).toBe('deleted');
  });

  it('throws the server OperationOutcome of a 404 read', async () => {
    const outcome = await failure(() => medplum().readResource('CodeSystem', 'no-such-code-system'));
    expect(outcome.issue?.[0].code).toBe('not-found');
    expect(outcome.issue?.[0].details?.text).toContain('no-such-code-system');
  });

  it('throws the server OperationOutcome of an invalid write', async () => {
    const outcome = await failure(() => medplum(TEST_WRITE_TOKEN).createResource({ ...(templateResource('Library') as Library), status: 'bogus' as Library['status'] }));
    expect(outcome.issue?.some((i) => i.severity === 'error')).toBe(true);
    expect(JSON.stringify(outcome)).toContain('status');
  });

  it('rejects a write without a token', async () => {
    await failure(() => medplum().createResource(templateResource('Library') as Library));
  });
});
