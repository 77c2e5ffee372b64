/**
 * `npm run cluster`: the scaled topology on this machine, without containers — Debian's PostgreSQL in a
 * temporary data folder, two server replicas over it (`DATABASE_URL`, their own loopback ports) and Debian's
 * nginx on a loopback port balancing over them, with the public base URL set to the balancer. Prints the
 * URLs and stops everything on SIGINT/SIGTERM. `startCluster` is the same, for tests and benchmarks.
 *
 * @see https://nginx.org/en/docs/http/ngx_http_upstream_module.html
 * @see https://www.postgresql.org/docs/current/app-pg-ctl.html
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, waitFor } from './bench/run.ts';
import { startTestPostgres, type TestPostgres } from '../test/store/pg-server.ts';
import { nginxConfig } from './cluster/nginx-config.ts';

const PROJECT_DIR = resolve(import.meta.dirname, '..');

/** Write token the cluster's replicas accept (override with WRITE_TOKEN). */
export const CLUSTER_WRITE_TOKEN = process.env.WRITE_TOKEN || 'cluster-write-token-0123456789';

/** One server replica (a child `node src/server.ts`). */
export interface Replica {
  readonly port: number;
  /** The replica's own FHIR base (`http://127.0.0.1:<port>/fhir`). */
  readonly base: string;
  /** True while the process runs. */
  running(): boolean;
  /** `kill -9`: no shutdown, connections cut. */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until `/readyz` answers 200. */
  start(): Promise<void>;
}

/** A running cluster. */
export interface Cluster {
  /** FHIR base through nginx — also the replicas' public base URL. */
  readonly base: string;
  readonly replicas: readonly Replica[];
  /** The PostgreSQL server: `stop()` (fast shutdown, data kept) and `start()` on the same port. */
  readonly postgres: TestPostgres;
  readonly databaseUrl: string;
  /** Stops nginx, the replicas and PostgreSQL and removes the temporary folders. */
  stop(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Number of replicas (default 2). */
  readonly replicas?: number;
  /** Load fhir-resources/ (default true). */
  readonly content?: boolean;
  /** Replica log level (default 'warn'). */
  readonly logLevel?: string;
  /** Balancer port (default: a free one). */
  readonly port?: number;
}

/** nginx binary of Debian's package. */
export function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  return undefined;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

/** Starts PostgreSQL, the replicas and nginx; resolves when the balancer answers `/readyz`. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const nginxBin = findNginx();
  if (!nginxBin) throw new Error('nginx is not installed (apt-get install nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'fhir-cluster-'));
  const postgres = await startTestPostgres();
  const databaseUrl = await postgres.createDatabase();
  const lbPort = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${lbPort}/fhir`;
  const count = options.replicas ?? 2;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());

  const replicas = ports.map((port, i): Replica & { stopGracefully(): Promise<void> } => {
    let child: ChildProcess | undefined;
    const dataDir = join(dir, `replica-${i + 1}`);
    const origin = `http://127.0.0.1:${port}`;
    const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
    return {
      port,
      base: `${origin}/fhir`,
      running: alive,
      async start() {
        child = spawn(process.execPath, ['--expose-gc', 'src/server.ts'], {
          cwd: PROJECT_DIR,
          stdio: ['ignore', 'inherit', 'inherit'],
          env: {
            ...process.env,
            PORT: String(port),
            HOST: '127.0.0.1',
            DATABASE_URL: databaseUrl,
            PUBLIC_BASE_URL: base,
            DATA_DIR: dataDir,
            WRITE_TOKEN: CLUSTER_WRITE_TOKEN,
            LOG_LEVEL: options.logLevel ?? 'warn',
            CONTENT_DIR: options.content === false ? '' : join(PROJECT_DIR, 'fhir-resources'),
          },
        });
        await waitFor(`${origin}/readyz`, 120_000, () => !alive());
      },
      async kill() {
        if (!child || !alive()) return;
        const exited = exitOf(child);
        child.kill('SIGKILL');
        await exited;
      },
      async stopGracefully() {
        if (!child || !alive()) return;
        const exited = exitOf(child);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      },
    };
  });

  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, nginxConfig({ dir, listen: lbPort, upstreams: ports, runAsRoot: process.getuid?.() === 0 }));
  let nginx: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      const exited = exitOf(nginx);
      nginx.kill('SIGQUIT');
      await exited;
    }
    await Promise.all(replicas.map((r) => r.stopGracefully()));
    await postgres.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Started together, as replicas of a deployment are: migrations and content loading are coordinated by the database.
    await Promise.all(replicas.map((r) => r.start()));
    nginx = spawn(nginxBin, ['-c', confPath, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
    await waitFor(`http://127.0.0.1:${lbPort}/readyz`, 20_000, () => nginx?.exitCode !== null);
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, replicas, postgres, databaseUrl, stop };
}

if (import.meta.filename === process.argv[1]) {
  const port = process.env.PORT ? Number(process.env.PORT) : undefined;
  const cluster = await startCluster({ port, logLevel: process.env.LOG_LEVEL ?? 'info' });
  console.log(`balancer (nginx):  ${cluster.base}`);
  cluster.replicas.forEach((r, i) => console.log(`replica ${i + 1}:         ${r.base}`));
  console.log(`PostgreSQL:        ${cluster.databaseUrl}`);
  console.log(`write token:       ${CLUSTER_WRITE_TOKEN}`);
  console.log('Ctrl-C stops everything.');
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    cluster.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
