/**
 * Typed settings from the environment, checked once at start. Every setting is documented in the README.
 */
import { isAbsolute, resolve } from 'node:path';

/** Log levels accepted by `LOG_LEVEL` (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's settings. */
export interface Config {
  /** TCP port (`PORT`, default 8080; 0 picks a free port). */
  readonly port: number;
  /** Host/interface to bind (`HOST`, default `0.0.0.0`). */
  readonly host: string;
  /**
   * Public base URL of the FHIR endpoint, used for every absolute link (`PUBLIC_BASE_URL`). Undefined means
   * `http://localhost:<bound port>/fhir`, decided once the server listens.
   */
  readonly publicBaseUrl: string | undefined;
  /** Folder of the embedded database (`DATA_DIR`, default `./data`); `:memory:` keeps nothing on disk. */
  readonly dataDir: string;
  /**
   * PostgreSQL connection URL (`DATABASE_URL`, `postgres://…` or `postgresql://…`): replicas share that
   * database. Undefined means the embedded SQLite store in `dataDir`.
   */
  readonly databaseUrl: string | undefined;
  /** Bearer token that allows writes (`WRITE_TOKEN`); undefined means the server is read-only. */
  readonly writeToken: string | undefined;
  /** pino log level (`LOG_LEVEL`, default `info`). */
  readonly logLevel: LogLevel;
  /** Folder of content loaded at start (`CONTENT_DIR`, default `./fhir-resources`; empty string disables). */
  readonly contentDir: string | undefined;
  /** Largest request body accepted, in bytes (`MAX_BODY_BYTES`, default 8 MiB; larger → 413). */
  readonly maxBodyBytes: number;
  /** Requests per second allowed per client address (`RATE_LIMIT_PER_SECOND`, default 0 = no limit; bursts of twice that). */
  readonly rateLimitPerSecond: number;
}

const DEFAULT_PORT = 8080;
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** A setting that cannot be used; the server refuses to start and names it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/**
 * Reads and checks the settings. Throws `ConfigError` naming the first bad variable.
 * @param env - the environment (defaults to `process.env`).
 * @param cwd - folder relative paths are resolved against.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const port = integer(env, 'PORT', DEFAULT_PORT, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const rawBase = env.PUBLIC_BASE_URL || undefined;
  let publicBaseUrl: string | undefined;
  if (rawBase !== undefined) {
    try {
      const url = new URL(rawBase);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      if (url.search || url.hash) throw new Error('has a query or fragment');
      publicBaseUrl = url.toString().replace(/\/+$/, '');
    } catch (err) {
      throw new ConfigError(`PUBLIC_BASE_URL must be an absolute http(s) URL without query: "${rawBase}" (${(err as Error).message})`);
    }
  }
  const rawDataDir = env.DATA_DIR || './data';
  const dataDir = rawDataDir === ':memory:' ? rawDataDir : isAbsolute(rawDataDir) ? rawDataDir : resolve(cwd, rawDataDir);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined) {
    let ok: boolean;
    try {
      ok = /^postgres(ql)?:$/.test(new URL(databaseUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const writeToken = env.WRITE_TOKEN || undefined;
  if (writeToken !== undefined && (writeToken.length < 16 || /\s/.test(writeToken))) {
    throw new ConfigError('WRITE_TOKEN must be at least 16 characters with no whitespace');
  }
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const rawContent = env.CONTENT_DIR ?? './fhir-resources';
  const contentDir = rawContent === '' ? undefined : isAbsolute(rawContent) ? rawContent : resolve(cwd, rawContent);
  const maxBodyBytes = integer(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024 * 1024);
  const rateLimitPerSecond = integer(env, 'RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000);
  return { port, host, publicBaseUrl, dataDir, databaseUrl, writeToken, logLevel, contentDir, maxBodyBytes, rateLimitPerSecond };
}
