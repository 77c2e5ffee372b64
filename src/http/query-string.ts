/**
 * The query string of a request as ordered name/value pairs, decoded exactly as `URLSearchParams` decodes
 * `application/x-www-form-urlencoded` (`+` is a space, percent-escapes are UTF-8), without building a
 * `URLSearchParams` for every request: components without escapes are taken as they are, escaped ones go
 * through `decodeURIComponent`, and a malformed escape (which `URLSearchParams` keeps or replaces rather than
 * rejects) hands the whole string to `URLSearchParams`.
 *
 * @see https://hl7.org/fhir/R4/http.html#parameters
 * @see https://url.spec.whatwg.org/#urlencoded-parsing
 */

const PLUS = /\+/g;

/** Decodes one component; undefined when `decodeURIComponent` refuses it. */
function decodeComponent(text: string): string | undefined {
  const spaced = text.includes('+') ? text.replace(PLUS, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}

/**
 * The name/value pairs of a query string (without the `?`), in order; empty components are skipped.
 */
export function parseQueryString(query: string): [string, string][] {
  // URLSearchParams drops one leading `?` and replaces lone surrogates: leave those cases to it.
  if (query.startsWith('?') || !query.isWellFormed()) return [...new URLSearchParams(query).entries()];
  const pairs: [string, string][] = [];
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      const eq = query.indexOf('=', start);
      const split = eq >= 0 && eq < end;
      const name = decodeComponent(query.substring(start, split ? eq : end));
      const value = split ? decodeComponent(query.substring(eq + 1, end)) : '';
      if (name === undefined || value === undefined) return [...new URLSearchParams(query).entries()];
      pairs.push([name, value]);
    }
    start = end + 1;
  }
  return pairs;
}
