/**
 * JSON value types used by the terminology test-suite judge and runner.
 *
 * @see https://hl7.org/fhir/R4/json.html
 */

/**
 * Any JSON value.
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/**
 * A JSON object.
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
export interface JsonObject {
  [key: string]: Json;
}

/**
 * True when `v` is a JSON object (not an array, not null).
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep copy of a JSON value (the judge never mutates its inputs).
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
export function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

/**
 * Ordinal string comparison, as Java's `String.compareTo` (UTF-16 code units).
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
