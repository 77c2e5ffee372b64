/**
 * The real server as a child process (`node src/server.ts`), for durability tests: started on port 0 with
 * its own data folder, its local URL read from the JSON `listening` log line (`localUrl`), stopped by a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_WRITE_TOKEN } from './server.ts';

/**
 * The project folder (where `npm start` runs).
 * @see https://docs.npmjs.com/cli/v10/commands/npm-start
 */
export const PROJECT_DIR = resolve(import.meta.dirname, '../..');
/**
 * The Node 24 binary of the `node` devDependency.
 * @see https://www.npmjs.com/package/node
 */
export const NODE_BIN = resolve(PROJECT_DIR, 'node_modules/.bin/node');

/**
 * How long a child may take to start, load its content and log `listening` before the test gives up.
 * @see https://nodejs.org/api/child_process.html
 */
export const CHILD_START_LIMIT_MS = 60_000;

/**
 * How a child ended.
 * @see https://nodejs.org/api/child_process.html#event-exit
 */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A running child server.
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface ChildServer {
  /** FHIR base URL as bound (`http://127.0.0.1:<port>/fhir`). */
  readonly base: string;
  readonly process: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: readonly Record<string, unknown>[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** Sends `signal` and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<ChildExit>;
}

/**
 * Options of `spawnServer`.
 * @see https://nodejs.org/api/child_process.html#child_processspawncommand-args-options
 */
export interface ChildOptions {
  readonly dataDir: string;
  /** Content folder ('' loads none). */
  readonly contentDir: string;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts `node src/server.ts` with PORT=0 and LOG_LEVEL=info and resolves once it logs `listening`.
 * @see https://nodejs.org/api/child_process.html
 */
export function spawnServer(options: ChildOptions): Promise<ChildServer> {
  const child = spawn(NODE_BIN, ['src/server.ts'], {
    cwd: PROJECT_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      CONTENT_DIR: options.contentDir,
      WRITE_TOKEN: TEST_WRITE_TOKEN,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ChildExit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return new Promise<ChildServer>((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`the server did not log "listening" within ${CHILD_START_LIMIT_MS} ms; stderr: ${stderr.slice(0, 2000)}`));
    }, CHILD_START_LIMIT_MS);
    void exited.then((exit) => {
      clearTimeout(timer);
      rejectStart(new Error(`the server exited before listening (${JSON.stringify(exit)}); stderr: ${stderr.slice(0, 2000)}`));
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'listening' && typeof entry.localUrl === 'string') {
        clearTimeout(timer);
        resolveStart({
          base: entry.localUrl,
          process: child,
          logs,
          exited,
          stop: (signal) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}
