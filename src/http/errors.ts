/**
 * The one error exit: a `FhirError` is written with its status and OperationOutcome; anything else is
 * logged with the request id (its stack once per distinct error: see `error-log.ts`) and answered 500
 * `exception` with generic text (no stack, no raw message).
 *
 * @see https://hl7.org/fhir/R4/http.html#2.21.0.4
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { FhirError, outcome } from '../fhir/errors.ts';
import { ErrorLog } from './error-log.ts';
import { COMMON_HEADER_RECORD } from './headers.ts';
import { FHIR_JSON } from './negotiate.ts';

/** One error log per logger: repeats of an error are counted, not logged again in full (see error-log.ts). */
const errorLogs = new WeakMap<Logger, ErrorLog>();

/** Converts anything thrown into a `FhirError` (unknown errors become 500 and are logged once per kind). */
export function toFhirError(err: unknown, logger: Logger, requestId: string): FhirError {
  if (err instanceof FhirError) return err;
  let log = errorLogs.get(logger);
  if (log === undefined) {
    log = new ErrorLog(logger);
    errorLogs.set(logger, log);
  }
  log.record(err, requestId);
  return new FhirError(500, outcome('exception', `Internal error; quote request id ${requestId} when reporting it`));
}

/** Writes an error answer (once; a response already started is just ended). */
export function writeError(res: ServerResponse, err: FhirError, requestId: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(err.outcome);
  const headers: Record<string, string | number> = {
    ...COMMON_HEADER_RECORD,
    'Content-Type': FHIR_JSON,
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': requestId,
  };
  for (const [k, v] of Object.entries(err.headers)) headers[k] = v;
  res.writeHead(err.status, headers);
  res.end(body);
}
