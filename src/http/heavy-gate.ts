/**
 * The gate large request bodies pass through: one at a time, in arrival order.
 *
 * Parsing and validating a body of megabytes takes the event loop for tens to hundreds of milliseconds per
 * step. Unchecked, four clients sending such bodies in a loop keep the loop busy all the time and every other
 * client waits behind their queued steps. Behind the gate, only one large body is decoded and handled at a
 * time — its body is read first, outside the gate, so a slow sender holds nothing — and between its steps
 * (parse, schema check, structure check on the worker thread, remaining checks) the loop is free for every
 * small request. At most {@link MAX_WAITING} bodies wait; past that the answer is 503 with `Retry-After`.
 *
 * @see https://nodejs.org/en/learn/asynchronous-work/dont-block-the-event-loop
 */
import { FhirError } from '../fhir/errors.ts';

/** Bodies larger than this (bytes) pass through the gate. */
export const HEAVY_BODY_BYTES = 64 * 1024;
/** Most large bodies waiting at the gate. */
export const MAX_WAITING = 32;

/**
 * A first-in first-out gate admitting one holder at a time.
 */
export class HeavyGate {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /**
   * Waits for the gate; resolves with the function that releases it (call it exactly once).
   * @throws FhirError 503 when {@link MAX_WAITING} holders are already waiting
   */
  async acquire(): Promise<() => void> {
    if (this.held) {
      if (this.waiting.length >= MAX_WAITING) {
        throw new FhirError(
          503,
          { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', details: { text: 'The server is busy with other large requests: try again shortly' } }] },
          { headers: { 'Retry-After': '2' } },
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.held = true;
      // Let requests already waiting on the event loop go first.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next === undefined) this.held = false;
      else setImmediate(next);
    };
  }
}

/**
 * Lets the event loop run what is waiting (I/O of other clients) before the caller's next step.
 * @see https://nodejs.org/api/timers.html#setimmediatecallback-args
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
