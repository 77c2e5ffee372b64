/**
 * Suite `stores` of `npm run bench` (not in the default set: it needs PostgreSQL): the same scenarios on the
 * embedded SQLite store and on PostgreSQL (`DATABASE_URL`, Debian's PostgreSQL started in a temporary folder by
 * test/store/pg-server.ts), in the same interleaved rounds, with the raw `node:http` floor beside them.
 * Both servers are pinned to CPU 1 like the default suites; PostgreSQL itself is not pinned.
 *
 * Scenarios: read by id, search by `url`, `$lookup` (POST: GET answers are cached) of a random code of a generated 10,000-concept CodeSystem,
 * and create (`POST` of a small ValueSet). Reports each store's req/s and p99 and the PostgreSQL / SQLite ratio.
 *
 * @see https://www.postgresql.org/docs/15/app-pg-ctl.html
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { pgUnavailableReason, startTestPostgres } from '../../test/store/pg-server.ts';
import { generateLargeCodeSystem, LARGE_CS_URL } from '../tx/generate-large-codesystem.ts';
import { freePort, measure, medianMeasure, spawnPinned, startFloor, stop, waitFor, type BenchRequest, type Measure } from './run.ts';

const WRITE_TOKEN = 'bench-write-token-0123456789';
/** Concepts of the generated CodeSystem the `$lookup` scenarios use (small enough to load quickly into PostgreSQL). */
export const LOOKUP_CONCEPTS = 10_000;
const PROTOCOL_URL = 'https://example.org/fhir/liver-cryoablation/PlanDefinition/liver-tumor-cryoablation';

/** Timing and shape of one suite run. */
export interface SuiteOptions {
  readonly duration: number;
  readonly rounds: number;
  readonly warmup: number;
  readonly connections: number;
}

/** A named request measured against several targets. */
export interface TargetScenario {
  readonly name: string;
  readonly connections: number;
  readonly request: BenchRequest;
}

/** The medians of one scenario on each target, plus the raw floor. */
export interface TargetRow {
  readonly name: string;
  readonly connections: number;
  readonly bytes: number;
  readonly floor: Measure;
  readonly targets: Readonly<Record<string, Measure>>;
}

/** Formats a number with thousands separators. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * A suite's report: a heading, its notes, and a table of one line per row — scenario, connections, the cells
 * `cells` gives for the row's targets, the raw floor's req/s and the targets' errors — with the rows whose
 * requests failed on any target as `suite: scenario @connections`.
 */
export function targetReport(
  suite: string,
  rows: readonly TargetRow[],
  table: { readonly heading: string; readonly notes?: readonly string[]; readonly columns: readonly string[]; readonly cells: (row: TargetRow) => readonly string[] },
): { lines: string[]; errors: string[] } {
  const columns = ['scenario', 'conns', ...table.columns, 'raw node:http req/s', 'errors'];
  const errorsOf = (r: TargetRow): number => Object.values(r.targets).reduce((sum, m) => sum + m.errors, 0);
  const lines = [
    '',
    table.heading,
    ...(table.notes ?? []).map((n) => `- ${n}`),
    '',
    `| ${columns.join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${[r.name, String(r.connections), ...table.cells(r), fmt(r.floor.rps), String(errorsOf(r))].join(' | ')} |`),
  ];
  return { lines, errors: rows.filter((r) => errorsOf(r) > 0).map((r) => `${suite}: ${r.name} @${r.connections}`) };
}

/** Why the suites over PostgreSQL cannot run, as a message naming what to install; undefined when they can. */
export function pgMissing(suite: string): string | undefined {
  const reason = pgUnavailableReason();
  return reason === undefined ? undefined : `suite ${suite} needs PostgreSQL: ${reason}. Install it (apt-get install postgresql) or set PG_TEST_URL.`;
}

/**
 * Loads a generated CodeSystem of `size` concepts by PUT (at `base`, the server's origin); returns a request for
 * `$lookup` (POST, so the answer cache is not what is measured) of a random one of its codes.
 */
export async function loadLookupCodeSystem(base: string, token = WRITE_TOKEN, size = LOOKUP_CONCEPTS): Promise<{ request: BenchRequest; putMs: number }> {
  const large = generateLargeCodeSystem({ size });
  const { codes } = large;
  const started = performance.now();
  const put = await fetch(`${base}/fhir/CodeSystem/${large.codeSystem.id}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${token}`, Prefer: 'return=minimal' },
    body: JSON.stringify(large.codeSystem),
  });
  const putMs = performance.now() - started;
  if (!put.ok) throw new Error(`PUT generated CodeSystem: ${put.status} ${(await put.text()).slice(0, 300)}`);
  let seed = 47383;
  const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  // POST: GET answers of $lookup are kept in the answer cache, which would measure the cache (and how warm each
  // replica's own cache is) rather than the lookup.
  const body = (code: string): string =>
    JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: LARGE_CS_URL }, { name: 'code', valueCode: code }] });
  const request: BenchRequest = {
    path: '/fhir/CodeSystem/$lookup',
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: body(codes[1]),
    nextBody: () => body(codes[Math.floor(random() * codes.length)]),
  };
  return { request, putMs };
}

/** The scenarios of the `stores` suite. */
function storeScenarios(lookup: BenchRequest, connections: number): TargetScenario[] {
  const create = JSON.stringify({ resourceType: 'ValueSet', status: 'draft', name: 'BenchCreate' });
  return [
    { name: 'read PlanDefinition (protocol) by id', connections, request: { path: '/fhir/PlanDefinition/liver-tumor-cryoablation' } },
    { name: 'search PlanDefinition?url=', connections, request: { path: `/fhir/PlanDefinition?url=${encodeURIComponent(PROTOCOL_URL)}` } },
    { name: `$lookup (POST, random code of ${fmt(LOOKUP_CONCEPTS)})`, connections, request: lookup },
    {
      name: 'create (POST ValueSet, Prefer: return=minimal)',
      connections,
      request: {
        path: '/fhir/ValueSet',
        method: 'POST',
        body: create,
        headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${WRITE_TOKEN}`, Prefer: 'return=minimal' },
      },
    },
  ];
}

/**
 * Measures each scenario on every target (origin by name) and on a raw `node:http` floor of the same body
 * size, in interleaved rounds (floor, then each target), after a warm-up; returns the medians.
 */
export async function measureTargets(targets: Readonly<Record<string, string>>, scenarios: readonly TargetScenario[], options: SuiteOptions): Promise<TargetRow[]> {
  const rows: TargetRow[] = [];
  const first = Object.values(targets)[0] as string;
  for (const scenario of scenarios) {
    const { request, connections } = scenario;
    const probe = await fetch(`${first}${request.path}`, { method: request.method ?? 'GET', body: request.body, headers: request.headers });
    const bytes = (await probe.arrayBuffer()).byteLength;
    if (!probe.ok) throw new Error(`${scenario.name}: ${probe.status}`);
    const floor = await startFloor('raw', Math.max(bytes, 100));
    const seen: Record<string, Measure[]> = { floor: [] };
    try {
      if (options.warmup > 0) {
        await measure(floor.url, { path: '/' }, { connections, duration: options.warmup });
        for (const origin of Object.values(targets)) await measure(origin, request, { connections, duration: options.warmup });
      }
      for (let round = 0; round < options.rounds; round++) {
        seen.floor.push(await measure(floor.url, { path: '/' }, { connections, duration: options.duration }));
        for (const [name, origin] of Object.entries(targets)) (seen[name] ??= []).push(await measure(origin, request, { connections, duration: options.duration }));
      }
    } finally {
      await floor.stop();
    }
    const medians = Object.fromEntries(Object.keys(targets).map((name) => [name, medianMeasure(seen[name] ?? [])]));
    rows.push({ name: scenario.name, connections, bytes, floor: medianMeasure(seen.floor), targets: medians });
    process.stderr.write(`${scenario.name} @${connections}: ${Object.entries(medians).map(([n, m]) => `${n} ${fmt(m.rps)} req/s`).join(', ')} (raw ${fmt(medianMeasure(seen.floor).rps)})\n`);
  }
  return rows;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; origin: string; startMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnPinned(['--max-semi-space-size=8', '--expose-gc', 'src/server.ts'], { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WRITE_TOKEN, ...env });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(`${origin}/fhir/metadata`, 120_000);
  return { child, origin, startMs: performance.now() - started };
}

/** Runs the `stores` suite; returns its markdown lines. Throws a clear error when PostgreSQL is missing. */
export async function runStores(options: SuiteOptions): Promise<{ lines: string[]; errors: string[] }> {
  const missing = pgMissing('stores');
  if (missing) throw new Error(missing);
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-stores-'));
  const postgres = await startTestPostgres();
  const servers: ChildProcess[] = [];
  try {
    const sqlite = await startServer({ DATA_DIR: join(dataDir, 'sqlite') });
    servers.push(sqlite.child);
    const pg = await startServer({ DATA_DIR: join(dataDir, 'pg'), DATABASE_URL: await postgres.createDatabase() });
    servers.push(pg.child);
    const sqliteLookup = await loadLookupCodeSystem(sqlite.origin);
    const pgLookup = await loadLookupCodeSystem(pg.origin);
    const rows = await measureTargets({ SQLite: sqlite.origin, PostgreSQL: pg.origin }, storeScenarios(sqliteLookup.request, options.connections), options);
    return targetReport('stores', rows, {
      heading: `Stores (${options.rounds} interleaved rounds of ${options.duration} s, medians; both servers pinned to CPU 1, PostgreSQL unpinned):`,
      notes: [
        `Start to first /metadata (content loaded into a fresh store): SQLite ${fmt(sqlite.startMs)} ms, PostgreSQL ${fmt(pg.startMs)} ms.`,
        `PUT of the generated ${fmt(LOOKUP_CONCEPTS)}-concept CodeSystem: SQLite ${fmt(sqliteLookup.putMs)} ms, PostgreSQL ${fmt(pgLookup.putMs)} ms.`,
      ],
      columns: ['SQLite req/s', 'SQLite p99 ms', 'PostgreSQL req/s', 'PostgreSQL p99 ms', 'PostgreSQL / SQLite'],
      cells: (r) => {
        const s = r.targets.SQLite as Measure;
        const p = r.targets.PostgreSQL as Measure;
        return [fmt(s.rps), fmt(s.p99, 1), fmt(p.rps), fmt(p.p99, 1), fmt(p.rps / s.rps, 2)];
      },
    });
  } finally {
    for (const child of servers) await stop(child);
    await postgres.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
