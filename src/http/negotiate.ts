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
const UNPRODUCIBLE_FORMATS = new Set(['xml', 'text/xml', 'application/xml', 'application/fhir+xml', 'application/xml+fhir', 'ttl', 'application/fhir+turtle', 'text/turtle', 'html', 'text/html']);

/**
 * The response Content-Type for a request, or a 406 / 400 `FhirError`.
 * @param format - the `_format` query value, if any
 * @param accept - the `Accept` header, if any
 */
export function negotiate(format: string | undefined, accept: string | undefined): string {
  if (format !== undefined) {
    const key = format.trim().toLowerCase().split(';')[0].trim();
    const chosen = FORMAT_ALIASES[key];
    if (chosen) return chosen;
    if (UNPRODUCIBLE_FORMATS.has(key)) throw fhirError(406, 'not-supported', `_format=${shown(format)} is not supported; this server speaks JSON only`);
    throw fhirError(400, 'invalid', `_format=${shown(format)} is not a known format`, { expression: '_format' });
  }
  if (accept === undefined || accept.trim() === '') return FHIR_JSON;
  let plainJson = false;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    if (type === 'application/fhir+json' || type === 'application/json+fhir' || type === '*/*' || type === 'application/*') return FHIR_JSON;
    if (type === 'application/json') plainJson = true;
  }
  if (plainJson) return PLAIN_JSON;
  throw fhirError(406, 'not-supported', 'Cannot answer in any of the Accept media types; this server speaks application/fhir+json');
}
