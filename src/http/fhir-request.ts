/**
 * What the FHIR router's parts share: a request as decoded from HTTP (or a batch entry), where its body
 * comes from, and the 405 answer.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { fhirError } from '../fhir/errors.ts';
import type { QueryPairs } from '../rest/bundles.ts';
import type { DecodedBody } from './body.ts';

/** Where a request's body comes from: the HTTP stream, or a batch entry. */
export type BodySource = (allowForm: boolean) => Promise<DecodedBody>;

/** A request decoded from HTTP. */
export interface Decoded {
  readonly method: string;
  readonly segments: readonly string[];
  readonly pairs: QueryPairs;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** The JSON value of a decoded body, or undefined when there is none. */
export function jsonBody(decoded: DecodedBody): unknown {
  return decoded.kind === 'json' ? decoded.value : undefined;
}

/** A 405 with the `Allow` header. */
export function methodNotAllowed(allow: string): Error {
  return fhirError(405, 'not-supported', `Method not allowed here; allowed: ${allow}`, { headers: { Allow: allow } });
}

/** Bodies from this many characters on are encoded to bytes before writing (measured: faster from ~128 KB). */
export const LARGE_BODY_CHARS = 128 * 1024;
