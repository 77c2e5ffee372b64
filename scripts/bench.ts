/**
 * `npm run bench`: autocannon against the running server and, in the same run, against two floors that
 * answer a fixed body of the same size — raw `node:http` and a bare express 5 app. Servers run as child
 * processes pinned to CPU 1, the load generator to CPU 0; runs are interleaved (floor, floor, server) and
 * the median of the rounds is reported, with each scenario's ratio to both floors.
 *
 * Options: --duration <s> (5) --connections <n> (10) --rounds <n> (3) --only <substring>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, measure, medianMeasure, pinSelf, spawnPinned, startFloor, stop, waitFor, type BenchRequest, type Measure } from './bench/run.ts';

/** A benchmark scenario against the server. */
interface Scenario {
  readonly name: string;
  readonly request: BenchRequest;
  /** Connections for this scenario (default: --connections). */
  readonly connections?: number;
}

const PROTOCOL_URL = 'https://example.org/fhir/liver-cryoablation/PlanDefinition/liver-tumor-cryoablation';

const SCENARIOS: readonly Scenario[] = [
  { name: 'read CodeSystem/cpt by id', request: { path: '/fhir/CodeSystem/cpt' } },
  { name: 'read PlanDefinition (protocol) by id', request: { path: '/fhir/PlanDefinition/liver-tumor-cryoablation' } },
  { name: 'search PlanDefinition?url=', request: { path: `/fhir/PlanDefinition?url=${encodeURIComponent(PROTOCOL_URL)}` } },
  {
    name: 'search PlanDefinition?url=&_include=PlanDefinition:definition',
    request: { path: `/fhir/PlanDefinition?url=${encodeURIComponent(PROTOCOL_URL)}&_include=PlanDefinition:definition` },
  },
];

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
      'log-level': { type: 'string', default: 'warn' },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  pinSelf();

  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-'));
  const port = await freePort();
  const server = spawnPinned(['src/server.ts'], { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: values['log-level'] });
  const base = `http://127.0.0.1:${port}`;
  const rows: { name: string; bytes: number; connections: number; server: Measure; raw: Measure; express: Measure }[] = [];
  try {
    await waitFor(`${base}/healthz`);
    await waitFor(`${base}/fhir/metadata`);
    for (const scenario of SCENARIOS.filter((s) => values.only === undefined || s.name.includes(values.only))) {
      const probe = await fetch(`${base}${scenario.request.path}`, { method: scenario.request.method ?? 'GET', body: scenario.request.body, headers: scenario.request.headers });
      const bytes = (await probe.arrayBuffer()).byteLength;
      if (!probe.ok) throw new Error(`${scenario.name}: ${probe.status}`);
      const conns = scenario.connections ?? connections;
      const raw = await startFloor('raw', bytes);
      const express = await startFloor('express', bytes);
      const results = { server: [] as Measure[], raw: [] as Measure[], express: [] as Measure[] };
      try {
        // Warm-up (JIT, caches) — not counted.
        await measure(base, scenario.request, { connections: conns, duration: 1 });
        await measure(raw.url, { path: '/' }, { connections: conns, duration: 1 });
        await measure(express.url, { path: '/' }, { connections: conns, duration: 1 });
        for (let round = 0; round < rounds; round++) {
          results.raw.push(await measure(raw.url, { path: '/' }, { connections: conns, duration }));
          results.express.push(await measure(express.url, { path: '/' }, { connections: conns, duration }));
          results.server.push(await measure(base, scenario.request, { connections: conns, duration }));
        }
      } finally {
        await raw.stop();
        await express.stop();
      }
      const row = { name: scenario.name, bytes, connections: conns, server: medianMeasure(results.server), raw: medianMeasure(results.raw), express: medianMeasure(results.express) };
      rows.push(row);
      process.stderr.write(`${row.name}: ${fmt(row.server.rps)} req/s (raw ${fmt(row.raw.rps)}, express ${fmt(row.express.rps)})\n`);
    }
  } finally {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const lines = [
    `Node ${process.versions.node}; ${rounds} interleaved rounds of ${duration}s, medians; server LOG_LEVEL=${values['log-level']}; floors answer a fixed body of the scenario's size.`,
    '',
    '| scenario | body bytes | conns | req/s | p50 ms | p99 ms | raw node:http req/s | express 5 req/s | ratio to raw | ratio to express | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.bytes} | ${r.connections} | ${fmt(r.server.rps)} | ${fmt(r.server.p50, 1)} | ${fmt(r.server.p99, 1)} | ${fmt(r.raw.rps)} | ${fmt(r.express.rps)} | ${fmt(r.server.rps / r.raw.rps, 2)} | ${fmt(r.server.rps / r.express.rps, 2)} | ${r.server.errors} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
