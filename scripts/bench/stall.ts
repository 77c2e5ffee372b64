/**
 * The stall measurement (issue 12): attackers send the worst request bodies ({@link ./bombs.ts}) in a loop,
 * each on its own connection, while a probe client sends `GET /metadata` one at a time and records how long
 * each answer took. Used by the stall test (median asserted loosely) and by `npm run bench -- --suites stall`
 * (the same probe against an idle server first, as the floor).
 *
 * @see https://hl7.org/fhir/R4/http.html#capabilities
 */
import { Agent, request } from 'node:http';
import type { Bomb } from './bombs.ts';

/** One HTTP exchange's outcome. */
interface Exchange {
  readonly status: number;
  readonly ms: number;
}

/** What an attacker saw. */
export interface AttackSummary {
  readonly name: string;
  readonly requests: number;
  /** Status codes answered, with counts. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly medianMs: number;
  readonly maxMs: number;
}

/** What the probe saw, and what the attackers saw meanwhile. */
export interface StallResult {
  readonly probe: { readonly count: number; readonly medianMs: number; readonly p99Ms: number; readonly maxMs: number; readonly statuses: Readonly<Record<string, number>> };
  readonly attacks: readonly AttackSummary[];
}

function send(base: string, agent: Agent, method: string, path: string, body?: string): Promise<Exchange> {
  const url = new URL(path, base);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      url,
      { method, agent, headers: { accept: 'application/fhir+json', ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function countStatuses(exchanges: readonly Exchange[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of exchanges) counts[e.status] = (counts[e.status] ?? 0) + 1;
  return counts;
}

/**
 * Runs the attackers (one connection each, in a loop until the probe is done) and the probe.
 * @param base - the server's origin (`http://127.0.0.1:port`)
 * @param options.probes - how many `/metadata` requests the probe sends
 * @param options.spacingMs - pause between two probe requests
 * @param options.warmUpMs - how long the attackers run before the probe starts
 * @see https://hl7.org/fhir/R4/http.html#capabilities
 */
export async function measureStall(
  base: string,
  bombs: readonly Bomb[],
  options: { readonly probes?: number; readonly spacingMs?: number; readonly warmUpMs?: number } = {},
): Promise<StallResult> {
  const probes = options.probes ?? 40;
  const spacingMs = options.spacingMs ?? 50;
  let running = true;
  const attackers = bombs.map(async (bomb) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const seen: Exchange[] = [];
    while (running) seen.push(await send(base, agent, 'POST', bomb.path, bomb.body));
    agent.destroy();
    return { bomb, seen };
  });
  await new Promise((r) => setTimeout(r, options.warmUpMs ?? (bombs.length === 0 ? 0 : 1000)));
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const probeSeen: Exchange[] = [];
  for (let i = 0; i < probes; i++) {
    probeSeen.push(await send(base, probeAgent, 'GET', '/fhir/metadata'));
    await new Promise((r) => setTimeout(r, spacingMs));
  }
  probeAgent.destroy();
  running = false;
  const attacks = (await Promise.all(attackers)).map(({ bomb, seen }): AttackSummary => {
    const ms = seen.map((e) => e.ms).sort((a, b) => a - b);
    return { name: bomb.name, requests: seen.length, statuses: countStatuses(seen), medianMs: quantile(ms, 0.5), maxMs: ms.at(-1) ?? Number.NaN };
  });
  const ms = probeSeen.map((e) => e.ms).sort((a, b) => a - b);
  return {
    probe: { count: probeSeen.length, medianMs: quantile(ms, 0.5), p99Ms: quantile(ms, 0.99), maxMs: ms.at(-1) ?? Number.NaN, statuses: countStatuses(probeSeen) },
    attacks,
  };
}
