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
 * The HTTP transport.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
export class HttpTransport implements Transport {
  readonly name = 'http';
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  async send(request: TxRequest): Promise<TxResponse> {
    const headers: Record<string, string> = {
      Accept: 'application/fhir+json; fhirVersion=4.0',
      'User-Agent': 'tx-ecosystem-runner (TypeScript)',
      ...request.headers,
    };
    let url: string;
    let method = 'GET';
    let payload: string | undefined;
    if (request.operation === 'metadata' || request.operation === 'term-caps') {
      url = `${this.baseUrl}/metadata${request.operation === 'term-caps' ? '?mode=terminology&_format=json' : '?_format=json'}`;
    } else {
      const path = OPERATION_PATHS[request.operation];
      if (path === undefined) throw new Error(`Unknown operation ${request.operation}`);
      url = `${this.baseUrl}/${path}`;
      method = 'POST';
      payload = JSON.stringify(request.body);
      headers['Content-Type'] = 'application/fhir+json; fhirVersion=4.0';
    }
    // node:http rather than fetch: fetch adds `Accept-Language: *`, which the HL7 runner does not send.
    const { status, text } = await httpRequest(url, method, headers, payload);
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = text;
    }
    return { status, body };
  }
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
