/**
 * Judges one response of the HL7 terminology test suite as TxTester does: the status class, then the body
 * (scrubbed and sorted unless it is an error OperationOutcome, which is only scrubbed) compared with the
 * expected file — in pattern mode for metadata and term-caps.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig (tests/)
 */
import { compareJson } from './compare.ts';
import type { CompareOptions, Difference } from './compare.ts';
import { isObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import { scrubResource } from './scrub.ts';
import { sortResource } from './sort.ts';

/**
 * The verdict on one test.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface Verdict {
  readonly passed: boolean;
  /** Why it failed. */
  readonly reason?: string;
  readonly difference?: Difference;
  readonly warnings: readonly string[];
  /** The actual response as compared (scrubbed and sorted). */
  readonly prepared?: JsonObject;
}

/**
 * What to judge.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface JudgeInput {
  readonly operation: string;
  /** Expected status class: `2xx`, `4xx`, … (default 2xx). */
  readonly httpCode?: string;
  readonly status: number;
  readonly body: Json;
  readonly expected: Json;
  readonly options?: CompareOptions;
}

/**
 * True when a status is in the class (`4xx`).
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export function statusInClass(status: number, cls: string): boolean {
  const digit = cls.charAt(0);
  return String(status).charAt(0) === digit;
}

/**
 * Judges a response.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export function judge(input: JudgeInput): Verdict {
  const cls = input.httpCode ?? '2xx';
  if (!isObject(input.body)) {
    return { passed: false, reason: 'response body is not a JSON object', warnings: [] };
  }
  const ok2xx = input.status >= 200 && input.status < 300;
  if (!ok2xx && input.body.resourceType !== 'OperationOutcome') {
    return { passed: false, reason: `error response (${input.status}) is not an OperationOutcome`, warnings: [] };
  }
  const errorBody = !ok2xx;
  const scrubbed = scrubResource(input.body);
  if (errorBody) delete scrubbed.text;
  const prepared = sortResource(scrubbed, { errorBody });
  const pattern = input.operation === 'metadata' || input.operation === 'term-caps';
  const result = compareJson(input.expected, prepared, { ...input.options, pattern });
  const statusOk = statusInClass(input.status, cls);
  if (result.difference !== undefined) {
    return { passed: false, reason: `${result.difference.path}: ${result.difference.message}`, difference: result.difference, warnings: result.warnings, prepared };
  }
  if (!statusOk) {
    return { passed: false, reason: `status ${input.status} is not ${cls}`, warnings: result.warnings, prepared };
  }
  return { passed: true, warnings: result.warnings, prepared };
}
