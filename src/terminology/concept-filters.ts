/**
 * The ValueSet filters a FHIR CodeSystem answers: on the hierarchy (`concept`/`code` with is-a,
 * descendent-of, child-of …) and on concept properties (=, in, not-in, regex, exists).
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
import type { CodeSystemIndex } from './codesystem-index.ts';
import type { ConceptFilter } from './provider.ts';
import { compileRegex } from '../lib/regex.ts';

const NONE: ConceptFilter = { has: () => false, forEach: () => undefined };
const ALL: ConceptFilter = { has: () => true };

/** The comma-separated codes of an `in` / `not-in` filter value. */
function valueList(value: string): Set<string> {
  return new Set(value.split(',').map((s) => s.trim()));
}

/** Filters whose subject is a concept of the hierarchy (`target`, -1 when the value is not a code). */
function subsumptionFilter(idx: CodeSystemIndex, target: number, op: string): ConceptFilter | undefined {
  switch (op) {
    case 'is-a':
      if (target < 0) return NONE;
      return {
        has: (c) => idx.subsumes(target, c),
        range: () => (idx.isTree ? [target, idx.subtreeEndOf(target)] : undefined),
        forEach: (fn) => {
          if (fn(target) === false) return;
          let stop = false;
          idx.forEachDescendant(target, (d) => {
            if (!stop && fn(d) === false) stop = true;
          });
        },
      };
    case 'descendent-of':
      if (target < 0) return NONE;
      return {
        has: (c) => c !== target && idx.subsumes(target, c),
        forEach: (fn) => {
          let stop = false;
          idx.forEachDescendant(target, (d) => {
            if (!stop && fn(d) === false) stop = true;
          });
        },
      };
    case 'is-not-a':
      if (target < 0) return ALL;
      return { has: (c) => !idx.subsumes(target, c) };
    case 'child-of': {
      if (target < 0) return NONE;
      const kids = new Set(Array.from(idx.children(target)));
      return { has: (c) => kids.has(c) };
    }
    case 'descendent-leaf':
      if (target < 0) return NONE;
      return { has: (c) => c !== target && idx.children(c).length === 0 && idx.subsumes(target, c) };
    case 'generalizes':
      if (target < 0) return NONE;
      return { has: (c) => idx.subsumes(c, target) };
    default:
      return undefined;
  }
}

/**
 * A filter on the concept itself (property `concept` or `code`); undefined when the operator is not supported.
 */
export function conceptFilter(idx: CodeSystemIndex, op: string, value: string): ConceptFilter | undefined {
  switch (op) {
    case '=':
      return { has: (c) => idx.codes[c] === value };
    case 'in': {
      const set = valueList(value);
      return { has: (c) => set.has(idx.codes[c]) };
    }
    case 'not-in': {
      const set = valueList(value);
      return { has: (c) => !set.has(idx.codes[c]) };
    }
    case 'regex': {
      const re = compileRegex(value);
      return { has: (c) => re.matches(idx.codes[c]) };
    }
    case 'exists':
      return value === 'true' ? ALL : NONE;
    default:
      return subsumptionFilter(idx, idx.locate(value), op);
  }
}

/**
 * A filter on a concept property, given the values of that property for a concept; undefined when the
 * operator is not supported.
 */
export function propertyFilter(valuesOf: (c: number) => readonly string[], op: string, value: string): ConceptFilter | undefined {
  switch (op) {
    case '=':
      return { has: (c) => valuesOf(c).includes(value) };
    case 'in': {
      const set = valueList(value);
      return { has: (c) => valuesOf(c).some((v) => set.has(v)) };
    }
    case 'not-in': {
      const set = valueList(value);
      return { has: (c) => !valuesOf(c).some((v) => set.has(v)) };
    }
    case 'regex': {
      const re = compileRegex(value);
      return { has: (c) => valuesOf(c).some((v) => re.matches(v)) };
    }
    case 'exists': {
      const want = value === 'true';
      return { has: (c) => valuesOf(c).length > 0 === want };
    }
    default:
      return undefined;
  }
}
