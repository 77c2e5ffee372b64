/**
 * The `Prefer` header: `return=` and `handling=`.
 *
 * @see https://hl7.org/fhir/R4/http.html#ops
 * @see https://hl7.org/fhir/R4/search.html#errors
 */

/** Parsed `Prefer` preferences the server honours. */
export interface Preferences {
  readonly return: 'minimal' | 'representation' | 'OperationOutcome';
  readonly handling: 'strict' | 'lenient';
}

/** Parses `Prefer` (unknown preferences are ignored, as RFC 7240 says). */
export function parsePrefer(header: string | undefined): Preferences {
  let ret: Preferences['return'] = 'representation';
  let handling: Preferences['handling'] = 'lenient';
  for (const part of (header ?? '').split(/[,;]/)) {
    const [key, value] = part.trim().split('=').map((s) => s?.trim().replace(/^"|"$/g, ''));
    if (key === 'return' && (value === 'minimal' || value === 'representation' || value === 'OperationOutcome')) ret = value;
    if (key === 'handling' && (value === 'strict' || value === 'lenient')) handling = value;
  }
  return { return: ret, handling };
}
