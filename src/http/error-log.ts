/**
 * Logging of unexpected errors that a client cannot use to fill the disk: the first occurrence of each
 * distinct error (its name, message and the top of its stack) is logged in full, with the stack; later ones
 * only as a count, at most once per {@link REPEAT_INTERVAL_MS} per error. At most {@link MAX_DISTINCT}
 * distinct errors are remembered; past that, an unknown error is logged without its stack.
 *
 * @see https://getpino.io/#/docs/api?id=logger
 */
import type { Logger } from 'pino';

/** Shortest time between two log lines about one repeated error (ms). */
export const REPEAT_INTERVAL_MS = 60_000;
/** Most distinct errors remembered. */
export const MAX_DISTINCT = 1000;

interface Seen {
  /** Occurrences not logged yet. */
  unlogged: number;
  lastLogged: number;
}

function errorKey(err: unknown): string {
  if (!(err instanceof Error)) return `non-error:${typeof err}`;
  const frame = err.stack?.split('\n').find((line) => line.trimStart().startsWith('at ')) ?? '';
  return `${err.name}|${err.message.slice(0, 200)}|${frame.trim()}`;
}

/**
 * Logs unexpected errors once per distinct error, then as periodic counts (see the module comment).
 */
export class ErrorLog {
  private readonly seen = new Map<string, Seen>();
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(logger: Logger, now: () => number = Date.now) {
    this.logger = logger;
    this.now = now;
  }

  /** Records one unexpected error of the request `requestId`. */
  record(err: unknown, requestId: string): void {
    const key = errorKey(err);
    const seen = this.seen.get(key);
    const now = this.now();
    if (seen === undefined) {
      if (this.seen.size >= MAX_DISTINCT) {
        this.logger.error({ reqId: requestId, error: err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : typeof err }, 'unexpected error');
        return;
      }
      this.seen.set(key, { unlogged: 0, lastLogged: now });
      this.logger.error({ err, reqId: requestId }, 'unexpected error');
      return;
    }
    seen.unlogged++;
    if (now - seen.lastLogged >= REPEAT_INTERVAL_MS) {
      this.logger.error({ reqId: requestId, error: err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : typeof err, repeated: seen.unlogged }, 'unexpected error repeated (stack logged at first occurrence)');
      seen.unlogged = 0;
      seen.lastLogged = now;
    }
  }
}
