/**
 * How the terminology test runner reaches the server: over HTTP (POST Parameters to the operation
 * endpoints, GET /metadata), as HL7's runner does.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://hl7.org/fhir/R4/operations.html
 */
import { request as nodeHttpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Json } from './json.ts';

/**
 * A request of one test.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface TxRequest {
  readonly operation: string;
  readonly body?: Json;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A response: status and parsed body.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface TxResponse {
  readonly status: number;
  readonly body: Json;
}

/**
 * Sends test requests somewhere.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
export interface Transport {
  readonly name: string;
  send(request: TxRequest): Promise<TxResponse>;
}

/**
 * Endpoint (type-level path) of each operation of the suite.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
export const OPERATION_PATHS: Readonly<Record<string, string>> = {
  expand: 'ValueSet/$expand',
  'validate-code': 'ValueSet/$validate-code',
  'cs-validate-code': 'CodeSystem/$validate-code',
  lookup: 'CodeSystem/$lookup',
  translate: 'ConceptMap/$translate',
  'batch-validate': 'ValueSet/$batch-validate-code',
  compare: 'ValueSet/$compare',
};

/**
 * The HTTP clients the runner can use: `node-http` sends only the headers the HL7 runner sends; `fetch` sends
 * them through the global `fetch`, which adds its own defaults (`Accept-Language: *`, `Accept-Encoding`,
 * `Sec-Fetch-Mode`, `User-Agent: node`) as every browser and Node client does.
 *
 * @see https://fetch.spec.whatwg.org/#http-network-or-cache-fetch
 */
export const TX_CLIENTS = ['node-http', 'fetch'] as const;
/**
 * One HTTP client of the runner.
 *
 * @see https://fetch.spec.whatwg.org/#http-network-or-cache-fetch
 */
export type TxClient = (typeof TX_CLIENTS)[number];

interface PreparedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

function prepare(baseUrl: string, request: TxRequest): PreparedRequest {
  const headers: Record<string, string> = { Accept: 'application/fhir+json; fhirVersion=4.0', ...request.headers };
  if (request.operation === 'metadata' || request.operation === 'term-caps') {
    const query = request.operation === 'term-caps' ? '?mode=terminology&_format=json' : '?_format=json';
    return { url: `${baseUrl}/metadata${query}`, method: 'GET', headers };
  }
  const path = OPERATION_PATHS[request.operation];
  if (path === undefined) throw new Error(`Unknown operation ${request.operation}`);
  headers['Content-Type'] = 'application/fhir+json; fhirVersion=4.0';
  return { url: `${baseUrl}/${path}`, method: 'POST', headers, payload: JSON.stringify(request.body) };
}

function parsed(status: number, text: string): TxResponse {
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = text;
  }
  return { status, body };
}

/**
 * The HTTP transport over `node:http`: exactly the headers of the HL7 runner (no `Accept-Language` unless the
 * test sets one).
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
export class HttpTransport implements Transport {
  readonly name = 'node-http';
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  async send(request: TxRequest): Promise<TxResponse> {
    const r = prepare(this.baseUrl, request);
    const { status, text } = await httpRequest(r.url, r.method, { 'User-Agent': 'tx-ecosystem-runner (TypeScript)', ...r.headers }, r.payload);
    return parsed(status, text);
  }
}

/**
 * The HTTP transport over the global `fetch`, with its defaults left as they are (so `Accept-Language: *`
 * when the test sets none): what browser and Node FHIR clients send.
 *
 * @see https://fetch.spec.whatwg.org/#http-network-or-cache-fetch
 */
export class FetchTransport implements Transport {
  readonly name = 'fetch';
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  async send(request: TxRequest): Promise<TxResponse> {
    const r = prepare(this.baseUrl, request);
    const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.payload });
    return parsed(res.status, await res.text());
  }
}

/**
 * The transport of a client.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
export function transportFor(client: TxClient, baseUrl: string): Transport {
  return client === 'fetch' ? new FetchTransport(baseUrl) : new HttpTransport(baseUrl);
}

function httpRequest(url: string, method: string, headers: Record<string, string>, payload: string | undefined): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : nodeHttpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
