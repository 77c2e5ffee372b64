/**
 * Starts the real server in-process on a free port, on a fresh embedded store, for HTTP tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { pgTestsEnabled, startTestPostgres, type TestPostgres } from '../store/pg-server.ts';

/** Token used by tests that write. */
export const TEST_WRITE_TOKEN = 'test-write-token-0123456789';

/** Project content folder. */
export const CONTENT_DIR = resolve(import.meta.dirname, '../../fhir-resources');

/** Options of `startTestServer`. */
export interface TestServerOptions {
  /** Extra environment settings (e.g. WRITE_TOKEN: '' for a read-only server). */
  readonly env?: Record<string, string>;
  /** Load fhir-resources/ (default true). */
  readonly content?: boolean;
  /** Keep data on disk in this folder, or `':memory:'` for an in-memory store (default: a fresh temp folder, removed at close). */
  readonly dataDir?: string;
  /** Store: embedded SQLite (default) or a fresh database on a throw-away PostgreSQL (`DATABASE_URL`). */
  readonly store?: TestStore;
}

/** Store a test server runs on. */
export type TestStore = 'SQLite' | 'PostgreSQL';

/**
 * The stores an HTTP suite runs on: SQLite always, PostgreSQL when it is available here (skipped with a
 * message otherwise; a failure when `REQUIRE_PG=1`), for `describe.each`.
 */
export function testStores(): TestStore[] {
  return pgTestsEnabled() ? ['SQLite', 'PostgreSQL'] : ['SQLite'];
}

/** A started test server; `close()` stops it and removes its temp data. */
export interface TestServer extends RunningServer {
  /** Base URL of the FHIR endpoint (`http://127.0.0.1:<port>/fhir`), also the public base URL. */
  readonly base: string;
  /** On the PostgreSQL store: the throw-away PostgreSQL (to stop and start it) and the server's database. */
  readonly postgres?: { readonly server: TestPostgres; readonly databaseUrl: string };
}

/** Starts a server on port 0 with a fresh store; links use `http://localhost:<port>/fhir`. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const tempDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fhir-test-'));
  let pgServer: TestPostgres | undefined;
  const storeEnv: Record<string, string> = {};
  if (options.store === 'PostgreSQL') {
    pgServer = await startTestPostgres();
    storeEnv.DATABASE_URL = await pgServer.createDatabase();
  }
  const postgres = pgServer === undefined ? undefined : { server: pgServer, databaseUrl: storeEnv.DATABASE_URL };
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: tempDir,
    WRITE_TOKEN: TEST_WRITE_TOKEN,
    LOG_LEVEL: 'silent',
    CONTENT_DIR: options.content === false ? '' : CONTENT_DIR,
    ...storeEnv,
    ...options.env,
  });
  const running = await startServer(config, { logger: pino({ level: 'silent' }) });
  return {
    ...running,
    base: running.url,
    postgres,
    close: async () => {
      await running.close();
      await pgServer?.destroy();
      if (options.dataDir === undefined) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a test server for the enclosing file or `describe` (beforeAll) and stops it after (afterAll). The
 * returned handle reads the running server, so it is usable inside tests and later hooks, not at the top
 * level of the file.
 */
export function useTestServer(options: TestServerOptions = {}): TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer(options);
  });
  afterAll(async () => {
    if (current === undefined) return;
    const closing = current.close();
    // Clients that keep connections alive (fhir-kit-client, medplum) would hold the close until their idle
    // sockets time out: the tests are over, so drop them at once.
    current.server.closeAllConnections();
    await closing;
  });
  const running = (): TestServer => {
    if (current === undefined) throw new Error('useTestServer: the server starts in beforeAll; read it inside a test or hook');
    return current;
  };
  return {
    get server() { return running().server; },
    get url() { return running().url; },
    get base() { return running().base; },
    get publicBaseUrl() { return running().publicBaseUrl; },
    get repository() { return running().repository; },
    get contentReport() { return running().contentReport; },
    get postgres() { return running().postgres; },
    close: () => running().close(),
  };
}
