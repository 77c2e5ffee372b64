/**
 * FHIRPath for the knowledge engine: `@medplum/core`'s parser and evaluator, with the server's functions
 * swapped in (`memberOf()`, a linear-time `matches()`; see `fhirpath-rewrite.ts`) and parsed expressions
 * cached per expression text.
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html
 * @see https://hl7.org/fhirpath/N1/
 */
import { evalFhirPathTyped, FhirPathAtom, parseFhirPath, type TypedValue } from '@medplum/core';
import { withServerFunctions } from './fhirpath-rewrite.ts';
import { MAX_CACHED_EXPRESSIONS, MAX_EXPRESSION_LENGTH } from './limits.ts';

const cache = new Map<string, FhirPathAtom>();

/**
 * The parsed expression (with the server's functions), from the cache when it was parsed before. Throws an `Error`
 * whose message says what is wrong with the text.
 * @see https://hl7.org/fhirpath/N1/#grammar
 */
export function compileFhirPath(text: string): FhirPathAtom {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  if (text.length > MAX_EXPRESSION_LENGTH) throw new Error(`the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const parsed = parseFhirPath(text);
  const atom = new FhirPathAtom(text, withServerFunctions(parsed.child));
  if (cache.size >= MAX_CACHED_EXPRESSIONS) {
    // Oldest first: Map keeps insertion order.
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(text, atom);
  return atom;
}

/**
 * Evaluates a parsed expression on `focus` with `%`-variables (keys include the `%`).
 * @see https://hl7.org/fhirpath/N1/#environment-variables
 */
export function evaluateFhirPath(atom: FhirPathAtom, focus: readonly TypedValue[], variables: Readonly<Record<string, TypedValue>>): TypedValue[] {
  return evalFhirPathTyped(atom, [...focus], { ...variables });
}

/**
 * The innermost message of an error thrown by the parser or evaluator (medplum wraps each level).
 */
export function fhirPathErrorMessage(err: unknown): string {
  let current: unknown = err;
  let message = 'unknown error';
  for (let depth = 0; depth < 10 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      message = current.message;
      current = current.cause;
    } else {
      message = String(current);
      break;
    }
  }
  return message.replace(/^FhirPathError on ".*?": /s, '').replace(/^Error: /, '');
}
