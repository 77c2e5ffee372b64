/**
 * Headers sent on every response: CORS (what browsers need to call a FHIR server) and security headers.
 *
 * @see https://hl7.org/fhir/R4/http.html#cors
 */

/** Request headers a browser may send. */
export const CORS_ALLOW_HEADERS = 'authorization, content-type, accept, prefer, if-match, if-none-match, if-modified-since, if-none-exist, x-medplum, cache-control, x-request-id, accept-language';
/** Response headers a browser may read. */
export const CORS_EXPOSE_HEADERS = 'ETag, Location, Content-Location, Last-Modified, X-Request-Id';
export const CORS_ALLOW_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS';

/** Headers on every response (flattened once). */
export const COMMON_HEADERS: readonly [string, string][] = [
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Referrer-Policy', 'no-referrer'],
  ['Cache-Control', 'no-cache'],
];

/** The same headers as one record, built once: answers start from a copy (`{ ...COMMON_HEADER_RECORD }`). */
export const COMMON_HEADER_RECORD: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(COMMON_HEADERS));

/** Headers of a CORS preflight answer. */
export const PREFLIGHT_HEADERS: readonly [string, string][] = [
  ['Access-Control-Allow-Methods', CORS_ALLOW_METHODS],
  ['Access-Control-Allow-Headers', CORS_ALLOW_HEADERS],
  ['Access-Control-Max-Age', '600'],
];
