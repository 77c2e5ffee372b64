/**
 * The HTTP fuzz test's harness: run settings from the environment (FUZZ_RUNS, FUZZ_SEED), one request on
 * a real socket with a hang bound, and the invariants every answer must keep — never a 5xx, always a JSON
 * body (an OperationOutcome from 400 on), answered within the operation deadline plus a margin. A broken
 * invariant throws an error that names the request and the answer, so the fast-check report carries both
 * next to the seed.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://fast-check.dev/docs/core-blocks/runners/
 */
import fc from 'fast-check';
import { OPERATION_TIME_LIMIT_MS } from '../../src/http/fhir-router.ts';
import { FHIR_JSON } from '../helpers/http.ts';
import { TEST_WRITE_TOKEN } from '../helpers/server.ts';

/**
 * How long an answer may take: the server's per-request operation deadline plus 5 s of margin. This bounds
 * hangs; it is not a performance threshold.
 * @see https://hl7.org/fhir/R4/operationoutcome.html (too-costly)
 */
export const ANSWER_LIMIT_MS = OPERATION_TIME_LIMIT_MS + 5_000;

/** The seed when FUZZ_SEED is unset (so `npm test` is reproducible). */
export const DEFAULT_SEED = 20_241_212;

function envSeed(): number {
  const text = process.env.FUZZ_SEED;
  if (text === undefined || text === '') return DEFAULT_SEED;
  if (text === 'random') return Math.floor(Math.random() * 0x7fffffff);
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", got ${text}`);
  return seed;
}

/** The seed of this run (FUZZ_SEED, `random`, or the default). */
export const SEED = envSeed();

/**
 * Cases of one property: FUZZ_RUNS when set, else the property's own count for `npm test`.
 * @see https://fast-check.dev/docs/configuration/global-settings/
 */
export function runs(inTestSuite: number): number {
  const text = process.env.FUZZ_RUNS;
  return text === undefined || text === '' ? inTestSuite : Math.max(1, Number(text));
}

/**
 * Test timeout of a property of `cases` cases: every case at the hang bound would exceed it, but a
 * correct run stays far below.
 * @see https://vitest.dev/api/#test
 */
export function timeoutFor(cases: number): number {
  return 60_000 + cases * 1_000;
}

/**
 * Runs `property` with the run's seed and `cases` cases; the failure report gives seed, path and the
 * (shrunk) counterexample. FUZZ_SHRINK=0 reports the first failure unshrunk.
 * @see https://fast-check.dev/docs/core-blocks/runners/
 */
export async function check<T>(property: fc.IAsyncPropertyWithHooks<T>, cases: number): Promise<void> {
  await fc.assert(property, { seed: SEED, numRuns: runs(cases), endOnFailure: process.env.FUZZ_SHRINK === '0' });
}

/**
 * One request as sent: method, path and query below the FHIR base, headers, body text.
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface FuzzRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Below the base, starting with `/` (query included). */
  readonly path: string;
  readonly body?: string;
  /** Send the write token (default: on POST and PUT). */
  readonly auth?: boolean | string;
  readonly contentType?: string;
}

/**
 * An answer with its timing.
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface FuzzAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  readonly ms: number;
  /** The parsed body (undefined when there is none). */
  readonly json: unknown;
}

function describe(req: FuzzRequest, detail: string): string {
  const body = req.body === undefined ? '' : `\n  body (${req.body.length} chars): ${req.body.slice(0, 1_500)}`;
  return `${detail}\n  request: ${req.method} ${req.path.slice(0, 1_500)}${body}`;
}

/** Answers by endpoint and status, kept when FUZZ_STATS=1 (to see what the generators reach). */
const stats = new Map<string, number>();

/**
 * The status counts per endpoint so far (FUZZ_STATS=1), one line each; empty otherwise.
 * @see https://hl7.org/fhir/R4/http.html#2.21.0.4
 */
export function statsReport(): string {
  return [...stats.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}: ${n}`)
    .join('\n');
}

function record(req: FuzzRequest, status: number): void {
  if (process.env.FUZZ_STATS !== '1') return;
  const path = req.path.split('?')[0].replace(/^\/(CodeSystem|ValueSet|PlanDefinition|ActivityDefinition|ConceptMap|Library|Questionnaire|NamingSystem)\/(?!\$)[^/]+/, '/$1/[id]');
  const key = `${req.method} ${path} ${status}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

/**
 * Sends `req` to `base` and checks the invariants of every answer; throws (with request and answer) when one breaks.
 * @see https://hl7.org/fhir/R4/http.html#2.21.0.4
 */
export async function send(base: string, req: FuzzRequest): Promise<FuzzAnswer> {
  const headers: Record<string, string> = { accept: FHIR_JSON };
  const auth = req.auth ?? (req.method !== 'GET');
  if (auth !== false) headers.authorization = `Bearer ${auth === true ? TEST_WRITE_TOKEN : auth}`;
  if (req.body !== undefined) headers['content-type'] = req.contentType ?? FHIR_JSON;
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${base}${req.path}`, { method: req.method, headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(ANSWER_LIMIT_MS + 5_000) });
    text = await response.text();
  } catch (err) {
    throw new Error(describe(req, `no answer after ${Math.round(performance.now() - started)} ms: ${String(err)}`), { cause: err });
  }
  const ms = performance.now() - started;
  record(req, response.status);
  if (process.env.FUZZ_TRACE !== undefined && req.path.includes(process.env.FUZZ_TRACE)) console.log(`${req.method} ${req.path.slice(0, 200)} ${(req.body ?? '').slice(0, 300)}\n  -> ${response.status} ${text.slice(0, 300)}`);
  const contentType = response.headers.get('content-type');
  const answer = `  answer: ${response.status} ${contentType ?? ''} after ${Math.round(ms)} ms: ${text.slice(0, 1_500)}`;
  const fail = (what: string): Error => new Error(describe(req, `${what}\n${answer}`));
  if (response.status >= 500) throw fail(`server error ${response.status}`);
  if (ms >= ANSWER_LIMIT_MS) throw fail(`answered after ${Math.round(ms)} ms, past the ${ANSWER_LIMIT_MS} ms bound`);
  let json: unknown;
  if (text !== '' || response.status !== 204) {
    if (!/^application\/(fhir\+)?json\b/i.test(contentType ?? '')) throw fail('the answer is not JSON (Content-Type)');
    try {
      json = JSON.parse(text);
    } catch {
      throw fail('the body does not parse as JSON');
    }
    if (response.status >= 400 && (json as { resourceType?: unknown } | null)?.resourceType !== 'OperationOutcome') throw fail('an error answer without an OperationOutcome');
    if (/\n\s+at .+\(.+:\d+:\d+\)|node_modules\//.test(text)) throw fail('the answer shows a stack trace');
  }
  return { status: response.status, contentType, text, ms, json };
}

/**
 * Throws a described error when `ok` is false (for invariants checked after the answer).
 * @see https://fast-check.dev/docs/core-blocks/properties/
 */
export function ensure(ok: boolean, req: FuzzRequest, answer: FuzzAnswer, what: string): void {
  if (!ok) throw new Error(describe(req, `${what}\n  answer: ${answer.status} after ${Math.round(answer.ms)} ms: ${answer.text.slice(0, 1_500)}`));
}
