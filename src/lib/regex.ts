/**
 * Linear-time regular expressions, for the `regex` filter operator of value set composition and FHIRPath
 * `matches()`. The engine is `re2js` (the JavaScript port of RE2: no backtracking), so a pattern such as
 * `((a+)+)+` costs O(pattern × text) instead of exponential time. Matching is a full match of the whole string,
 * as the FHIR filter requires.
 *
 * Patterns are written as for JavaScript's `RegExp` (`\uXXXX`, `(?<name>…)`…) and translated to RE2 syntax
 * before compiling. Back-references and look-around are rejected as unsupported, as are repeat counts over
 * 1000 (RE2's limit).
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html (regex)
 * @see https://github.com/google/re2/wiki/Syntax
 */
import { RE2JS, RE2JSException } from 're2js';

/**
 * Longest pattern accepted (characters): compiling costs time linear in the pattern, so a bound keeps a
 * client's pattern from holding the event loop.
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
export const MAX_REGEX_PATTERN_LENGTH = 20_000;

/**
 * A pattern that cannot be compiled.
 */
export class RegexSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

/**
 * A compiled pattern.
 */
export class LinearRegex {
  private readonly compiled: RE2JS;
  readonly source: string;

  constructor(pattern: string) {
    this.source = pattern;
    if (pattern.length > MAX_REGEX_PATTERN_LENGTH) throw new RegexSyntaxError(`pattern too large: over ${MAX_REGEX_PATTERN_LENGTH} characters`);
    try {
      this.compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (err: unknown) {
      if (err instanceof RE2JSException) throw new RegexSyntaxError(err.message);
      throw err;
    }
  }

  /** True when the whole of `text` matches. */
  matches(text: string): boolean {
    return this.compiled.matches(text);
  }
}

/**
 * Compiles a pattern; throws RegexSyntaxError when it is invalid or unsupported.
 */
export function compileRegex(pattern: string): LinearRegex {
  return new LinearRegex(pattern);
}
