/**
 * The one error type of the server: an OperationOutcome plus the HTTP status it maps to.
 *
 * Every layer (validation, store, terminology, knowledge, HTTP) throws `FhirError`; the HTTP layer's single
 * error exit writes `outcome` with `status`. Anything else that escapes is logged and answered 500.
 *
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 * @see https://hl7.org/fhir/R4/http.html#2.21.0.4
 */
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/** Issue type codes of http://hl7.org/fhir/issue-type used by this server. */
export type IssueType = OperationOutcomeIssue['code'];
/** Issue severity codes of http://hl7.org/fhir/issue-severity. */
export type IssueSeverity = OperationOutcomeIssue['severity'];

/** A FHIR error: an OperationOutcome with an HTTP status. */
export class FhirError extends OperationOutcomeError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, outcome: OperationOutcome, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(outcome, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FhirError';
    this.status = status;
    this.headers = options?.headers ?? {};
  }
}

/** Options of a single-issue error. */
export interface IssueOptions {
  /** FHIRPath of the offending element(s). */
  readonly expression?: string | readonly string[];
  /** Extra response headers (Allow, WWW-Authenticate, Retry-After, ETag...). */
  readonly headers?: Record<string, string>;
  readonly cause?: unknown;
  readonly severity?: IssueSeverity;
}

/** Builds an OperationOutcome with one issue. */
export function outcome(code: IssueType, text: string, options: IssueOptions = {}): OperationOutcome {
  const issue: OperationOutcomeIssue = {
    severity: options.severity ?? 'error',
    code,
    details: { text },
  };
  if (options.expression !== undefined) {
    issue.expression = typeof options.expression === 'string' ? [options.expression] : [...options.expression];
  }
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

/** Builds a `FhirError` with one issue. */
export function fhirError(status: number, code: IssueType, text: string, options: IssueOptions = {}): FhirError {
  return new FhirError(status, outcome(code, text, options), { cause: options.cause, headers: options.headers });
}

/** 400 `invalid`: the request cannot be parsed or lacks something required. */
export const badRequest = (text: string, options?: IssueOptions): FhirError => fhirError(400, 'invalid', text, options);
/** 404 `not-found`. */
export const notFound = (text: string, options?: IssueOptions): FhirError => fhirError(404, 'not-found', text, options);
/** 410 `deleted`. */
export const gone = (text: string, options?: IssueOptions): FhirError => fhirError(410, 'deleted', text, options);
/** 409 `conflict`. */
export const conflict = (text: string, options?: IssueOptions): FhirError => fhirError(409, 'conflict', text, options);
/** 422 `processing`: valid JSON that breaks a profile, binding or business rule (chosen status). */
export const unprocessable = (text: string, options?: IssueOptions): FhirError => fhirError(422, 'processing', text, options);
/** 422 `business-rule`. */
export const businessRule = (text: string, options?: IssueOptions): FhirError => fhirError(422, 'business-rule', text, options);
/** 4xx `too-costly` (default 422): an operation exceeded a named limit. */
export const tooCostly = (text: string, options?: IssueOptions & { status?: number }): FhirError =>
  fhirError(options?.status ?? 422, 'too-costly', text, options);
/** 400 `not-supported`: a feature the server does not offer (never a 5xx). */
export const notSupported = (text: string, options?: IssueOptions): FhirError => fhirError(400, 'not-supported', text, options);

/** True when `err` is a `FhirError`. */
export function isFhirError(err: unknown): err is FhirError {
  return err instanceof FhirError;
}

const SAFE_TO_SHOW = /^[A-Za-z0-9_.:|+-]{1,64}$/;

/**
 * A client-supplied value for an error message: quoted when it is plainly harmless, otherwise withheld, so
 * injected strings (`' OR 1=1--`, `<script>`, paths) are never echoed back.
 */
export function shown(value: string): string {
  return SAFE_TO_SHOW.test(value) ? `"${value}"` : '(value not shown)';
}

/** Markup or control characters: a value holding them is never echoed (it could be rendered as HTML). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const MARKUP_OR_CONTROL = /<[A-Za-z/!?]|[\u0000-\u001f\u007f]|javascript:/i;

/**
 * A client-supplied URI, reference or display for a message that must name it (a terminology message names
 * the code system it could not find): the value itself, cut at 200 characters, unless it holds markup or
 * control characters — then "(value not shown)", as {@link shown} answers.
 */
export function echoed(value: string): string {
  return MARKUP_OR_CONTROL.test(value) ? '(value not shown)' : value.slice(0, 200);
}
