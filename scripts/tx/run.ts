/**
 * Runs the HL7 FHIR terminology ecosystem test suite (tests/test-cases.json) against this server and judges
 * the answers as the official Java TxTester does.
 *
 *   node scripts/tx/run.ts <suite-dir> [--base-url URL] [--filter name] [--suite name] [--out dir]
 *                          [--modes general,flat] [--externals file.json] [--tier A|B] [--verbose]
 *                          [--client node-http|fetch|both]
 *
 * Without --base-url it starts this project's server in-process (port 0, empty in-memory store) and talks
 * HTTP to it. Ends with one line per client: `N passed, N failed (client)`.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig (tests/)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { responseToR5, toR4 } from './convert.ts';
import { isObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import { judge } from './judge.ts';
import type { RunningServer } from '../../src/server.ts';
import { startTestServer } from '../../test/helpers/server.ts';
import { TX_CLIENTS, transportFor } from './transport.ts';
import type { Transport, TxClient } from './transport.ts';

/**
 * One test of the manifest.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface ManifestTest {
  readonly name: string;
  readonly operation: string;
  readonly request?: string;
  readonly response?: string;
  readonly profile?: string;
  readonly 'http-code'?: string;
  readonly 'Accept-Language'?: string;
  readonly header?: { readonly name: string; readonly value: string; readonly mode?: string };
  readonly mode?: string;
  readonly modes?: readonly string[];
  readonly disabled?: boolean;
  readonly version?: string;
  readonly [key: string]: unknown;
}

/**
 * One suite of the manifest.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface ManifestSuite {
  readonly name: string;
  readonly mode?: string;
  readonly modes?: readonly string[];
  readonly disabled?: boolean;
  readonly version?: string;
  readonly setup?: readonly string[];
  readonly tests: readonly ManifestTest[];
}

/**
 * Options of a run.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface RunOptions {
  readonly suiteDir: string;
  readonly baseUrl?: string;
  readonly filter?: string;
  readonly suite?: string;
  readonly out?: string;
  readonly modes: ReadonlySet<string>;
  readonly externalsFile?: string;
  /** Only the tests of these recommended tiers (A, B). */
  readonly tiers?: readonly string[];
  readonly verbose?: boolean;
  /** The HTTP clients to run the suite with (`--client node-http|fetch|both`; default node-http). */
  readonly clients: readonly TxClient[];
}

/**
 * The outcome of one test.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface TestResult {
  readonly suite: string;
  readonly test: string;
  readonly status: 'passed' | 'failed' | 'not-run';
  readonly reason?: string;
}

const FHIR_VERSION = '4.0.1';

function readJson(path: string): JsonObject {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return JSON.parse(text) as JsonObject;
}

function gated(item: { mode?: string; modes?: readonly string[]; disabled?: boolean; version?: string }, modes: ReadonlySet<string>): boolean {
  if (item.disabled === true) return false;
  if (item.mode !== undefined && !modes.has(item.mode)) return false;
  if (item.modes !== undefined && !item.modes.some((m) => modes.has(m))) return false;
  if (item.version !== undefined && !FHIR_VERSION.startsWith(item.version)) return false;
  return true;
}

function filesOf(suite: ManifestSuite): string[] {
  const out = [...(suite.setup ?? [])];
  for (const t of suite.tests) {
    if (t.request !== undefined) out.push(t.request);
    if (t.response !== undefined) out.push(t.response);
  }
  return out;
}

/**
 * Builds the request body of a test: request params, one tx-resource per setup file, then the profile params.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export function buildRequest(suiteDir: string, suite: ManifestSuite, test: ManifestTest, modes: ReadonlySet<string>): JsonObject | undefined {
  const reqPath = pickFile(test, 'request', modes);
  if (reqPath === undefined) return undefined;
  const req = readJson(join(suiteDir, reqPath));
  if (req.resourceType === 'Parameters') {
    const params: Json[] = Array.isArray(req.parameter) ? [...req.parameter] : [];
    for (const s of suite.setup ?? []) params.push({ name: 'tx-resource', resource: readJson(join(suiteDir, s)) });
    const profile = readJson(join(suiteDir, test.profile ?? 'parameters-default.json'));
    if (Array.isArray(profile.parameter)) params.push(...profile.parameter);
    req.parameter = params;
  }
  return toR4(req);
}

function pickFile(test: ManifestTest, kind: 'request' | 'response', modes: ReadonlySet<string>): string | undefined {
  for (const m of modes) {
    const alt = test[`${kind}:${m}`];
    if (typeof alt === 'string') return alt;
  }
  return test[kind];
}

function writeOut(dir: string, sub: string, file: string, value: Json): void {
  const path = join(dir, sub, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs the suite; returns the results.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export async function runSuite(options: RunOptions, transport: Transport): Promise<TestResult[]> {
  const manifest = readJson(join(options.suiteDir, 'test-cases.json')) as unknown as { suites: ManifestSuite[] };
  let allowed: Set<string> | undefined;
  if (options.tiers !== undefined) {
    const rec = readJson(join(options.suiteDir, 'recommended-tests.json')) as unknown as Record<string, { suite: string; test: string }[]>;
    allowed = new Set(options.tiers.flatMap((t) => (rec[`tier${t}`] ?? []).map((x) => `${x.suite}/${x.test}`)));
  }
  let externals: Record<string, Record<string, string>> | undefined;
  if (options.externalsFile !== undefined) externals = readJson(options.externalsFile) as unknown as Record<string, Record<string, string>>;
  const results: TestResult[] = [];
  if (options.out !== undefined) {
    rmSync(join(options.out, 'actual'), { recursive: true, force: true });
    rmSync(join(options.out, 'expected'), { recursive: true, force: true });
  }
  for (const suite of manifest.suites) {
    if (options.suite !== undefined && suite.name !== options.suite) continue;
    if (!gated(suite, options.modes)) continue;
    if (!filesOf(suite).every((f) => existsSync(join(options.suiteDir, f)))) continue;
    for (const test of suite.tests) {
      if (options.filter !== undefined && !test.name.includes(options.filter)) continue;
      if (!gated(test, options.modes)) continue;
      if (allowed !== undefined && !allowed.has(`${suite.name}/${test.name}`)) continue;
      const responsePath = pickFile(test, 'response', options.modes);
      if (responsePath === undefined) continue;
      const headers: Record<string, string> = { 'X-Request-Id': `txTests:${suite.name}/${test.name}` };
      if (test['Accept-Language'] !== undefined) headers['Accept-Language'] = test['Accept-Language'];
      if (test.header !== undefined && (test.header.mode === undefined || options.modes.has(test.header.mode))) headers[test.header.name] = test.header.value;
      let reason: string | undefined;
      let passed = false;
      let actual: Json;
      try {
        const body = test.operation === 'metadata' || test.operation === 'term-caps' ? undefined : buildRequest(options.suiteDir, suite, test, options.modes);
        const res = await transport.send({ operation: test.operation, body, headers });
        actual = isObject(res.body) ? responseToR5(res.body) : res.body;
        const expected = readJson(join(options.suiteDir, responsePath));
        const verdict = judge({
          operation: test.operation,
          httpCode: test['http-code'],
          status: res.status,
          body: actual,
          expected,
          options: { fhirVersion: FHIR_VERSION, modes: options.modes, externals: externals?.[responsePath] },
        });
        passed = verdict.passed;
        reason = verdict.reason;
        if (verdict.prepared !== undefined) actual = verdict.prepared;
        if (!passed && options.out !== undefined) {
          writeOut(options.out, 'actual', responsePath, actual);
          writeOut(options.out, 'expected', responsePath, expected);
        }
      } catch (e) {
        reason = `exception: ${e instanceof Error ? e.message : String(e)}`;
      }
      results.push({ suite: suite.name, test: test.name, status: passed ? 'passed' : 'failed', reason });
      if (options.verbose || !passed) {
        console.log(`${passed ? 'PASS' : 'FAIL'} ${suite.name}/${test.name}${reason !== undefined ? ` — ${reason}` : ''}`);
      }
    }
  }
  if (options.out !== undefined) writeOut(options.out, '.', 'test-results.json', results as unknown as Json);
  return results;
}

/** Parses the command line. */
export function parseArgs(argv: readonly string[]): RunOptions {
  const args = [...argv];
  let suiteDir: string | undefined;
  const opts: { baseUrl?: string; filter?: string; suite?: string; out?: string; modes?: string; externals?: string; tiers?: string[]; verbose?: boolean; client?: string } = {};
  while (args.length > 0) {
    const a = args.shift() as string;
    const next = (): string => {
      const v = args.shift();
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--base-url':
        opts.baseUrl = next();
        break;
      case '--filter':
        opts.filter = next();
        break;
      case '--suite':
        opts.suite = next();
        break;
      case '--out':
        opts.out = next();
        break;
      case '--modes':
        opts.modes = next();
        break;
      case '--externals':
        opts.externals = next();
        break;
      case '--tier':
        opts.tiers = next().split(',');
        break;
      case '--client':
        opts.client = next();
        break;
      case '--verbose':
        opts.verbose = true;
        break;
      default:
        if (a.startsWith('--')) throw new Error(`Unknown option ${a}`);
        suiteDir = a;
    }
  }
  suiteDir ??= process.env.TX_TEST_SUITE_DIR;
  if (suiteDir === undefined) throw new Error('usage: tx-tests <suite-dir> [--base-url URL] [--filter name] [--suite name] [--tier A,B] [--out dir] [--client node-http|fetch|both] (or TX_TEST_SUITE_DIR)');
  const client = opts.client ?? 'node-http';
  const clients = client === 'both' ? [...TX_CLIENTS] : TX_CLIENTS.filter((c) => c === client);
  if (clients.length === 0) throw new Error(`--client must be node-http, fetch or both, not ${client}`);
  return {
    suiteDir,
    baseUrl: opts.baseUrl,
    filter: opts.filter,
    suite: opts.suite,
    out: opts.out,
    modes: new Set((opts.modes ?? 'general').split(',').filter((m) => m !== '')),
    externalsFile: opts.externals,
    tiers: opts.tiers,
    verbose: opts.verbose,
    clients,
  };
}

/**
 * The server the suite runs against when no base URL is given: this project's, in-process on a free port,
 * with an empty in-memory store, no content and no write token (started as the HTTP tests start theirs).
 */
export function startTxServer(): Promise<RunningServer> {
  return startTestServer({ content: false, dataDir: ':memory:', env: { WRITE_TOKEN: '' } });
}

/**
 * Runs the suite with one HTTP client against `options.baseUrl`, or against this project's server started
 * in-process on a free port with an empty in-memory store; prints one line per failure and ends with
 * `N passed, N failed`.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export async function runConformance(options: RunOptions, client: TxClient = 'node-http'): Promise<{ passed: number; failed: number; results: readonly TestResult[] }> {
  let server: RunningServer | undefined;
  let baseUrl = options.baseUrl;
  if (baseUrl === undefined) {
    server = await startTxServer();
    baseUrl = server.url;
  }
  try {
    const results = await runSuite(options, transportFor(client, baseUrl));
    const passed = results.filter((r) => r.status === 'passed').length;
    const failed = results.filter((r) => r.status === 'failed').length;
    console.log(`${passed} passed, ${failed} failed (${client})`);
    return { passed, failed, results };
  } finally {
    await server?.close();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  for (const client of options.clients) await runConformance(options, client);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
