/**
 * `npm run tx-tests -- <suite-dir> [options]` (or TX_TEST_SUITE_DIR): runs HL7's terminology ecosystem test
 * suite against this server (started in-process unless --base-url is given), writes the differing
 * actual/expected pairs to --out (default tmp/tx-results), and ends with `N passed, N failed`.
 * With --check-floor it exits 1 when fewer tests pass than the floor committed in scripts/tx/floor.json.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, runConformance } from './tx/run.ts';

const FLOOR_FILE = new URL('./tx/floor.json', import.meta.url);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const checkFloor = argv.includes('--check-floor');
  const rest = argv.filter((a) => a !== '--check-floor');
  const options = parseArgs(rest.includes('--out') ? rest : [...rest, '--out', 'tmp/tx-results']);
  const { passed, results } = await runConformance(options);
  const failedBySuite = new Map<string, number>();
  for (const r of results) if (r.status === 'failed') failedBySuite.set(r.suite, (failedBySuite.get(r.suite) ?? 0) + 1);
  if (failedBySuite.size > 0) {
    process.stderr.write(`failing by suite: ${[...failedBySuite].map(([s, n]) => `${s} ${n}`).join(', ')}\n`);
  }
  if (checkFloor) {
    const floor = (JSON.parse(readFileSync(FLOOR_FILE, 'utf8')) as { passed: number }).passed;
    if (passed < floor) {
      process.stderr.write(`tx-tests: ${passed} passed is below the floor of ${floor} (scripts/tx/floor.json)\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`tx-tests: ${passed} passed, floor ${floor}\n`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
