/**
 * The parts of a versioned write that every store implementation shares: the `If-Match` expectation, the
 * stored JSON with `meta.versionId` / `meta.lastUpdated`, and the `url|version` clash error. Each store keeps
 * only its own SQL.
 *
 * @see https://hl7.org/fhir/R4/http.html#versioning
 */
import type { Resource } from '@medplum/fhirtypes';
import { fhirError, type FhirError } from '../fhir/errors.ts';
import { stringifyReusing } from '../lib/json-source.ts';
import { fieldsOf } from '../lib/records.ts';
import type { StoreWrite } from './types.ts';

/** The type and id a write targets. */
export function writeTarget(write: StoreWrite): { readonly resourceType: string; readonly id: string } {
  return write.kind === 'put' ? { resourceType: write.resource.resourceType, id: write.resource.id } : { resourceType: write.resourceType, id: write.id };
}

/** Throws 412 (with the current ETag when the resource exists) when the write expects another version. */
export function checkExpectedVersion(write: StoreWrite, resourceType: string, id: string, currentVersion: number | undefined): void {
  const current = currentVersion ?? 0;
  if (write.expectVersionId === undefined || write.expectVersionId === String(current)) return;
  throw fhirError(
    412,
    'conflict',
    currentVersion !== undefined
      ? `Version conflict: ${resourceType}/${id} is at version ${current}, not ${write.expectVersionId}`
      : `Version conflict: ${resourceType}/${id} does not exist`,
    currentVersion !== undefined ? { headers: { ETag: `W/"${current}"` } } : {},
  );
}

/** A new version's content: the resource with resourceType, id and meta first, its JSON, and its url|version. */
export interface VersionedContent {
  readonly stored: Resource;
  readonly content: string;
  readonly url: string | null;
  readonly version: string | null;
}

export function versionedContent(resource: Resource, id: string, versionId: number, lastUpdated: string): VersionedContent {
  // resourceType, id and meta first, as FHIR JSON is usually written.
  const { resourceType, id: _id, meta, ...rest } = resource;
  const stored = { resourceType, id, meta: { ...meta, versionId: String(versionId), lastUpdated }, ...rest } as Resource;
  const canonical = stored as { url?: unknown; version?: unknown };
  return {
    stored,
    // A member kept as received (a large concept tree: lib/json-source.ts) is not serialised again.
    content: stringifyReusing(fieldsOf(stored)),
    url: typeof canonical.url === 'string' ? canonical.url : null,
    version: typeof canonical.version === 'string' ? canonical.version : null,
  };
}

/** The 409 for a second resource with the same url|version. */
export function duplicateCanonical(resourceType: string, url: string | null, version: string | null): FhirError {
  return fhirError(
    409,
    'duplicate',
    `A ${resourceType} with url "${url}"${version === null ? ' and no version' : ` and version "${version}"`} already exists; url|version must be unique`,
    { expression: [`${resourceType}.url`, `${resourceType}.version`] },
  );
}
