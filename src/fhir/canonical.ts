/**
 * The one `url|version#fragment` splitter every layer uses.
 */

/** The parts of a canonical reference the server resolves by. */
export interface CanonicalParts {
  readonly url: string;
  readonly version?: string;
}

/**
 * Splits `url|version#fragment` into its url and version. The fragment, which points into the target, is
 * dropped (a reference that is only a fragment, `#id`, is kept whole); an empty version counts as none.
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
export function splitCanonical(canonical: string): CanonicalParts {
  const hash = canonical.indexOf('#');
  const withoutFragment = hash > 0 ? canonical.slice(0, hash) : canonical;
  const bar = withoutFragment.indexOf('|');
  if (bar < 0) return { url: withoutFragment };
  const version = withoutFragment.slice(bar + 1);
  return version === '' ? { url: withoutFragment.slice(0, bar) } : { url: withoutFragment.slice(0, bar), version };
}
