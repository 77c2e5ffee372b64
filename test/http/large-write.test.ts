/**
 * Writes of a large CodeSystem: its concept tree is stored as the text received (not serialised again, see
 * src/lib/json-source.ts), so what a client reads back — read, vread, history, and after a restart — must be
 * the resource it sent, with the server's `meta`, whatever the body's layout.
 *
 * @see https://hl7.org/fhir/R4/http.html#update
 */
import type { Bundle, CodeSystem } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLargeCodeSystem } from '../../scripts/tx/generate-large-codesystem.ts';
import { expectOutcome, fhirHttp } from '../helpers/http.ts';
import { startTestServer, testStores, useTestServer } from '../helpers/server.ts';

/** About 700 KB of JSON: over the size from which the concept tree's text is kept. */
const generated = generateLargeCodeSystem({ size: 2000 }).codeSystem;

function withoutMeta(resource: CodeSystem): CodeSystem {
  const { meta: _meta, ...rest } = resource;
  return rest as CodeSystem;
}

describe.each(testStores())('on %s', (store) => {
  const server = useTestServer({ store, content: false });
  const api = fhirHttp(() => server.base);

  it('reads back the concept tree it was sent, compact or pretty-printed, with the server’s meta', async () => {
    const id = `large-${store.toLowerCase()}`;
    const sent = { ...generated, id, url: `${generated.url}/${id}`, meta: { versionId: '99', lastUpdated: '2020-01-01T00:00:00Z' } };
    const first = await api.put(`/CodeSystem/${id}`, JSON.stringify(sent));
    expect(first.status, first.text).toBe(201);
    const pretty = { ...sent, concept: [...(sent.concept ?? []), { code: 'extra-1', display: 'Zürich ☃ "quoted" \\ é' }] };
    const second = await api.put(`/CodeSystem/${id}`, JSON.stringify(pretty, null, 2));
    expect(second.status, second.text).toBe(200);

    const read = (await api.get(`/CodeSystem/${id}`)).json<CodeSystem>();
    expect(read.meta?.versionId).toBe('2');
    expect(withoutMeta(read)).toEqual(withoutMeta(pretty as CodeSystem));
    const v1 = await api.get(`/CodeSystem/${id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.json<CodeSystem>().meta).toMatchObject({ versionId: '1' });
    expect(withoutMeta(v1.json<CodeSystem>())).toEqual(withoutMeta(sent as CodeSystem));
    // The stored version holds the tree as it was sent (here pretty-printed), not a re-serialisation.
    const v2 = await api.get(`/CodeSystem/${id}/_history/2`);
    expect(v2.text).toContain('"code": "extra-1"');
    const history = (await api.get(`/CodeSystem/${id}/_history`)).json<Bundle>();
    expect(history.entry?.map((e) => withoutMeta(e.resource as CodeSystem))).toEqual([withoutMeta(pretty as CodeSystem), withoutMeta(sent as CodeSystem)]);
  });

  it('keeps the tree of a created resource under its new id, and refuses a bad tree without storing it', async () => {
    const { id: _id, ...noId } = generated;
    const created = await api.post('/CodeSystem', JSON.stringify({ ...noId, url: `${generated.url}/created` }));
    expect(created.status, created.text).toBe(201);
    const stored = created.json<CodeSystem>();
    expect(stored.concept).toEqual(generated.concept);

    const concept = [...(generated.concept ?? []), { code: generated.concept?.[0].code as string }];
    const refused = await api.put('/CodeSystem/large-refused', JSON.stringify({ ...generated, id: 'large-refused', url: `${generated.url}/refused`, concept }));
    expectOutcome(refused, 422);
    expectOutcome(await api.get('/CodeSystem/large-refused'), 404);
  });
});

describe('on SQLite, after a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-large-write-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the same tree (the index is rebuilt from the stored text)', async () => {
    const id = 'large-restart';
    const url = `${generated.url}/${id}`;
    const before = await startTestServer({ content: false, dataDir });
    const put = await fhirHttp(before.base).put(`/CodeSystem/${id}`, JSON.stringify({ ...generated, id, url }));
    expect(put.status, put.text).toBe(201);
    await before.close();
    const after = await startTestServer({ content: false, dataDir });
    try {
      const api = fhirHttp(after.base);
      const read = (await api.get(`/CodeSystem/${id}`)).json<CodeSystem>();
      expect(read.concept).toEqual(generated.concept);
      const code = generated.concept?.[3];
      const lookup = await api.get(`/CodeSystem/$lookup?system=${encodeURIComponent(url)}&code=${code?.code}`);
      expect(lookup.status, lookup.text).toBe(200);
      expect(lookup.text).toContain(code?.display);
    } finally {
      await after.close();
    }
  }, 60_000);
});
