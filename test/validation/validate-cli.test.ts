/**
 * `npm run validate` (scripts/validate.ts) as a user runs it: one line per issue naming the file and the
 * element, a summary, exit code 1 on errors, 0 otherwise, and a `--json` report.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_DIR } from './helpers.ts';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'validate.ts');
const PROTOCOL_FILE = 'PlanDefinition-liver-tumor-cryoablation.json';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function runValidate(args: readonly string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const failure = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

describe('npm run validate', () => {
  let dir: string;
  let brokenFile: string;
  let cleanFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'validate-cli-'));
    await mkdtemp(join(dir, 'clean-')).then(async (cleanDir) => {
      cleanFile = join(cleanDir, PROTOCOL_FILE);
      await copyFile(join(CONTENT_DIR, PROTOCOL_FILE), cleanFile);
    });
    const brokenDir = await mkdtemp(join(dir, 'broken-'));
    brokenFile = join(brokenDir, PROTOCOL_FILE);
    const protocol = JSON.parse(await readFile(join(CONTENT_DIR, PROTOCOL_FILE), 'utf8')) as Record<string, unknown>;
    await writeFile(brokenFile, JSON.stringify({ ...protocol, status: 'nonsense' }, null, 2));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 for an unchanged copy of a content file', async () => {
    const run = await runValidate([cleanFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 file\(s\) checked, 0 with errors: 0 error\(s\)/);
  });

  it('exits 1 and names the file and the element when one field is broken', async () => {
    const run = await runValidate([brokenFile]);
    expect(run.code).toBe(1);
    const line = run.stdout.split('\n').find((l) => l.includes('PlanDefinition.status'));
    expect(line).toContain(brokenFile);
    expect(line).toContain('error');
    expect(line).toContain('nonsense');
    expect(run.stdout).toMatch(/1 file\(s\) checked, 1 with errors: 1 error\(s\)/);
  });

  it('prints a machine-readable report with --json', async () => {
    const run = await runValidate(['--json', brokenFile]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      valid: boolean;
      summary: { files: number; errors: number; warnings: number; information: number };
      files: { file: string; resourceType: string; id: string; issues: { severity: string; code: string; check: string; expression: string; message: string }[] }[];
    };
    expect(report.valid).toBe(false);
    // The two warnings: the review's CQL conditions use text/cql-identifier, outside Expression.language's extensible binding.
    expect(report.summary).toEqual({ files: 1, errors: 1, warnings: 2, information: 0 });
    expect(report.files).toHaveLength(1);
    expect(report.files[0]).toMatchObject({ file: brokenFile, resourceType: 'PlanDefinition', id: 'liver-tumor-cryoablation' });
    expect(report.files[0].issues.filter((i) => i.severity === 'error')).toEqual([
      expect.objectContaining({ severity: 'error', code: 'code-invalid', check: 'binding', expression: 'PlanDefinition.status' }),
    ]);
    expect(report.files[0].issues[0].message).toContain('nonsense');
  });

  it('judges a file alone with --no-context: its references into the package no longer resolve', async () => {
    const run = await runValidate(['--no-context', cleanFile]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/PlanDefinition\.action\[\d+\](\.action\[\d+\])*\.definition\.ofType\(canonical\)\s+error\s+Canonical reference .* does not resolve/);
  });

  it('exits 2 for a path that does not exist', async () => {
    const run = await runValidate([join(dir, 'no-such-file.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no-such-file.json');
  });
});
