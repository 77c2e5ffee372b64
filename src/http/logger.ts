/**
 * Structured logs (pino) with a request id per request: the client's `X-Request-Id` when it is safe to echo,
 * otherwise a generated one.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.ts';

/** Creates the server logger. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'fhir-server' }, timestamp: pino.stdTimeFunctions.isoTime });
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:/@=+-]{1,200}$/;
let counter = 0;
const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}`;

/** The request id: the client's (if safe to put in a header and a log) or a new one. */
export function requestIdFor(header: string | string[] | undefined): string {
  if (typeof header === 'string' && SAFE_REQUEST_ID.test(header)) return header;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}
