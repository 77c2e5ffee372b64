/**
 * One way for tests to expect a failure: run the call, require it to throw, and read what the error
 * carries (status and OperationOutcome). `failure` reads the project's FhirError (engines and handlers;
 * `syncFailure` for a call that does not return a promise);
 * `failureWith(read)` builds the same helper for a client library's own error shape.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { isFhirError } from '../../src/fhir/errors.ts';

/** What a failed call carried. */
export interface Failure {
  readonly status: number;
  readonly outcome: OperationOutcome;
}

/** A helper that runs a call expected to fail and returns what `read` finds in its error. */
export function failureWith<T>(read: (err: unknown) => T): (call: () => unknown) => Promise<T> {
  return async (call) => {
    let result: { failed: false } | { failed: true; err: unknown };
    try {
      await call();
      result = { failed: false };
    } catch (err) {
      result = { failed: true, err };
    }
    if (!result.failed) throw new Error('the call was expected to fail');
    return read(result.err);
  };
}

/** What a FhirError carries; any other error is rethrown. */
function fhirFailure(err: unknown): Failure {
  if (isFhirError(err)) return { status: err.status, outcome: err.outcome };
  throw err;
}

/** Runs a call expecting a FhirError; returns its status and outcome (any other error is rethrown). */
export const failure: (call: () => unknown) => Promise<Failure> = failureWith(fhirFailure);

/** `failure` for a synchronous call: runs it at once, requires a FhirError, returns its status and outcome. */
export function syncFailure(call: () => unknown): Failure {
  try {
    call();
  } catch (err) {
    return fhirFailure(err);
  }
  throw new Error('the call was expected to fail');
}
