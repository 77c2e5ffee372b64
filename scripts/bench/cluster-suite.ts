/**
 * Suite `cluster` of `npm run bench` (not in the default set: it needs PostgreSQL and nginx): two clusters of
 * `npm run cluster` (scripts/cluster.ts) side by side — one replica behind nginx and two replicas behind nginx,
 * each over its own PostgreSQL — measured in the same interleaved rounds with the raw `node:http` floor:
 *
 * - one replica direct vs the same replica through nginx: what the balancer costs per request (by Little's
 *   law, connections / req/s is the mean time a request takes; the difference is nginx's share);
 * - one replica vs two behind nginx, for read by id and `$lookup` at 10 and 50 connections.
 *
 * Replicas, nginx and PostgreSQL are not pinned (the load generator is, to CPU 0), so on a 2-core machine two
 * replicas share one core's worth of CPU with nginx and PostgreSQL.
 *
 * @see https://nginx.org/en/docs/http/ngx_http_upstream_module.html
 */
import { CLUSTER_WRITE_TOKEN, findNginx, startCluster, type Cluster } from '../cluster.ts';
import { fmt, loadLookupCodeSystem, measureTargets, pgMissing, targetReport, type SuiteOptions, type TargetScenario } from './stores.ts';
import type { BenchRequest, Measure } from './run.ts';

const READ = { path: '/fhir/PlanDefinition/liver-tumor-cryoablation' };

/** Waits until every origin answers `request` with 200 (a replica's follower has applied the write). */
async function untilServed(origins: readonly string[], request: BenchRequest, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (const origin of origins) {
    for (;;) {
      const res = await fetch(`${origin}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
      await res.arrayBuffer();
      if (res.ok) break;
      if (Date.now() > until) throw new Error(`${origin}${request.path} still ${res.status} after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function scenarios(lookup: BenchRequest): TargetScenario[] {
  return [
    { name: 'read PlanDefinition (protocol) by id', connections: 1, request: READ },
    { name: 'read PlanDefinition (protocol) by id', connections: 10, request: READ },
    { name: 'read PlanDefinition (protocol) by id', connections: 50, request: READ },
    { name: '$lookup (POST, random code of 10,000)', connections: 10, request: lookup },
    { name: '$lookup (POST, random code of 10,000)', connections: 50, request: lookup },
  ];
}

/** Mean milliseconds per request in a closed loop of `connections` clients (Little's law). */
function meanMs(m: Measure, connections: number): number {
  return (connections / m.rps) * 1000;
}

/** Runs the `cluster` suite; returns its markdown lines. Throws a clear error when PostgreSQL or nginx is missing. */
export async function runClusterSuite(options: SuiteOptions): Promise<{ lines: string[]; errors: string[] }> {
  const missing = pgMissing('cluster') ?? (findNginx() ? undefined : 'suite cluster needs nginx: it is not installed (apt-get install nginx).');
  if (missing) throw new Error(missing);
  const clusters: Cluster[] = [];
  try {
    const one = await startCluster({ replicas: 1 });
    clusters.push(one);
    const two = await startCluster({ replicas: 2 });
    clusters.push(two);
    const origin = (base: string): string => new URL(base).origin;
    const direct = origin(one.replicas[0]?.base as string);
    const { request: lookup } = await loadLookupCodeSystem(origin(one.base), CLUSTER_WRITE_TOKEN);
    await loadLookupCodeSystem(origin(two.base), CLUSTER_WRITE_TOKEN);
    await untilServed([direct, ...two.replicas.map((r) => origin(r.base))], lookup);
    const targets = { direct, oneLb: origin(one.base), twoLb: origin(two.base) };
    const rows = await measureTargets(targets, scenarios(lookup), options);
    return targetReport('cluster', rows, {
      heading: `Cluster (${options.rounds} interleaved rounds of ${options.duration} s, medians; replicas, nginx and PostgreSQL unpinned, load generator on CPU 0; nginx: 1 worker, upstream keepalive):`,
      columns: ['1 replica direct req/s', 'p99 ms', '1 replica via nginx req/s', 'p99 ms', '2 replicas via nginx req/s', 'p99 ms', 'nginx / direct', '2 / 1 replicas (via nginx)', 'ms nginx adds per request'],
      cells: (r) => {
        const d = r.targets.direct as Measure;
        const a = r.targets.oneLb as Measure;
        const b = r.targets.twoLb as Measure;
        const added = meanMs(a, r.connections) - meanMs(d, r.connections);
        return [fmt(d.rps), fmt(d.p99, 1), fmt(a.rps), fmt(a.p99, 1), fmt(b.rps), fmt(b.p99, 1), fmt(a.rps / d.rps, 2), fmt(b.rps / a.rps, 2), fmt(added, 2)];
      },
    });
  } finally {
    for (const cluster of clusters) await cluster.stop();
  }
}
