/**
 * What a REST interaction or operation answers, before the HTTP layer writes it.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Resource } from '@medplum/fhirtypes';

/** An answer: status, headers, and a body that is a resource or already-serialised FHIR JSON. */
export interface RestResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A resource, or its JSON text or UTF-8 bytes (sent as is). Absent for 204/304 and `Prefer: return=minimal`. */
  readonly body?: Resource | string | Buffer;
}

/** Formats an instant as an HTTP-date (`Last-Modified`). */
export function httpDate(instant: string): string {
  return new Date(instant).toUTCString();
}

/** Version headers of a stored resource version. */
export function versionHeaders(version: { readonly versionId: string; readonly lastUpdated: string }): Record<string, string> {
  return { ETag: `W/"${version.versionId}"`, 'Last-Modified': httpDate(version.lastUpdated) };
}
