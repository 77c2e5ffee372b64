/**
 * Benchmark plumbing: child-process servers pinned to one core, autocannon runs, medians, ratios.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import autocannon from 'autocannon';

/** One measurement. */
export interface Measure {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/** A request to benchmark. */
export interface BenchRequest {
  readonly path: string;
  /** When set, each request's path is drawn from it (e.g. a random code), instead of `path`. */
  readonly nextPath?: () => string;
  /** When set, each request's body is drawn from it (e.g. Parameters naming a random code), instead of `body`. */
  readonly nextBody?: () => string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

const HAS_TASKSET = existsSync('/usr/bin/taskset');
const NODE = process.execPath;

/** Pins this (load-generating) process to CPU 0 so servers get CPU 1. */
export function pinSelf(): void {
  if (!HAS_TASKSET) return;
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    // not fatal: numbers are just noisier
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns a Node script pinned to CPU 1. */
export function spawnPinned(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const command = HAS_TASKSET ? 'taskset' : NODE;
  const argv = HAS_TASKSET ? ['-c', '1', NODE, ...args] : [...args];
  return spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Waits until `url` answers 2xx; fails at once when `isDead` says the process that should answer has exited. */
export async function waitFor(url: string, timeoutMs = 60_000, isDead: () => boolean = () => false): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (isDead()) throw new Error(`process for ${url} exited before it was ready`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms`);
}

/** Starts a floor server (`raw` or `express`) answering `bytes` bytes; returns its base URL and a stopper. */
export async function startFloor(kind: 'raw' | 'express', bytes: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawnPinned([new URL('./floor-server.ts', import.meta.url).pathname, kind, String(bytes)]);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`floor ${kind} exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

/** Stops a child process (SIGTERM, then SIGKILL). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs autocannon once. */
export async function measure(base: string, request: BenchRequest, options: { connections: number; duration: number }): Promise<Measure> {
  const { nextPath, nextBody } = request;
  // Each socket error's code, counted, so a failed smoke run says what the connection died of.
  const errorCodes = new Map<string, number>();
  const instance = autocannon({
    url: `${base}${request.path}`,
    connections: options.connections,
    duration: options.duration,
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    requests:
      nextPath || nextBody
        ? [{ setupRequest: (req) => ({ ...req, ...(nextPath ? { path: nextPath() } : {}), ...(nextBody ? { body: nextBody() } : {}) }) }]
        : undefined,
  });
  instance.on('reqError', (err: NodeJS.ErrnoException) => {
    const key = err.code ?? err.message;
    errorCodes.set(key, (errorCodes.get(key) ?? 0) + 1);
  });
  const result = await instance;
  const errors = result.errors + result.timeouts + result.non2xx;
  if (errors > 0) {
    // What went wrong, so a failed smoke run can be diagnosed from its log.
    const codes = [...errorCodes].map(([code, n]) => `${code} ×${n}`).join(', ');
    console.error(`${base}${request.path}: ${result.errors} connection errors${codes ? ` (${codes})` : ''}, ${result.timeouts} timeouts, ${result.non2xx} non-2xx (${result['4xx']} 4xx, ${result['5xx']} 5xx)`);
  }
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
  };
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median of each field of several measures. */
export function medianMeasure(measures: readonly Measure[]): Measure {
  return {
    rps: median(measures.map((m) => m.rps)),
    p50: median(measures.map((m) => m.p50)),
    p99: median(measures.map((m) => m.p99)),
    errors: measures.reduce((n, m) => n + m.errors, 0),
  };
}
