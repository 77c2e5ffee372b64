/**
 * `npm run bench`: autocannon against the running server and, in the same run, against two floors that
 * answer a fixed body of the same size — raw `node:http` and a bare express 5 app. Servers run as child
 * processes pinned to CPU 1, the load generator to CPU 0; runs are interleaved (floor, floor, server) and
 * the median of the rounds is reported, with each scenario's ratio to both floors.
 *
 * Suites: `rest` (reads and searches of the content), `terminology` (a generated 100,000-concept CodeSystem:
 * its load and index time, memory, `$lookup`, `$validate-code`, `$expand`), `knowledge` (`$apply`).
 *
 * Suite `stall` (not in the default set): a probe's `GET /metadata` latency, idle and while four clients send
 * the worst request bodies of the hardening review in a loop (scripts/bench/stall.ts).
 *
 * Suite `scaling` (not in the default set): load time, RSS, `$lookup` and filtered `$expand` at several code-system
 * sizes (`--sizes 10000,100000,1000000`), each on a fresh server; writes a table and an SVG chart to `--out`
 * (bench-results/), see scripts/bench/scaling.ts.
 *
 * Suites `stores` and `cluster` (not in the default set: they need PostgreSQL, and `cluster` nginx; they fail with a
 * message naming what to install when either is missing): embedded SQLite vs PostgreSQL for read by id, search by
 * `url`, `$lookup` and create (scripts/bench/stores.ts); one replica direct, one behind nginx and two behind nginx
 * for read by id and `$lookup` (scripts/bench/cluster-suite.ts, over `startCluster()` of scripts/cluster.ts).
 *
 * Options: --duration <s> (5) --connections <n> (10) --rounds <n> (3) --warmup <s> (1) --only <substring,substring,…>
 *          --suites rest,terminology,knowledge[,stall,scaling,stores,cluster] --size <concepts of the terminology suite> (100000)
 *          --sizes <n,n,…> (scaling) --out <dir>
 *          --peer <FHIR base URL>: the terminology scenarios also run against that server (the generated CodeSystem
 *          and value sets are PUT into it first), in the same rounds; a second table gives both figures and their ratio.
 *
 * Exits non-zero when a scenario answered errors (non-2xx, timeouts) — never on timing.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, measure, medianMeasure, pinSelf, spawnPinned, startFloor, stop, waitFor, type BenchRequest, type Measure } from './bench/run.ts';
import { generateLargeCodeSystem, LARGE_CS_URL } from './tx/generate-large-codesystem.ts';
import { knowledgeScenarios } from './bench/knowledge.ts';
import { allBombs } from './bench/bombs.ts';
import { measureStall } from './bench/stall.ts';
import { runScaling } from './bench/scaling.ts';
import { runStores } from './bench/stores.ts';
import { runClusterSuite } from './bench/cluster-suite.ts';

/** Suites measured on the one server this script starts. */
const SERVER_SUITES: readonly string[] = ['rest', 'terminology', 'knowledge', 'stall'];
/** Suites that start their own servers (not in the default set). */
const STANDALONE_SUITES: readonly string[] = ['scaling', 'stores', 'cluster'];

/** A benchmark scenario against the server. */
export interface Scenario {
  readonly suite: string;
  readonly name: string;
  readonly request: BenchRequest;
  /** Connections for this scenario (default: --connections). */
  readonly connections?: number;
}

const PROTOCOL_URL = 'https://example.org/fhir/liver-cryoablation/PlanDefinition/liver-tumor-cryoablation';
const WRITE_TOKEN = 'bench-write-token-0123456789';

const REST: readonly Scenario[] = [
  { suite: 'rest', name: 'read CodeSystem/cpt by id', request: { path: '/fhir/CodeSystem/cpt' } },
  { suite: 'rest', name: 'read PlanDefinition (protocol) by id', request: { path: '/fhir/PlanDefinition/liver-tumor-cryoablation' } },
  { suite: 'rest', name: 'search PlanDefinition?url=', request: { path: `/fhir/PlanDefinition?url=${encodeURIComponent(PROTOCOL_URL)}` } },
  {
    suite: 'rest',
    name: 'search PlanDefinition?url=&_include=PlanDefinition:definition',
    request: { path: `/fhir/PlanDefinition?url=${encodeURIComponent(PROTOCOL_URL)}&_include=PlanDefinition:definition` },
  },
];

/** A deterministic PRNG for picking codes (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Loads the large CodeSystem and its value sets into the server; returns scenarios and the load figures. */
async function terminologySetup(base: string, pid: number | undefined, size: number, fhir = '/fhir'): Promise<{ scenarios: Scenario[]; figures: string[] }> {
  const large = generateLargeCodeSystem({ size });
  const { codes } = large;
  const headers = { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${WRITE_TOKEN}` };
  const k = size >= 1000 ? `${Math.round(size / 1000)}k` : String(size);
  const rssBefore = rssMb(pid);
  const body = JSON.stringify(large.codeSystem);
  const t0 = performance.now();
  const put = await fetch(`${base}${fhir}/CodeSystem/${large.codeSystem.id}`, { method: 'PUT', headers: { ...headers, Prefer: 'return=minimal' }, body });
  const putMs = performance.now() - t0;
  if (!put.ok) throw new Error(`PUT large CodeSystem: ${put.status} ${await put.text()}`);
  for (const vs of large.valueSets) {
    const r = await fetch(`${base}${fhir}/ValueSet/${vs.id}`, { method: 'PUT', headers, body: JSON.stringify(vs) });
    if (!r.ok) throw new Error(`PUT ${vs.id}: ${r.status}`);
  }
  const t1 = performance.now();
  const first = await fetch(`${base}${fhir}/CodeSystem/$lookup?system=${encodeURIComponent(LARGE_CS_URL)}&code=${codes[0]}`);
  const indexMs = performance.now() - t1;
  if (!first.ok) throw new Error(`first $lookup: ${first.status}`);
  const isaUrl = large.valueSets.find((v) => v.id === 'large-test-isa')?.url as string;
  const allUrl = large.valueSets.find((v) => v.id === 'large-test-all')?.url as string;
  // Index the is-a value set too, then read memory.
  await fetch(`${base}${fhir}/ValueSet/$expand?url=${encodeURIComponent(isaUrl)}&count=1`);
  await fetch(`${base}${fhir}/ValueSet/$expand?url=${encodeURIComponent(allUrl)}&filter=hepatic&count=1`);
  const rssAfter = rssMb(pid);
  const figures = [
    `Large CodeSystem: ${codes.length.toLocaleString('en-US')} concepts, ${(body.length / 1e6).toFixed(1)} MB of JSON.`,
    `PUT (parse, validate, store in SQLite, index for search): ${putMs.toFixed(0)} ms; terminology index build on first use (first $lookup): ${indexMs.toFixed(0)} ms.`,
    `Server RSS: ${rssBefore?.toFixed(0) ?? '?'} MB before, ${rssAfter?.toFixed(0) ?? '?'} MB after loading and indexing.`,
  ];
  const random = prng(47383);
  const pick = (): string => codes[Math.floor(random() * codes.length)];
  const words = ['hepatic', 'lesion', 'tumor', 'portal', 'segment', 'margin', 'probe', 'vascular'];
  const cs = encodeURIComponent(LARGE_CS_URL);
  const scenarios: Scenario[] = [
    { suite: 'terminology', name: `$lookup (GET, random code of ${k})`, request: { path: `${fhir}/CodeSystem/$lookup?system=${cs}&code=${codes[1]}`, nextPath: () => `${fhir}/CodeSystem/$lookup?system=${cs}&code=${pick()}` } },
    {
      suite: 'terminology',
      name: '$validate-code (GET, ValueSet, random code)',
      request: {
        path: `${fhir}/ValueSet/$validate-code?url=${encodeURIComponent(allUrl)}&system=${cs}&code=${codes[1]}`,
        nextPath: () => `${fhir}/ValueSet/$validate-code?url=${encodeURIComponent(allUrl)}&system=${cs}&code=${pick()}`,
      },
    },
    {
      suite: 'terminology',
      name: `$expand text filter, count=20 (${k} concepts)`,
      request: {
        path: `${fhir}/ValueSet/$expand?url=${encodeURIComponent(allUrl)}&filter=hepatic&count=20`,
        nextPath: () => `${fhir}/ValueSet/$expand?url=${encodeURIComponent(allUrl)}&filter=${words[Math.floor(random() * words.length)]}&count=20`,
      },
    },
    { suite: 'terminology', name: `$expand is-a subset (${large.isaSize.toLocaleString('en-US')} codes)`, request: { path: `${fhir}/ValueSet/$expand?url=${encodeURIComponent(isaUrl)}` } },
  ];
  return { scenarios, figures };
}

function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string' },
      suites: { type: 'string', default: 'rest,terminology,knowledge' },
      'log-level': { type: 'string', default: 'warn' },
      sizes: { type: 'string', default: '10000,100000,1000000' },
      out: { type: 'string', default: 'bench-results' },
      size: { type: 'string', default: '100000' },
      warmup: { type: 'string', default: '1' },
      peer: { type: 'string' },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const suites = new Set(values.suites.split(','));
  const size = Number(values.size);
  const warmup = Number(values.warmup);
  const only = values.only?.split(',');
  const peer = values.peer?.replace(/\/+$/, '');
  const unknown = [...suites].filter((s) => !SERVER_SUITES.includes(s) && !STANDALONE_SUITES.includes(s));
  if (unknown.length > 0) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${[...SERVER_SUITES, ...STANDALONE_SUITES].join(', ')}`);
  pinSelf();
  const standalone = async (): Promise<{ lines: string[]; errors: string[] }> => {
    const lines: string[] = [];
    const errors: string[] = [];
    const suiteOptions = { duration, rounds, warmup, connections };
    if (suites.has('scaling')) lines.push(...(await runScaling({ sizes: values.sizes.split(',').map(Number), duration, connections, outDir: values.out })));
    for (const [name, run] of [['stores', runStores], ['cluster', runClusterSuite]] as const) {
      if (!suites.has(name)) continue;
      const result = await run(suiteOptions);
      lines.push(...result.lines);
      errors.push(...result.errors);
    }
    return { lines, errors };
  };
  if (![...suites].some((s) => SERVER_SUITES.includes(s))) {
    const { lines, errors } = await standalone();
    process.stdout.write(`${lines.join('\n')}\n`);
    if (errors.length > 0) throw new Error(`errors (non-2xx, timeouts) in: ${errors.join('; ')}`);
    return;
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-'));
  const port = await freePort();
  const started = performance.now();
  const server = spawnPinned(['--max-semi-space-size=8', '--expose-gc', 'src/server.ts'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: values['log-level'],
    WRITE_TOKEN,
    MAX_BODY_BYTES: String(256 * 1024 * 1024),
  });
  const base = `http://127.0.0.1:${port}`;
  const rows: { name: string; bytes: number; connections: number; server: Measure; raw: Measure; express: Measure; peer?: Measure }[] = [];
  const notes: string[] = [];
  /** The same terminology scenarios against `--peer`, by name (its origin beside: paths carry the peer's base path). */
  const peerScenarios = new Map<string, Scenario & { origin: string }>();
  const stallLines: string[] = [];
  try {
    await waitFor(`${base}/fhir/metadata`);
    notes.push(`Server start to first /metadata answer (content loaded, fresh store): ${(performance.now() - started).toFixed(0)} ms.`);
    const scenarios: Scenario[] = [];
    if (suites.has('rest')) scenarios.push(...REST);
    if (suites.has('knowledge')) scenarios.push(...knowledgeScenarios());
    if (suites.has('terminology')) {
      const setup = await terminologySetup(base, server.pid, size);
      notes.push(...setup.figures);
      scenarios.push(...setup.scenarios);
      if (peer !== undefined) {
        const url = new URL(peer);
        const peerSetup = await terminologySetup(url.origin, undefined, size, url.pathname.replace(/\/+$/, ''));
        notes.push(...peerSetup.figures.filter((f) => !f.startsWith('Server RSS')).map((f) => `Peer ${peer}: ${f}`));
        for (const ps of peerSetup.scenarios) peerScenarios.set(ps.name, { ...ps, origin: url.origin });
      }
    }
    if (suites.has('stall')) {
      // The fifth client's GET /metadata, idle (the floor) and with four attackers sending the worst bodies.
      const idle = await measureStall(base, [], { probes: 40 });
      const attacked = await measureStall(base, allBombs(), { probes: 40, warmUpMs: 3000 });
      stallLines.push(
        '',
        '| stall: GET /metadata while 4 clients send the worst bodies | p50 ms | p99 ms | max ms | idle p50 ms | idle p99 ms | p50 ratio to idle |',
        '|---|---:|---:|---:|---:|---:|---:|',
        `| ${attacked.probe.count} sequential requests | ${fmt(attacked.probe.medianMs, 1)} | ${fmt(attacked.probe.p99Ms, 1)} | ${fmt(attacked.probe.maxMs, 1)} | ${fmt(idle.probe.medianMs, 1)} | ${fmt(idle.probe.p99Ms, 1)} | ${fmt(attacked.probe.medianMs / idle.probe.medianMs, 1)} |`,
        '',
        '| attacker | requests | statuses | median ms | max ms |',
        '|---|---:|---|---:|---:|',
        ...attacked.attacks.map((a) => `| ${a.name} | ${a.requests} | ${Object.entries(a.statuses).map(([k, v]) => `${k}×${v}`).join(' ')} | ${fmt(a.medianMs, 0)} | ${fmt(a.maxMs, 0)} |`),
      );
    }
    for (const scenario of scenarios.filter((s) => only === undefined || only.some((o) => s.name.includes(o)))) {
      const probe = await fetch(`${base}${scenario.request.path}`, { method: scenario.request.method ?? 'GET', body: scenario.request.body, headers: scenario.request.headers });
      const bytes = (await probe.arrayBuffer()).byteLength;
      if (!probe.ok) throw new Error(`${scenario.name}: ${probe.status}`);
      const conns = scenario.connections ?? connections;
      const raw = await startFloor('raw', bytes);
      const express = await startFloor('express', bytes);
      const results = { server: [] as Measure[], raw: [] as Measure[], express: [] as Measure[], peer: [] as Measure[] };
      const peerScenario = peerScenarios.get(scenario.name);
      try {
        // Warm-up (JIT, caches) — not counted.
        if (warmup > 0) {
          await measure(base, scenario.request, { connections: conns, duration: warmup });
          await measure(raw.url, { path: '/' }, { connections: conns, duration: warmup });
          await measure(express.url, { path: '/' }, { connections: conns, duration: warmup });
        }
        for (let round = 0; round < rounds; round++) {
          results.raw.push(await measure(raw.url, { path: '/' }, { connections: conns, duration }));
          results.express.push(await measure(express.url, { path: '/' }, { connections: conns, duration }));
          results.server.push(await measure(base, scenario.request, { connections: conns, duration }));
          if (peerScenario) results.peer.push(await measure(peerScenario.origin, peerScenario.request, { connections: conns, duration }));
        }
      } finally {
        await raw.stop();
        await express.stop();
      }
      const row = {
        name: scenario.name,
        bytes,
        connections: conns,
        server: medianMeasure(results.server),
        raw: medianMeasure(results.raw),
        express: medianMeasure(results.express),
        peer: results.peer.length > 0 ? medianMeasure(results.peer) : undefined,
      };
      rows.push(row);
      process.stderr.write(`${row.name}: ${fmt(row.server.rps)} req/s (raw ${fmt(row.raw.rps)}, express ${fmt(row.express.rps)})\n`);
    }
  } finally {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const lines = [
    `Node ${process.versions.node}; ${rounds} interleaved rounds of ${duration}s, medians; server LOG_LEVEL=${values['log-level']}; floors answer a fixed body of the scenario's size.`,
    ...notes.map((n) => `- ${n}`),
    '',
    '| scenario | body bytes | conns | req/s | p50 ms | p99 ms | raw node:http req/s | express 5 req/s | ratio to raw | ratio to express | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.bytes} | ${r.connections} | ${fmt(r.server.rps)} | ${fmt(r.server.p50, 1)} | ${fmt(r.server.p99, 1)} | ${fmt(r.raw.rps)} | ${fmt(r.express.rps)} | ${fmt(r.server.rps / r.raw.rps, 2)} | ${fmt(r.server.rps / r.express.rps, 2)} | ${r.server.errors} |`,
    ),
    ...stallLines,
  ];
  const peerRows = rows.filter((r) => r.peer !== undefined);
  if (peerRows.length > 0) {
    lines.push(
      '',
      `Peer: ${peer} (same scenarios and generated CodeSystem, same rounds, interleaved).`,
      '',
      '| scenario | this server req/s | p99 ms | peer req/s | peer p99 ms | this server / peer | this server ratio to raw | peer ratio to raw | peer errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...peerRows.map((r) => {
        const p = r.peer as Measure;
        return `| ${r.name} | ${fmt(r.server.rps)} | ${fmt(r.server.p99, 1)} | ${fmt(p.rps)} | ${fmt(p.p99, 1)} | ${fmt(r.server.rps / p.rps, 2)} | ${fmt(r.server.rps / r.raw.rps, 2)} | ${fmt(p.rps / r.raw.rps, 2)} | ${p.errors} |`;
      }),
    );
  }
  const more = await standalone();
  lines.push(...more.lines);
  process.stdout.write(`${lines.join('\n')}\n`);
  const failed = [...rows.filter((r) => r.server.errors > 0).map((r) => r.name), ...more.errors];
  if (failed.length > 0) throw new Error(`errors (non-2xx, timeouts) in: ${failed.join('; ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
