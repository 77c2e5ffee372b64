/**
 * A small HTTP client for the FHIR endpoint tests: `fetch` with the FHIR media type, the write token on
 * writes, and helpers that assert what every error answer must look like (an OperationOutcome, FHIR JSON,
 * `nosniff`, no stack trace).
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import { TEST_WRITE_TOKEN } from './server.ts';

/**
 * The FHIR JSON media type.
 * @see https://hl7.org/fhir/R4/http.html#mime-type
 */
export const FHIR_JSON = 'application/fhir+json';

/**
 * An answer, with its body read once.
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  /** The body as text ('' when there is none). */
  readonly text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = Resource>(): T;
}

/**
 * Options of one request.
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface RequestOptions {
  /** A resource (sent as JSON) or raw text. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send `Authorization: Bearer <token>` (default: true for POST/PUT/DELETE, false otherwise). */
  readonly auth?: boolean;
}

/**
 * A client bound to one FHIR base URL.
 * @see https://hl7.org/fhir/R4/http.html#general
 */
export interface FhirHttp {
  /** The base the requests go to (`http://127.0.0.1:<port>/fhir`). */
  readonly base: string;
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResult>;
  get(path: string, headers?: Readonly<Record<string, string>>): Promise<HttpResult>;
  post(path: string, body: unknown, headers?: Readonly<Record<string, string>>): Promise<HttpResult>;
  put(path: string, body: unknown, headers?: Readonly<Record<string, string>>): Promise<HttpResult>;
  delete(path: string, headers?: Readonly<Record<string, string>>): Promise<HttpResult>;
}

/**
 * Wraps a fetch Response, reading the body once.
 * @see https://hl7.org/fhir/R4/http.html
 */
export async function toResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json<T>(): T {
      return JSON.parse(text) as T;
    },
  };
}

/**
 * Creates a client of `base` (or of the base a function gives when called, for a server that starts in
 * `beforeAll`: `fhirHttp(() => server.base)`); writes carry the test write token unless told otherwise.
 * @see https://hl7.org/fhir/R4/http.html
 */
export function fhirHttp(base: string | (() => string), token: string = TEST_WRITE_TOKEN): FhirHttp {
  const baseOf = typeof base === 'string' ? () => base : base;
  async function request(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: FHIR_JSON };
    const write = method === 'POST' || method === 'PUT' || method === 'DELETE';
    if (options.auth ?? write) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = FHIR_JSON;
    }
    for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = value;
    const url = path.startsWith('http') ? path : `${baseOf()}${path}`;
    return toResult(await fetch(url, { method, headers, body }));
  }
  return {
    get base() {
      return baseOf();
    },
    request,
    get: (path, headers) => request('GET', path, { headers }),
    post: (path, body, headers) => request('POST', path, { body, headers }),
    put: (path, body, headers) => request('PUT', path, { body, headers }),
    delete: (path, headers) => request('DELETE', path, { headers }),
  };
}

/**
 * Asserts an error answer: the status, an OperationOutcome body sent as FHIR JSON with `nosniff`, an issue
 * of one of `codes` (when given), and no stack trace in the text.
 * @returns the OperationOutcome
 * @see https://hl7.org/fhir/R4/http.html#2.21.0.4
 */
export function expectOutcome(res: HttpResult, status: number, codes?: readonly string[]): OperationOutcome {
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json; ?charset=utf-8$/i);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const outcome = res.json<OperationOutcome>();
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue?.length ?? 0).toBeGreaterThan(0);
  if (codes !== undefined) expect(codes).toContain(outcome.issue?.[0]?.code);
  expect(res.text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  expect(res.text).not.toMatch(/node_modules|\/src\/.+\.ts/);
  return outcome;
}

/**
 * Asserts a searchset (or history) Bundle and returns it.
 * @see https://hl7.org/fhir/R4/bundle.html
 */
export function expectBundle(res: HttpResult, type: 'searchset' | 'history' = 'searchset'): Bundle {
  expect(res.status, res.text.slice(0, 500)).toBe(200);
  const bundle = res.json<Bundle>();
  expect(bundle.resourceType).toBe('Bundle');
  expect(bundle.type).toBe(type);
  return bundle;
}

/**
 * Entries of a searchset in `match` mode.
 * @see https://hl7.org/fhir/R4/search.html#return
 */
export function matches(bundle: Bundle): BundleEntry[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
}

/**
 * `Type/id` of each match of a searchset.
 * @see https://hl7.org/fhir/R4/search.html#return
 */
export function matchIds(bundle: Bundle): string[] {
  return matches(bundle).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
}

/**
 * The URL of a Bundle link, or undefined.
 * @see https://hl7.org/fhir/R4/http.html#paging
 */
export function link(bundle: Bundle, relation: string): string | undefined {
  return bundle.link?.find((l) => l.relation === relation)?.url;
}

/**
 * Asserts the server still answers `GET /metadata` with its CapabilityStatement.
 * @see https://hl7.org/fhir/R4/http.html#capabilities
 */
export async function expectServerAlive(api: FhirHttp): Promise<void> {
  const res = await api.get('/metadata');
  expect(res.status).toBe(200);
  expect(res.json().resourceType).toBe('CapabilityStatement');
}

let counter = 0;

/**
 * A short unique token for urls and ids of resources a test creates (so tests stay independent).
 * @see https://hl7.org/fhir/R4/datatypes.html#id
 */
export function unique(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${counter.toString(36)}`;
}
