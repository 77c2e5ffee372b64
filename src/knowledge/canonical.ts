/**
 * Canonical references: `url|version` split and built.
 *
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */

/**
 * A canonical reference split into url and optional version (a `#fragment` is dropped).
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
export interface CanonicalParts {
  readonly url: string;
  readonly version?: string;
}

/**
 * Splits `url|version` (and drops a `#fragment`).
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
export function splitCanonical(canonical: string): CanonicalParts {
  const withoutFragment = canonical.split('#')[0];
  const bar = withoutFragment.indexOf('|');
  if (bar < 0) return { url: withoutFragment };
  const version = withoutFragment.slice(bar + 1);
  return version === '' ? { url: withoutFragment.slice(0, bar) } : { url: withoutFragment.slice(0, bar), version };
}

/**
 * The versioned canonical of an artifact (`url|version`, or `url` when it has no version); undefined without a url.
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
export function canonicalOf(artifact: { readonly url?: string; readonly version?: string }): string | undefined {
  if (artifact.url === undefined) return undefined;
  return artifact.version === undefined ? artifact.url : `${artifact.url}|${artifact.version}`;
}
