/**
 * `npm run tx-tests -- <suite-dir> [options]` (or TX_TEST_SUITE_DIR): runs HL7's terminology ecosystem test
 * suite against this server (started in-process unless --base-url is given), writes the differing
 * actual/expected pairs to --out (default tmp/tx-results; tmp/tx-results/<client> with `--client both`), and
 * ends with `N passed, N failed (client)` per client.
 * `--client node-http|fetch|both` (default node-http) picks the HTTP client: `fetch` keeps fetch's default
 * headers (`Accept-Language: *` …); `both` runs the suite with each and exits 1 unless the counts are equal.
 * With --check-floor it exits 1 when fewer tests pass than the floor committed in scripts/tx/floor.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, runConformance, startTxServer } from './tx/run.ts';
import type { TestResult } from './tx/run.ts';
import { runSubsumesChecks } from './tx/subsumes-checks.ts';

const FLOOR_FILE = new URL('./tx/floor.json', import.meta.url);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const checkFloor = argv.includes('--check-floor');
  const rest = argv.filter((a) => a !== '--check-floor');
  const parsed = parseArgs(rest.includes('--out') ? rest : [...rest, '--out', 'tmp/tx-results']);
  // The server under test: --base-url, or this project's server on a free port with an empty in-memory store.
  const server = parsed.baseUrl === undefined ? await startTxServer() : undefined;
  const baseUrl = parsed.baseUrl ?? (server?.url as string);
  const runs: { client: string; passed: number; results: readonly TestResult[] }[] = [];
  let subsumes;
  try {
    for (const client of parsed.clients) {
      const out = parsed.out !== undefined && parsed.clients.length > 1 ? join(parsed.out, client) : parsed.out;
      const { passed, results } = await runConformance({ ...parsed, baseUrl, out }, client);
      runs.push({ client, passed, results });
    }
    subsumes = await runSubsumesChecks(parsed.suiteDir, baseUrl);
  } finally {
    await server?.close();
  }
  for (const failure of subsumes.failures) process.stderr.write(`FAIL ${failure}\n`);
  process.stderr.write(`own $subsumes checks on the suite's simple code system: ${subsumes.passed} passed, ${subsumes.failures.length} failed\n`);
  if (subsumes.failures.length > 0) process.exitCode = 1;
  for (const run of runs) {
    const failedBySuite = new Map<string, number>();
    for (const r of run.results) if (r.status === 'failed') failedBySuite.set(r.suite, (failedBySuite.get(r.suite) ?? 0) + 1);
    if (failedBySuite.size > 0) {
      process.stderr.write(`failing by suite (${run.client}): ${[...failedBySuite].map(([s, n]) => `${s} ${n}`).join(', ')}\n`);
    }
  }
  if (runs.length > 1 && new Set(runs.map((r) => r.passed)).size > 1) {
    process.stderr.write(`tx-tests: the clients disagree: ${runs.map((r) => `${r.client} ${r.passed} passed`).join(', ')}\n`);
    process.exitCode = 1;
  }
  if (checkFloor) {
    const floor = (JSON.parse(readFileSync(FLOOR_FILE, 'utf8')) as { passed: number }).passed;
    for (const run of runs) {
      if (run.passed < floor) {
        process.stderr.write(`tx-tests: ${run.passed} passed (${run.client}) is below the floor of ${floor} (scripts/tx/floor.json)\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`tx-tests: ${run.passed} passed (${run.client}), floor ${floor}\n`);
      }
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
