/**
 * Loading the content folder at start is idempotent: restarting on the same folder creates no version;
 * changing one file makes exactly that resource a new version; a client's update of a content resource is
 * not reverted by a restart while its file is unchanged.
 *
 * @see https://hl7.org/fhir/R4/http.html#update
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.ts';
import { contentResources } from '../helpers/fixtures.ts';
import { expectBundle, fhirHttp } from '../helpers/http.ts';
import { CONTENT_DIR } from '../helpers/server.ts';
import { SERVED_TYPES } from '../helpers/resources.ts';

type Stored = Resource & { id: string; meta: { versionId: string; lastUpdated: string }; title?: string };

const work = mkdtempSync(join(tmpdir(), 'fhir-content-'));
const contentDir = join(work, 'content');
const dataDir = join(work, 'data');
const CHANGED_FILE = 'ValueSet-benefits.json';
const CLIENT_EDITED = { type: 'CodeSystem', id: 'liver-cryoablation' };

/** Current versions of every content resource, as `Type/id → meta`. */
type Versions = Map<string, { versionId: string; lastUpdated: string }>;

interface Snapshot {
  readonly versions: Versions;
  readonly systemHistoryTotal: number;
}

async function snapshot(server: ChildServer): Promise<Snapshot> {
  const api = fhirHttp(server.base);
  const versions: Versions = new Map();
  for (const type of SERVED_TYPES) {
    const bundle: Bundle = expectBundle(await api.get(`/${type}?_count=1000`));
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource as Stored;
      versions.set(`${type}/${resource.id}`, { versionId: resource.meta.versionId, lastUpdated: resource.meta.lastUpdated });
    }
  }
  const history = expectBundle(await api.get('/_history?_count=0'), 'history');
  return { versions, systemHistoryTotal: history.total as number };
}

let initial: Snapshot;
let afterPlainRestart: Snapshot;
let afterClientEdit: Snapshot;
let afterFileChange: Snapshot;
let changedTitle: string;
let editedTitle: string;
let finalServer: ChildServer | undefined;

beforeAll(async () => {
  cpSync(CONTENT_DIR, contentDir, { recursive: true });

  const first = await spawnServer({ dataDir, contentDir });
  initial = await snapshot(first);
  await first.stop('SIGTERM');

  const second = await spawnServer({ dataDir, contentDir });
  afterPlainRestart = await snapshot(second);
  // A client edits a content resource; its file stays as it was.
  const api = fhirHttp(second.base);
  const current = (await api.get(`/${CLIENT_EDITED.type}/${CLIENT_EDITED.id}`)).json<Stored>();
  editedTitle = `${current.title ?? ''} (edited by a client)`;
  expect((await api.put(`/${CLIENT_EDITED.type}/${CLIENT_EDITED.id}`, { ...current, title: editedTitle })).status).toBe(200);
  await second.stop('SIGTERM');

  const third = await spawnServer({ dataDir, contentDir });
  afterClientEdit = await snapshot(third);
  await third.stop('SIGTERM');

  // One file changes.
  const path = join(contentDir, CHANGED_FILE);
  const resource = JSON.parse(readFileSync(path, 'utf8')) as Stored;
  changedTitle = `${resource.title ?? ''} (revised)`;
  writeFileSync(path, `${JSON.stringify({ ...resource, title: changedTitle }, null, 2)}\n`);
  finalServer = await spawnServer({ dataDir, contentDir });
  afterFileChange = await snapshot(finalServer);
});

afterAll(async () => {
  await finalServer?.stop('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

const changedKey = (): string => {
  const resource = JSON.parse(readFileSync(join(CONTENT_DIR, CHANGED_FILE), 'utf8')) as Stored;
  return `${resource.resourceType}/${resource.id}`;
};

describe('content loading across restarts', () => {
  it('the first start loads every content file as version 1', () => {
    const expected = contentResources().map((r) => `${r.resourceType}/${r.id}`);
    expect([...initial.versions.keys()].sort()).toEqual(expected.sort());
    for (const [key, meta] of initial.versions) expect(meta.versionId, key).toBe('1');
    expect(initial.systemHistoryTotal).toBe(expected.length);
  });

  it('a restart on the same folder creates no new version', () => {
    expect(afterPlainRestart.versions).toEqual(initial.versions);
    expect(afterPlainRestart.systemHistoryTotal).toBe(initial.systemHistoryTotal);
  });

  it('a restart does not revert a client update of a content resource whose file is unchanged', async () => {
    const key = `${CLIENT_EDITED.type}/${CLIENT_EDITED.id}`;
    expect(afterClientEdit.versions.get(key)?.versionId).toBe('2');
    expect(afterClientEdit.systemHistoryTotal).toBe(initial.systemHistoryTotal + 1);
    const api = fhirHttp((finalServer as ChildServer).base);
    expect((await api.get(`/${key}`)).json<Stored>().title).toBe(editedTitle);
  });

  it('changing one file makes exactly that resource a new version', async () => {
    const key = changedKey();
    const clientKey = `${CLIENT_EDITED.type}/${CLIENT_EDITED.id}`;
    for (const [k, meta] of afterFileChange.versions) {
      if (k === key) {
        expect(meta.versionId).toBe('2');
        expect(meta.lastUpdated > (initial.versions.get(k)?.lastUpdated ?? '')).toBe(true);
      } else {
        expect(meta, k).toEqual(afterClientEdit.versions.get(k));
      }
    }
    expect(afterFileChange.versions.get(clientKey)?.versionId).toBe('2');
    expect(afterFileChange.systemHistoryTotal).toBe(afterClientEdit.systemHistoryTotal + 1);
    const api = fhirHttp((finalServer as ChildServer).base);
    expect((await api.get(`/${key}`)).json<Stored>().title).toBe(changedTitle);
    const v1 = (await api.get(`/${key}/_history/1`)).json<Stored>();
    expect(v1.title).not.toBe(changedTitle);
  });
});
