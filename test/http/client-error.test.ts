/**
 * Errors of Node's HTTP parser itself (400 malformed request, 431 headers too large, 408 request too slow)
 * are answered like every other error: an OperationOutcome, the same CORS and security headers as normal
 * answers (so browser code can read them), and `Connection: close`.
 *
 * @see https://nodejs.org/api/http.html#event-clienterror
 * @see https://hl7.org/fhir/R4/http.html#cors
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawResponse } from '../helpers/raw-http.ts';
import { startTestServer, useTestServer } from '../helpers/server.ts';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, requestTimeoutMs } from '../../src/server.ts';

const server = useTestServer({ content: false });
let host: string;
/** The CORS and security headers of a normal answer, to compare with. */
let normal: Headers;

const SHARED_HEADERS = ['access-control-allow-origin', 'access-control-expose-headers', 'x-content-type-options', 'x-frame-options', 'content-security-policy', 'referrer-policy'];

beforeAll(async () => {
  host = new URL(server.base).host;
  normal = (await fetch(`${server.base}/metadata`, { headers: { Origin: 'https://app.example.org' } })).headers;
});

function expectParserError(res: RawResponse, status: number, code: string): void {
  expect(res.status, res.raw.slice(0, 300)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  expect(res.headers.connection).toBe('close');
  for (const name of SHARED_HEADERS) expect(res.headers[name], name).toBe(normal.get(name));
  expect(res.headers['access-control-allow-origin']).toBe('*');
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
  const outcome = JSON.parse(res.body) as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue?.[0]).toMatchObject({ severity: 'error', code });
}

describe("answers of Node's HTTP parser", () => {
  it('a malformed request line is a 400 OperationOutcome with CORS headers', async () => {
    expectParserError(await rawRequest(server.base, 'THIS IS NOT HTTP\r\n\r\n'), 400, 'invalid');
  });

  it('a header without a colon is a 400 OperationOutcome with CORS headers', async () => {
    expectParserError(await rawRequest(server.base, `GET /fhir/metadata HTTP/1.1\r\nHost: ${host}\r\nOrigin https://app.example.org\r\n\r\n`), 400, 'invalid');
  });

  it('oversized headers are a 431 OperationOutcome with CORS headers', async () => {
    const res = await rawRequest(server.base, `GET /fhir/metadata HTTP/1.1\r\nHost: ${host}\r\nOrigin: https://app.example.org\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectParserError(res, 431, 'too-costly');
  });

  it('headers never completed are a 408 OperationOutcome with CORS headers', async () => {
    const res = await rawRequest(server.base, `GET /fhir/metadata HTTP/1.1\r\nHost: ${host}\r\nOrigin: https://app.example.org\r\n`, { timeoutMs: HEADERS_TIMEOUT_MS + 10_000 });
    expectParserError(res, 408, 'timeout');
  }, HEADERS_TIMEOUT_MS + 15_000);
});

describe('the deadline for receiving a whole request', () => {
  it('is 60 s for the default body limit, and allows the largest accepted body at 1 MiB/s', async () => {
    expect(requestTimeoutMs(8 * 1024 * 1024)).toBe(REQUEST_TIMEOUT_MS);
    // A 1 GiB limit (the scaling benchmark's, for a 390 MB CodeSystem): 1,024 s.
    expect(requestTimeoutMs(1024 * 1024 * 1024)).toBe(1_024_000);
    const running = await startTestServer({ content: false, env: { MAX_BODY_BYTES: String(512 * 1024 * 1024) } });
    try {
      expect(running.server.requestTimeout).toBe(512_000);
    } finally {
      await running.close();
    }
  });
});
