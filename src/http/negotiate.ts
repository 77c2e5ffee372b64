/**
 * Content negotiation: every answer is JSON; `_format` and `Accept` choose between
 * `application/fhir+json` and `application/json`, and a request that only accepts something else is a 406.
 *
 * @see https://hl7.org/fhir/R4/http.html#mime-type
 */
import { fhirError, shown } from '../fhir/errors.ts';

/** The FHIR JSON media type with charset, as sent. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const PLAIN_JSON = 'application/json; charset=utf-8';

const FORMAT_ALIASES: Readonly<Record<string, string | undefined>> = {
  json: FHIR_JSON,
  'application/json': PLAIN_JSON,
  'application/fhir+json': FHIR_JSON,
  'application/json+fhir': FHIR_JSON,
};
/** FHIR versions this server serves (the `fhirVersion` media type parameter, major.minor or full). */
export const SERVED_FHIR_VERSIONS: readonly string[] = ['4.0', '4.0.1'];

/**
 * The `fhirVersion` parameter among a media type's parameters (`fhirVersion=4.0`), or undefined.
 * @see https://hl7.org/fhir/R4/http.html#version-parameter
 */
export function fhirVersionParameter(params: readonly string[]): string | undefined {
  for (const raw of params) {
    const p = raw.trim();
    if (p.slice(0, 12).toLowerCase() === 'fhirversion=') return p.slice(12).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/** True when a media type's parameters ask for no FHIR version, or one this server serves. */
export function servesFhirVersion(params: readonly string[]): boolean {
  const version = fhirVersionParameter(params);
  return version === undefined || SERVED_FHIR_VERSIONS.includes(version);
}

function unservedVersion(version: string | undefined): Error {
  return fhirError(406, 'not-supported', `This server serves FHIR R4 only (fhirVersion ${SERVED_FHIR_VERSIONS.join(' or ')}), not fhirVersion=${shown(version ?? '')}`);
}

const UNPRODUCIBLE_FORMATS = new Set(['xml', 'text/xml', 'application/xml', 'application/fhir+xml', 'application/xml+fhir', 'ttl', 'application/fhir+turtle', 'text/turtle', 'html', 'text/html']);

/**
 * True when a request should get the browser view: `_format=html` (or `text/html`), or no `_format` and an
 * `Accept` whose most preferred type (highest q, first listed) is `text/html` or `application/xhtml+xml` —
 * what browsers send. FHIR clients (which list a JSON type, or nothing) never qualify.
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-accept
 */
export function prefersHtml(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) {
    const key = format.split(';')[0].trim().toLowerCase();
    return key === 'html' || key === 'text/html';
  }
  if (accept === undefined || !accept.includes('html')) return false;
  let best = -1;
  let html = false;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (!(weight > best)) continue;
    best = weight;
    html = type === 'text/html' || type === 'application/xhtml+xml';
  }
  return html;
}

/**
 * The response Content-Type for a request, or a 406 / 400 `FhirError`.
 * @param format - the `_format` query value, if any
 * @param accept - the `Accept` header, if any
 */
export function negotiate(format: string | undefined, accept: string | undefined): string {
  if (format !== undefined) {
    const [rawKey, ...formatParams] = format.split(';');
    const key = rawKey.trim().toLowerCase();
    const chosen = FORMAT_ALIASES[key];
    if (chosen) {
      if (!servesFhirVersion(formatParams)) throw unservedVersion(fhirVersionParameter(formatParams));
      return chosen;
    }
    if (UNPRODUCIBLE_FORMATS.has(key)) throw fhirError(406, 'not-supported', `_format=${shown(format)} is not supported; this server speaks JSON only`);
    throw fhirError(400, 'invalid', `_format=${shown(format)} is not a known format`, { expression: '_format' });
  }
  if (accept === undefined || accept.trim() === '') return FHIR_JSON;
  let plainJson = false;
  let refusedVersion: string | undefined;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    if (!servesFhirVersion(params)) {
      // JSON of another FHIR version is not something this server can produce.
      refusedVersion ??= fhirVersionParameter(params);
      continue;
    }
    if (type === 'application/fhir+json' || type === 'application/json+fhir' || type === '*/*' || type === 'application/*') return FHIR_JSON;
    if (type === 'application/json') plainJson = true;
  }
  if (plainJson) return PLAIN_JSON;
  if (refusedVersion !== undefined) throw unservedVersion(refusedVersion);
  throw fhirError(406, 'not-supported', 'Cannot answer in any of the Accept media types; this server speaks application/fhir+json');
}
