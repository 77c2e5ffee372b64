/**
 * `npm start` stops on SIGTERM (what a process manager or `kill` sends to the process it started): the
 * signal must reach the server, not leave it orphaned and still answering after npm is gone. The start
 * script `exec`s node, so npm's child is the server itself and npm forwards the signal to it.
 *
 * @see https://docs.npmjs.com/cli/v11/commands/npm-run-script
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_START_LIMIT_MS, PROJECT_DIR } from '../helpers/child-server.ts';

/** How long the server may take to stop after the signal before the test calls it orphaned. */
const STOP_LIMIT_MS = 10_000;

const dataDir = mkdtempSync(join(tmpdir(), 'fhir-npm-start-'));
let npm: ChildProcess | undefined;
let serverPid: number | undefined;

afterAll(() => {
  // Whatever the outcome, leave no server behind: npm runs in its own process group (an orphaned server
  // keeps it), and the server's own pid is known from its log.
  const targets = [npm?.pid === undefined ? undefined : -npm.pid, serverPid];
  for (const pid of targets) {
    if (pid === undefined) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `npm start` and resolves with the server's URL and pid from its `listening` log line. */
function startNpm(): Promise<{ url: string; pid: number }> {
  npm = spawn('npm', ['start'], {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_DIR: '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const child = npm;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('npm start did not log "listening"')), CHILD_START_LIMIT_MS);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.startsWith('{')) return; // npm's own "> start" banner
      const entry = JSON.parse(line) as { msg?: string; localUrl?: string; pid?: number };
      if (entry.msg === 'listening' && typeof entry.localUrl === 'string' && typeof entry.pid === 'number') {
        clearTimeout(timer);
        resolve({ url: entry.localUrl, pid: entry.pid });
      }
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/metadata`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it('stops answering once SIGTERM is sent to the npm process', async () => {
    const { url, pid } = await startNpm();
    serverPid = pid;
    expect(await answers(url)).toBe(true);

    npm?.kill('SIGTERM');
    const deadline = Date.now() + STOP_LIMIT_MS;
    while ((await answers(url)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await answers(url), `the server (pid ${pid}) still answers ${STOP_LIMIT_MS} ms after npm got SIGTERM`).toBe(false);
  });
});
