/**
 * FHIRPath `matches()` on a linear-time regular expression engine. `@medplum/core` runs `matches()` and
 * `replaceMatches()` on JavaScript's backtracking `RegExp`, where a pattern such as `((a+)+)+$` can stall
 * the event loop; `$apply` evaluates expressions from inline PlanDefinitions any client may POST, so
 * `matches()` runs on the server's linear-time matcher (re2js: no back-references, no look-around) and
 * `replaceMatches()` is refused.
 *
 * @see https://hl7.org/fhirpath/N1/#matchesregex-string-boolean
 * @see https://swtch.com/~rsc/regexp/regexp1.html
 */
import type { Atom, AtomContext, TypedValue } from '@medplum/core';
import { compileRegex, type LinearRegex } from '../lib/regex.ts';

/** Compiled patterns kept in memory (keyed by pattern text). */
const MAX_CACHED_PATTERNS = 500;
const patterns = new Map<string, LinearRegex>();

/** `matches()` finds the pattern anywhere in the string (FHIRPath N1), while the matcher matches whole strings. */
function partialMatcher(pattern: string): LinearRegex {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) {
    compiled = compileRegex(`[\\s\\S]*(?:${pattern})[\\s\\S]*`);
    if (patterns.size >= MAX_CACHED_PATTERNS) {
      const oldest = patterns.keys().next().value;
      if (oldest !== undefined) patterns.delete(oldest);
    }
    patterns.set(pattern, compiled);
  }
  return compiled;
}

/**
 * `matches(regex)`: true when the single input string contains a match of the pattern; linear time.
 */
export class LinearMatchesAtom implements Atom {
  readonly args: readonly Atom[];

  constructor(args: readonly Atom[]) {
    this.args = args;
  }

  eval(context: AtomContext, input: TypedValue[]): TypedValue[] {
    if (this.args.length !== 1) throw new Error(`matches() takes one argument, the pattern; got ${this.args.length}`);
    if (input.length === 0) return [];
    if (input.length > 1) throw new Error(`matches() applies to a single string; its input has ${input.length} items`);
    if (typeof input[0].value !== 'string') throw new Error('matches() applies to a string');
    const pattern = this.args[0].eval(context, input)[0]?.value;
    if (typeof pattern !== 'string') throw new Error('matches() needs the pattern as a string');
    return [{ type: 'boolean', value: partialMatcher(pattern).matches(input[0].value) }];
  }

  toString(): string {
    return `matches(${this.args.map((a) => a.toString()).join(', ')})`;
  }
}

/**
 * A function the server refuses to run, with the reason (evaluating it is an error).
 * @see https://hl7.org/fhirpath/N1/#replacematchesregex-string-substitution-string-string
 */
export class RefusedFunctionAtom implements Atom {
  readonly name: string;
  readonly reason: string;
  readonly args: readonly Atom[];

  constructor(name: string, reason: string, args: readonly Atom[]) {
    this.name = name;
    this.reason = reason;
    this.args = args;
  }

  eval(): TypedValue[] {
    throw new Error(`${this.name}() is not available on this server: ${this.reason}`);
  }

  toString(): string {
    return `${this.name}(${this.args.map((a) => a.toString()).join(', ')})`;
  }
}
