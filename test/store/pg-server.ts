/**
 * A throw-away PostgreSQL server for tests: `PG_TEST_URL` (an admin connection URL) when set, otherwise
 * Debian's PostgreSQL binaries started on a free loopback port in a temporary data folder (as the `postgres`
 * user when this process is root, since PostgreSQL refuses to run as root). Undefined when neither is there —
 * unless `REQUIRE_PG=1` (CI), which makes a missing PostgreSQL a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../scripts/bench/run.ts';

/** A running test PostgreSQL. */
export interface TestPostgres {
  /** Admin URL (database `postgres`). */
  readonly adminUrl: string;
  /** A new, empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown) and keeps the data; `start` brings it back on the same port. */
  stop(): void;
  start(): void;
  /** Stops and removes everything. */
  destroy(): Promise<void>;
}

/** Folder of Debian's PostgreSQL binaries, newest major first, or undefined. */
export function findPgBin(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((d) => existsSync(join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary as a user it accepts. */
export function runPg(bin: string, args: string[]): void {
  const command = asRoot ? 'runuser' : bin;
  const full = asRoot ? ['-u', 'postgres', '--', bin, ...args] : args;
  const result = spawnSync(command, full, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function pgUnavailableReason(): string | undefined {
  if (process.env.PG_TEST_URL) return undefined;
  const bin = findPgBin();
  if (!bin) return 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb and no PG_TEST_URL)';
  if (asRoot) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root without a postgres user';
    }
  }
  return undefined;
}

/** True when the PostgreSQL tests must run (skip, or fail when `REQUIRE_PG=1`). */
export function pgTestsEnabled(): boolean {
  const reason = pgUnavailableReason();
  if (reason === undefined) return true;
  if (process.env.REQUIRE_PG === '1') throw new Error(`REQUIRE_PG=1 but ${reason}`);
  console.warn(`PostgreSQL tests skipped: ${reason}. Install postgresql or set PG_TEST_URL to run them.`);
  return false;
}

let counter = 0;

/** Starts (or connects to) the test PostgreSQL. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const createIn = (adminUrl: string) => async (): Promise<string> => {
    const name = `fhir_test_${process.pid}_${Date.now()}_${counter++}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
    } finally {
      await client.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  if (process.env.PG_TEST_URL) {
    const adminUrl = process.env.PG_TEST_URL;
    return {
      adminUrl,
      createDatabase: createIn(adminUrl),
      stop: () => {
        throw new Error('cannot stop an external PostgreSQL');
      },
      start: () => undefined,
      destroy: async () => undefined,
    };
  }
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'fhir-pg-'));
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  runPg(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = (): void => runPg(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const stop = (): void => runPg(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    createDatabase: createIn(adminUrl),
    stop,
    start,
    destroy: async () => {
      try {
        runPg(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
