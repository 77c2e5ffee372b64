/**
 * Canonical references: `url|version` split and built.
 *
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */

/**
 * A canonical reference split into url and optional version (a `#fragment` is dropped).
 */
export interface CanonicalParts {
  readonly url: string;
  readonly version?: string;
}

export { splitCanonical } from '../fhir/canonical.ts';

/**
 * The versioned canonical of an artifact (`url|version`, or `url` when it has no version); undefined without a url.
 */
export function canonicalOf(artifact: { readonly url?: string; readonly version?: string }): string | undefined {
  if (artifact.url === undefined) return undefined;
  return artifact.version === undefined ? artifact.url : `${artifact.url}|${artifact.version}`;
}
