/**
 * Answers to errors of Node's HTTP parser itself (the `clientError` event: a malformed request, headers too
 * large, a request too slow), which never reach express. They get what every other answer gets — an
 * OperationOutcome body and the common CORS and security headers, so browser code can read them — and
 * `Connection: close`, since the connection cannot carry another request.
 *
 * @see https://nodejs.org/api/http.html#event-clienterror
 * @see https://hl7.org/fhir/R4/http.html#cors
 */
import type { Duplex } from 'node:stream';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { COMMON_HEADERS } from './headers.ts';

/**
 * Status, reason phrase, FHIR issue type and text of each parser error answered.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-status-codes
 * @see https://hl7.org/fhir/R4/valueset-issue-type.html
 */
const CLIENT_ERRORS = {
  badRequest: { status: 400, reason: 'Bad Request', code: 'invalid', text: 'Malformed HTTP request' },
  timeout: { status: 408, reason: 'Request Timeout', code: 'timeout', text: 'The request took too long' },
  tooLarge: { status: 431, reason: 'Request Header Fields Too Large', code: 'too-costly', text: 'Request headers are too large' },
} as const;

function classify(err: NodeJS.ErrnoException): (typeof CLIENT_ERRORS)[keyof typeof CLIENT_ERRORS] {
  if (err.code === 'HPE_HEADER_OVERFLOW') return CLIENT_ERRORS.tooLarge;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return CLIENT_ERRORS.timeout;
  return CLIENT_ERRORS.badRequest;
}

/**
 * The whole raw HTTP/1.1 answer to a parser error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#name-message-format
 */
export function clientErrorResponse(err: NodeJS.ErrnoException, now: Date = new Date()): string {
  const { status, reason, code, text } = classify(err);
  const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
  const body = JSON.stringify(outcome);
  const headers: [string, string][] = [
    ['Content-Type', 'application/fhir+json; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Date', now.toUTCString()],
    ...COMMON_HEADERS,
    ['Connection', 'close'],
  ];
  return `HTTP/1.1 ${status} ${reason}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}

/**
 * The server's `clientError` listener: answers and closes, unless the socket can no longer be written or an
 * answer has already started on it (then it is only destroyed).
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || started) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(err));
}
