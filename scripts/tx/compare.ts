/**
 * The JSON comparator of the HL7 terminology test suite (CompareUtilities, as TxTester runs it): expected
 * files carry templates (`$instant$`, `$external:1:frag$`, …), optional array items (`$optional$`), optional
 * properties (`$optional-properties$`) and count-only arrays (`$count-arrays$`). Quirks are reproduced on
 * purpose: greedy in-order array matching, the immediate pass when the actual array runs out on a trailing
 * optional, the vacuous pass for arrays of primitives, the `:` split of `$external$`, the `<div` skip,
 * numbers compared by string form, and first-difference-wins reporting.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig (tests/)
 */
import { isObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';

/**
 * How the comparison is run.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface CompareOptions {
  /** The runner's FHIR version (`4.0.1` or `5.0.0`), for `$version$`; undefined = unknown. */
  readonly fhirVersion?: string;
  /** Enabled modes (default `general`), for `$optional$: "mode"` / `"!mode"`. */
  readonly modes?: ReadonlySet<string>;
  /** Pattern mode (metadata and term-caps): extra actual properties and items are ignored. */
  readonly pattern?: boolean;
  /** Externals: message strings keyed by N (the response file's entry of an externals file). */
  readonly externals?: Readonly<Record<string, string>>;
}

/**
 * The outcome of a comparison: undefined when equal, else the first difference.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface Difference {
  readonly path: string;
  readonly message: string;
}

/**
 * Result of a comparison, with the warnings recorded along the way.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export interface CompareResult {
  readonly difference?: Difference;
  readonly warnings: readonly string[];
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))?$/;
const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const URL = /^(https?:\/\/)(%[0-9a-fA-F]{2}|[-()_.!~*';/?:@&=+$,A-Za-z0-9])+$/;
const TOKEN = /^[0-9a-zA-Z_][0-9a-zA-Z_.-]*$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

class Comparer {
  readonly warnings: string[] = [];
  private readonly options: CompareOptions;
  private readonly modes: ReadonlySet<string>;

  constructor(options: CompareOptions) {
    this.options = options;
    this.modes = options.modes ?? new Set(['general']);
  }

  /** Whether an `$optional$` value makes the item optional now. */
  private optionalValueActive(v: Json): boolean {
    if (v === true) return true;
    if (typeof v !== 'string') return false;
    if (v.startsWith('warning:')) return true;
    if (v.startsWith('version:')) {
      const fv = this.options.fhirVersion;
      return fv !== undefined && fv.startsWith(v.substring(8));
    }
    if (v.startsWith('!')) return !this.modes.has(v.substring(1));
    return this.modes.has(v);
  }

  private isActiveOptional(item: Json): boolean {
    if (isObject(item)) {
      return item.$optional$ !== undefined && this.optionalValueActive(item.$optional$);
    }
    return false;
  }

  private warningOf(item: Json): string | undefined {
    if (isObject(item) && typeof item.$optional$ === 'string' && item.$optional$.startsWith('warning:')) {
      return item.$optional$.substring(8);
    }
    return undefined;
  }

  /** The template rule of §4.4; `expected` is a string starting and ending with `$`. */
  private matchesTemplate(actual: string, expected: string): boolean {
    const body = expected.substring(1, expected.length - 1);
    if (body === '') return true;
    switch (body) {
      case 'instant':
        return INSTANT.test(actual);
      case 'date':
        return DATE.test(actual);
      case 'uuid':
        return UUID.test(actual);
      case 'id':
        return ID.test(actual);
      case 'url':
        return URL.test(actual);
      case 'token':
        return TOKEN.test(actual);
      case 'string':
        return actual === actual.trim();
      case 'semver':
        return SEMVER.test(actual);
      case 'version':
        return this.options.fhirVersion === undefined || actual === this.options.fhirVersion;
      default:
        break;
    }
    if (body.startsWith('choice:')) {
      return body.substring(7).split('|').includes(actual);
    }
    if (body.startsWith('fragments:')) {
      const lower = actual.toLowerCase();
      return body
        .substring(10)
        .split('|')
        .every((f) => lower.includes(f.toLowerCase()));
    }
    if (body.startsWith('external:')) {
      const cmd = body.split(':');
      const n = cmd[1];
      const ext = this.options.externals;
      if (ext !== undefined && n !== undefined && ext[n] !== undefined) {
        return actual === ext[n];
      }
      if (cmd.length < 3) return true;
      const lower = actual.toLowerCase();
      return cmd[2].split('|').every((f) => lower.includes(f.toLowerCase()));
    }
    throw new Error(`Unhandled template: ${expected}`);
  }

  private matchesString(actual: string, expected: string): boolean {
    if (expected.length >= 2 && expected.startsWith('$') && expected.endsWith('$')) {
      return this.matchesTemplate(actual, expected);
    }
    if (expected.includes('$version$') && this.options.fhirVersion !== undefined) {
      return actual === expected.split('$version$').join(this.options.fhirVersion);
    }
    return actual === expected;
  }

  compareObjects(path: string, expected: JsonObject, actual: JsonObject): Difference | undefined {
    const optionals = new Set<string>();
    const countOnly = new Set<string>();
    const op = expected['$optional-properties$'];
    if (Array.isArray(op)) {
      for (const n of op) if (typeof n === 'string') optionals.add(n);
      optionals.add('$optional-properties$');
      optionals.add('$count-arrays$');
    }
    const ca = expected['$count-arrays$'];
    if (Array.isArray(ca)) {
      for (const n of ca) if (typeof n === 'string') countOnly.add(n);
    }
    for (const [n, av] of Object.entries(actual)) {
      if (n === 'fhir_comments') continue;
      if (Object.hasOwn(expected, n)) {
        const d = this.compareNodes(`${path}.${n}`, expected[n], av, countOnly.has(n));
        if (d) return d;
      } else if (!this.options.pattern && !optionals.has(n)) {
        return { path, message: `unexpected property ${n}` };
      }
    }
    for (const [n, ev] of Object.entries(expected)) {
      if (n === 'fhir_comments' || n === '$optional$' || optionals.has(n) || optionals.has('*')) continue;
      if (!Object.hasOwn(actual, n)) {
        const allOptional = Array.isArray(ev) && ev.every((e) => !isObject(e) || e.$optional$ !== undefined);
        if (!allOptional) return { path, message: `properties differ: missing property ${n}` };
      }
    }
    return undefined;
  }

  compareNodes(path: string, expected: Json, actual: Json, countOnly: boolean): Difference | undefined {
    const kind = (v: Json): string => (Array.isArray(v) ? 'array' : isObject(v) ? 'object' : v === null ? 'null' : 'primitive');
    if (expected === null) {
      return actual === null ? undefined : { path, message: 'expected null' };
    }
    if (kind(expected) !== kind(actual)) {
      return { path, message: `kinds differ: expected ${kind(expected)}, found ${kind(actual)}` };
    }
    if (typeof expected === 'string' && typeof actual === 'string') {
      if (expected.includes('<div') && actual.includes('<div')) return undefined;
      if (this.matchesString(actual, expected)) return undefined;
      if (sameBase64(expected, actual)) return undefined;
      return { path, message: `strings differ: expected '${expected}', found '${actual}'` };
    }
    if (typeof expected === 'boolean' && typeof actual === 'boolean') {
      return expected === actual ? undefined : { path, message: `booleans differ: expected ${expected}, found ${actual}` };
    }
    if (typeof expected === 'number' && typeof actual === 'number') {
      return String(expected) === String(actual) ? undefined : { path, message: `numbers differ: expected ${expected}, found ${actual}` };
    }
    if (isObject(expected) && isObject(actual)) {
      return this.compareObjects(path, expected, actual);
    }
    if (Array.isArray(expected) && Array.isArray(actual)) {
      if (countOnly) {
        return expected.length === actual.length ? undefined : { path, message: `array counts differ: expected ${expected.length}, found ${actual.length}` };
      }
      return this.options.pattern ? this.compareArraysPattern(path, expected, actual) : this.compareArrays(path, expected, actual);
    }
    return { path, message: `primitive types differ: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}` };
  }

  private compareArrays(path: string, expected: Json[], actual: Json[]): Difference | undefined {
    const es = expected.length;
    const as = actual.length;
    let oc = 0;
    for (const e of expected) if (this.isActiveOptional(e)) oc++;
    const expectedMin = es - oc;
    if (as > es || as < expectedMin) {
      return { path, message: `array item count differs: expected ${expectedMin === es ? es : `${expectedMin}-${es}`}, found ${as}` };
    }
    let c = 0;
    for (let i = 0; i < es; i++) {
      if (c >= as) {
        if (i >= es - oc && this.isActiveOptional(expected[i])) {
          const w = this.warningOf(expected[i]);
          if (w !== undefined) this.warnings.push(w);
          return undefined;
        }
        return { path, message: 'One or more array items did not match' };
      }
      const d = this.compareNodes(`${path}[${c}]`, expected[i], actual[c], false);
      if (d) {
        if (this.isActiveOptional(expected[i])) continue;
        return d;
      }
      c++;
    }
    if (c < as) return { path, message: 'Unexpected Node found in array' };
    return undefined;
  }

  private compareArraysPattern(path: string, expected: Json[], actual: Json[]): Difference | undefined {
    let c = 0;
    for (let i = 0; i < expected.length; i++) {
      let found = false;
      while (c < actual.length) {
        const d = this.compareNodes(`${path}[${c}]`, expected[i], actual[c], false);
        c++;
        if (!d) {
          found = true;
          break;
        }
      }
      if (!found) {
        if (this.isActiveOptional(expected[i])) continue;
        return { path, message: `array item ${i} not found in pattern mode` };
      }
    }
    return undefined;
  }
}

function isBase64(s: string): boolean {
  return s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

function sameBase64(a: string, b: string): boolean {
  if (!isBase64(a) || !isBase64(b)) return false;
  return Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
}

/**
 * Compares an expected JSON document (with templates) with an actual one (already scrubbed and sorted).
 * Returns the first difference (if any) and the warnings recorded.
 *
 * @see https://github.com/HL7/fhir-tx-ecosystem-ig
 */
export function compareJson(expected: Json, actual: Json, options: CompareOptions = {}): CompareResult {
  const c = new Comparer(options);
  const difference = c.compareNodes('', expected, actual, false);
  return difference ? { difference, warnings: c.warnings } : { warnings: c.warnings };
}
