/**
 * No client can stall the others (issue 12): four attackers send the worst request bodies found by the
 * hardening review in a loop — 99,999 bogus `compose.include` entries, 150,000 unknown keys, a flat
 * 99,999-concept CodeSystem, a `$apply` data entry `{"resource": null}` — while a fifth client asks for
 * `/metadata`. Before the work bounds, the first body alone held the event loop for minutes.
 *
 * No absolute time is asserted: the probe is compared with the bombs in the same run. Were the event loop
 * held while a bomb is handled, each probe would wait for at least one whole bomb; so the probe's median must
 * stay under half of the costliest bomb's median, whatever the speed of the machine. This test catches a
 * stall, it does not measure speed — `npm run bench -- --suites stall` does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allBombs } from '../../scripts/bench/bombs.ts';
import { measureStall } from '../../scripts/bench/stall.ts';
import { spawnServer, type ChildServer } from '../helpers/child-server.ts';

let server: ChildServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fhir-stall-'));
  server = await spawnServer({ dataDir, contentDir: 'fhir-resources' });
}, 90_000);

afterAll(async () => {
  await server?.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('four clients sending the worst bodies in a loop', () => {
  it('leave a fifth client answered promptly, and each of them answered without a 5xx', async () => {
    const result = await measureStall(new URL(server.base).origin, allBombs(), { probes: 40, warmUpMs: 3000 });
    expect(result.probe.statuses).toEqual({ 200: 40 });
    const costliest = Math.max(...result.attacks.map((a) => a.medianMs));
    expect(result.probe.medianMs, JSON.stringify(result)).toBeLessThan(costliest / 2);
    for (const attack of result.attacks) {
      expect(attack.requests, attack.name).toBeGreaterThan(0);
      for (const status of Object.keys(attack.statuses)) expect(Number(status), `${attack.name}: ${JSON.stringify(attack.statuses)}`).toBeLessThan(500);
      expect(attack.statuses[0], `${attack.name}: connections failed`).toBeUndefined();
    }
  }, 120_000);
});
