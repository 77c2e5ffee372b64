/**
 * `npm run fuzz`: the HTTP fuzz test (test/fuzz/) with more cases and a random seed. Settings from the
 * environment: FUZZ_RUNS (cases per property, default 500), FUZZ_SEED (an integer; default random, printed
 * so a failing run can be replayed), FUZZ_SHRINK=0 (report the first failure unshrunk), FUZZ_STATS=1
 * (print the answers by endpoint and status). Exits with vitest's status.
 *
 * @see https://fast-check.dev/docs/core-blocks/runners/
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const projectDir = resolve(import.meta.dirname, '..');
const seed = process.env.FUZZ_SEED !== undefined && process.env.FUZZ_SEED !== '' ? process.env.FUZZ_SEED : String(Math.floor(Math.random() * 0x7fffffff));
const runs = process.env.FUZZ_RUNS !== undefined && process.env.FUZZ_RUNS !== '' ? process.env.FUZZ_RUNS : '500';
console.log(`fuzz: FUZZ_RUNS=${runs} FUZZ_SEED=${seed} (set both to replay this run)`);
const result = spawnSync(process.execPath, [resolve(projectDir, 'node_modules/vitest/vitest.mjs'), 'run', 'test/fuzz', ...process.argv.slice(2)], {
  cwd: projectDir,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
