/**
 * Raw HTTP/1.1 over `node:net`, for requests `fetch` refuses to send: oversized or malformed header
 * lines, bare CR/LF in a header value, headers sent slowly, bodies without a Content-Type.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112
 */
import { connect, type Socket } from 'node:net';

/**
 * A parsed raw answer.
 * @see https://www.rfc-editor.org/rfc/rfc9112#name-message-format
 */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Everything received, as text. */
  readonly raw: string;
}

/**
 * Host and port of a base URL such as `http://127.0.0.1:4000/fhir`.
 * @see https://hl7.org/fhir/R4/http.html#root
 */
export function hostPort(base: string): { host: string; port: number } {
  const url = new URL(base);
  return { host: url.hostname, port: Number(url.port) };
}

/**
 * Parses the first HTTP response in `raw` (the body by Content-Length, or up to the end).
 * @see https://www.rfc-editor.org/rfc/rfc9112#name-message-body-length
 */
export function parseRawResponse(raw: string): RawResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? raw : raw.slice(0, headEnd);
  const [statusLine, ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = headEnd < 0 ? '' : raw.slice(headEnd + 4);
  const length = headers['content-length'];
  if (length !== undefined) body = Buffer.from(body).subarray(0, Number(length)).toString('utf8');
  return { status, headers, body, raw };
}

function responseComplete(raw: string): boolean {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, headEnd))?.[1];
  if (length === undefined) return false;
  return Buffer.byteLength(raw.slice(headEnd + 4)) >= Number(length);
}

/**
 * Options of `rawRequest`.
 * @see https://www.rfc-editor.org/rfc/rfc9112
 */
export interface RawRequestOptions {
  /** Give up after this long (the promise rejects). */
  readonly timeoutMs?: number;
  /**
   * Sends the request in pieces, waiting `delayMs` between them (to simulate a slow client);
   * `onPiece` runs after each piece is written.
   */
  readonly pieces?: { readonly delayMs: number; readonly onPiece?: (index: number) => Promise<void> };
}

/**
 * Sends `request` (raw bytes) on a new connection and resolves with the first response, once it is
 * complete by its Content-Length or the server closes the connection.
 * @see https://www.rfc-editor.org/rfc/rfc9112
 */
export function rawRequest(base: string, request: string | Buffer | readonly (string | Buffer)[], options: RawRequestOptions = {}): Promise<RawResponse> {
  const { host, port } = hostPort(base);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(parseRawResponse(received.toString('utf8')));
    };
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (responseComplete(received.toString('utf8'))) finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may reset after answering (e.g. an oversized request); keep what was received.
      if (received.length > 0) finish();
      else finish(err);
    });
    socket.on('connect', () => {
      const parts = typeof request === 'string' || Buffer.isBuffer(request) ? [request] : request;
      void (async () => {
        for (const [index, part] of parts.entries()) {
          if (settled) return;
          socket.write(part);
          if (options.pieces) {
            await options.pieces.onPiece?.(index);
            await new Promise((r) => setTimeout(r, options.pieces?.delayMs));
          }
        }
      })().catch((err: unknown) => finish(err as Error));
    });
  });
}
