/**
 * The only file that listens. `npm start` runs it: settings from the environment, the embedded store,
 * the content folder loaded, the FHIR endpoint at `/fhir`, graceful shutdown on SIGTERM/SIGINT.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { outcome } from './fhir/errors.ts';
import { onClientError } from './http/client-error.ts';
import { COMMON_HEADERS } from './http/headers.ts';
import { createLogger } from './http/logger.ts';
import { createOperationRegistry } from './operations/index.ts';
import type { CodeSystem } from '@medplum/fhirtypes';
import { buildTerminologyCapabilities } from './capability/terminology-capabilities.ts';
import { storeTerminologyResources } from './store/terminology-source.ts';
import { coreTerminology } from './terminology/core-package.ts';
import { createBindingTerminology } from './terminology/binding-terminology.ts';
import { valueSetMembership } from './terminology/membership.ts';
import { loadContentFolder, type LoadReport } from './store/content-loader.ts';
import { openRepository, type Repository } from './store/repository.ts';
import { DataDirInUseError, openSqliteStore } from './store/sqlite-store.ts';
import { followChanges, type ChangeFollower } from './store/pg-changes.ts';
import { openPgStore, type PgResourceStore } from './store/pg-store.ts';
import type { ResourceStore } from './store/types.ts';
import { createServerValidator, writeValidator } from './rest/write-validation.ts';
import type { Validator } from './validation/types.ts';

/** Slowest a client may be to send its headers / whole request. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 60_000;
/** Slowest upload rate the whole-request deadline allows for the largest accepted body (bytes per second). */
export const MIN_UPLOAD_BYTES_PER_SECOND = 1024 * 1024;

/**
 * The deadline for receiving a whole request: {@link REQUEST_TIMEOUT_MS}, or longer when the largest body
 * accepted (`MAX_BODY_BYTES`) needs longer at {@link MIN_UPLOAD_BYTES_PER_SECOND}. A fixed 60 s cut a
 * 390 MB upload (a 1,000,000-concept CodeSystem) on a busy machine: the client, still writing, saw the
 * connection close instead of an answer.
 * @see https://nodejs.org/api/http.html#serverrequesttimeout
 */
export function requestTimeoutMs(maxBodyBytes: number): number {
  return Math.max(REQUEST_TIMEOUT_MS, Math.ceil(maxBodyBytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000);
}

/** A running server. */
export interface RunningServer {
  readonly server: Server;
  /**
   * Base URL of the FHIR endpoint that reaches the server from this machine, on the bound port: the bound
   * address, or the loopback address when bound to every interface (`0.0.0.0` → `127.0.0.1`, `::` → `[::1]`).
   */
  readonly url: string;
  /** The public base URL used in links. */
  readonly publicBaseUrl: string;
  readonly repository: Repository;
  readonly contentReport: LoadReport | undefined;
  /** Stops accepting, finishes in-flight requests, closes the store. */
  close(): Promise<void>;
}

/** The HTTP server, listening before the app exists: it answers 503 until {@link EarlyListener.serve} is called. */
interface EarlyListener {
  readonly server: Server;
  /** See {@link RunningServer.url}. */
  readonly url: string;
  readonly port: number;
  /** From now on, requests go to `handler`. */
  serve(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** Stops accepting; resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

/** Listens on the configured port (closing `store` if that fails); until the app is ready, requests get a 503. */
async function listenEarly(config: Config, store: ResourceStore): Promise<EarlyListener> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined = undefined;
  let stopping = false;
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: requestTimeoutMs(config.maxBodyBytes), keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
    // While stopping, a request on a kept-alive connection is still answered, and its connection then closed:
    // otherwise a client polling on one connection would keep the server from ever finishing its close.
    if (stopping) {
      res.shouldKeepAlive = false;
      res.once('finish', () => server.closeIdleConnections());
    }
    if (handler) {
      handler(req, res);
      return;
    }
    res.writeHead(503, [...COMMON_HEADERS, ['Content-Type', 'application/fhir+json; charset=utf-8'], ['Retry-After', '1']].flat());
    res.end(JSON.stringify(outcome('transient', 'The server is starting')));
  });
  server.on('clientError', onClientError);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address === '::' ? '::1' : address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  return {
    server,
    url: `http://${host}:${address.port}/fhir`,
    port: address.port,
    serve: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** The repository over the store, with the write-time validator it builds on its index. */
async function openServerRepository(store: ResourceStore, shared: boolean, publicBaseUrl: string): Promise<{ repository: Repository; validator: Validator }> {
  let validator: Validator | undefined;
  const repository = await openRepository({
    store,
    shared,
    baseUrl: publicBaseUrl,
    validator: (index) => {
      validator = createServerValidator(index, createBindingTerminology({ layers: [storeTerminologyResources(index)] }));
      return writeValidator(validator);
    },
  });
  if (!validator) throw new Error('validator not created');
  return { repository, validator };
}

/** Loads the content folder, if one is configured, and logs what it loaded. */
async function loadContent(
  config: Config,
  repository: Repository,
  pg: { readonly store: PgResourceStore; readonly follower: ChangeFollower } | undefined,
  logger: Logger,
): Promise<LoadReport | undefined> {
  if (config.contentDir === undefined) return undefined;
  const started = performance.now();
  const contentDir = config.contentDir;
  // Replicas starting together load one at a time, each after reading what the previous one stored.
  const contentReport = pg
    ? await pg.store.withLock(CONTENT_LOCK, async () => {
        await pg.follower.catchUp();
        return loadContentFolder(repository, contentDir, logger);
      })
    : await loadContentFolder(repository, contentDir, logger);
  logger.info({ ...contentReport, failed: contentReport.failed.length, ms: Math.round(performance.now() - started) }, 'content loaded');
  return contentReport;
}

/** The app over the loaded repository: the operation registry, the terminology services, the capability statements. */
function serverApp(
  config: Config,
  opened: { readonly repository: Repository; readonly validator: Validator },
  follower: ChangeFollower | undefined,
  publicBaseUrl: string,
  logger: Logger,
): ReturnType<typeof createApp> {
  const { repository, validator } = opened;
  const registry = createOperationRegistry();
  const terminology = { resources: storeTerminologyResources(repository.index) };
  // Index the R4 core terminology now, off the first request's path; then, when the process runs with
  // --expose-gc (npm start does), collect the start-up garbage (the parsed definition bundles) once so the
  // heap — and the RSS — shrink back instead of staying at the start-up peak.
  setImmediate(() => {
    coreTerminology().warmUp();
    (globalThis as { gc?: () => void }).gc?.();
  });
  return createApp({
    repository,
    registry,
    logger,
    publicBaseUrl,
    writeToken: config.writeToken,
    maxBodyBytes: config.maxBodyBytes,
    rateLimitPerSecond: config.rateLimitPerSecond,
    ready: follower ? () => follower.caughtUp() : undefined,
    services: { memberOf: valueSetMembership(terminology.resources), validator, terminology },
    terminologyCapabilities: () =>
      buildTerminologyCapabilities({
        baseUrl: publicBaseUrl,
        expand: registry.find('expand', 'type', 'ValueSet')?.definition,
        codeSystems: () => repository.index.all('CodeSystem').map((e) => e.resource as CodeSystem),
      }),
  });
}

/**
 * Opens the store, loads the content, and listens.
 * @param config - settings (see `loadConfig`); `port: 0` picks a free port.
 */
export async function startServer(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // The store first: a data folder held by another server stops the start before anything listens; an
  // unreachable PostgreSQL is retried with backoff.
  const pgStore = config.databaseUrl === undefined ? undefined : await openPgWithRetry(config.databaseUrl, logger);
  const store: ResourceStore = pgStore ?? openSqliteStore({ dataDir: config.dataDir });
  // Then listen (so port 0 is resolved and the default public base URL is known), answer once ready.
  const listener = await listenEarly(config, store);
  const publicBaseUrl = config.publicBaseUrl ?? `http://localhost:${listener.port}/fhir`;

  // With replicas: the change log position read before the index is built, so nothing committed meanwhile is missed.
  const fromSeq = pgStore ? await pgStore.lastSeq() : 0;
  const opened = await openServerRepository(store, pgStore !== undefined, publicBaseUrl);
  const { repository } = opened;
  const follower: ChangeFollower | undefined = pgStore ? followChanges({ store: pgStore, repository, fromSeq, logger }) : undefined;
  const contentReport = await loadContent(config, repository, pgStore && follower ? { store: pgStore, follower } : undefined, logger);
  listener.serve(serverApp(config, opened, follower, publicBaseUrl, logger));
  let closing: Promise<void> | undefined;
  return {
    server: listener.server,
    url: listener.url,
    publicBaseUrl,
    repository,
    contentReport,
    close: () => {
      closing ??= listener
        .close()
        .then(() => follower?.stop())
        .then(() => store.close());
      return closing;
    },
  };
}

/** Advisory lock key held while a replica loads the content folder. */
const CONTENT_LOCK = 4738303;

/**
 * Opens the PostgreSQL store, retrying with exponential backoff (0.5 s doubling to 10 s) while the database
 * cannot be reached, and logging each failed attempt.
 * @see https://www.postgresql.org/docs/15/libpq-connect.html
 */
async function openPgWithRetry(connectionString: string, logger: Logger): Promise<PgResourceStore> {
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const store = await openPgStore({ connectionString });
      if (attempt > 1) logger.info({ attempt }, 'database reachable');
      return store;
    } catch (err) {
      logger.warn({ attempt, retryInMs: delay, err: (err as Error).message }, 'database unreachable at start; retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let running: RunningServer;
  try {
    running = await startServer(config, { logger });
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      process.stderr.write(`Cannot start: ${err.message}\n`);
      process.exit(3);
    }
    throw err;
  }
  const bound = running.server.address() as AddressInfo;
  // What the socket is really bound to (0.0.0.0 / :: mean every interface), a URL that reaches it from this
  // machine, and the public base URL the links use: three different things, each named for what it is.
  logger.info(
    {
      address: bound.address,
      port: bound.port,
      family: bound.family,
      localUrl: running.url,
      publicBaseUrl: running.publicBaseUrl,
      pid: process.pid,
      store: config.databaseUrl === undefined ? `sqlite:${config.dataDir}` : 'postgresql',
      writable: config.writeToken !== undefined,
    },
    'listening',
  );
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`Failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
