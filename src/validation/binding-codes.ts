/**
 * A small, self-contained code membership check for the validator's binding check: is a code in a value set,
 * does a code exist in its code system. It reads only `compose` definitions and code system concept trees
 * (lazily indexed, once per resource) and answers `unknown` whenever it cannot decide locally — the full
 * terminology engine replaces it behind the same two function types ({@link ValueSetMembershipCheck},
 * {@link CodeLookup}).
 *
 * Supported: `compose.include`/`exclude` by whole system (all codes of a complete CodeSystem, nested concepts
 * included), by concept list, by `valueSet` import (intersection), filters `is-a`, `descendent-of`,
 * `is-not-a`, `in`, `not-in`, `regex`, `exists` and `=` on concept properties over the CodeSystem hierarchy
 * (nested concepts and the `parent`/`subsumedBy` properties); grammar-based systems BCP-47 (languages) and
 * BCP-13 (MIME types) by syntax. Anything else (value sets without `compose`, code systems that are not
 * complete, unknown filters) yields `unknown`.
 *
 * @see https://hl7.org/fhir/R4/valueset.html#compositions
 * @see https://hl7.org/fhir/R4/codesystem.html#hierachy
 */
import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { parseCanonical } from './canonical-index.ts';
import type { CanonicalReference, CodeLookup, CodeLookupResult, MembershipResult, ValueSetMembershipCheck } from './types.ts';

/**
 * Where the membership check finds value sets and code systems.
 * @see https://hl7.org/fhir/R4/valueset.html#compositions
 */
export interface TerminologySource {
  findValueSet(reference: CanonicalReference): ValueSet | undefined;
  findCodeSystem(reference: CanonicalReference): CodeSystem | undefined;
}

/**
 * The two checks the binding check needs.
 * @see https://hl7.org/fhir/R4/valueset.html#compositions
 */
export interface BindingCodes {
  readonly checkValueSetMembership: ValueSetMembershipCheck;
  readonly lookupCode: CodeLookup;
}

/** Deepest chain of `valueSet` imports followed before giving up (guards against cycles). */
const MAX_VALUE_SET_IMPORT_DEPTH = 16;

type Tri = 'yes' | 'no' | 'unknown';

interface IndexedConcept {
  readonly concept: CodeSystemConcept;
  readonly parents: readonly string[];
}

interface CodeSystemIndex {
  readonly caseSensitive: boolean;
  readonly complete: boolean;
  readonly concepts: ReadonlyMap<string, IndexedConcept>;
  readonly children: ReadonlyMap<string, readonly string[]>;
}

/** Syntax of systems defined by a grammar rather than a list of codes. */
const GRAMMAR_SYSTEMS: Readonly<Record<string, RegExp>> = {
  // BCP-47 language tags (simplified RFC 5646: language, optional script/region/variants/extensions)
  'urn:ietf:bcp:47': /^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/,
  // BCP-13 MIME types: type "/" subtype, optional parameters
  'urn:ietf:bcp:13': /^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*\/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*(\s*;\s*[^\s;=]+=[^;]+)*$/,
};

const codeSystemIndexes = new WeakMap<CodeSystem, CodeSystemIndex>();

function key(code: string, caseSensitive: boolean): string {
  return caseSensitive ? code : code.toLowerCase();
}

/** Indexes a code system's concepts once: code → concept and parents; code → children. */
function indexCodeSystem(codeSystem: CodeSystem): CodeSystemIndex {
  const cached = codeSystemIndexes.get(codeSystem);
  if (cached) return cached;
  const caseSensitive = codeSystem.caseSensitive !== false;
  const concepts = new Map<string, IndexedConcept>();
  const children = new Map<string, string[]>();
  const addChild = (parent: string, child: string): void => {
    const list = children.get(parent);
    if (list) list.push(child);
    else children.set(parent, [child]);
  };
  const visit = (list: readonly CodeSystemConcept[] | undefined, parent: string | undefined): void => {
    for (const concept of list ?? []) {
      if (typeof concept.code !== 'string') continue;
      const code = key(concept.code, caseSensitive);
      const parents: string[] = parent === undefined ? [] : [parent];
      for (const property of concept.property ?? []) {
        if ((property.code === 'parent' || property.code === 'subsumedBy') && typeof property.valueCode === 'string') {
          parents.push(key(property.valueCode, caseSensitive));
        }
      }
      concepts.set(code, { concept, parents });
      for (const p of parents) addChild(p, code);
      visit(concept.concept, code);
    }
  };
  visit(codeSystem.concept, undefined);
  const index: CodeSystemIndex = { caseSensitive, complete: codeSystem.content === 'complete', concepts, children };
  codeSystemIndexes.set(codeSystem, index);
  return index;
}

/** True when `code` is `ancestor` or one of its descendants. */
function isA(index: CodeSystemIndex, code: string, ancestor: string): boolean {
  const target = key(ancestor, index.caseSensitive);
  const seen = new Set<string>();
  const stack = [key(code, index.caseSensitive)];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    if (current === target) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    stack.push(...(index.concepts.get(current)?.parents ?? []));
  }
  return false;
}

function propertyMatches(concept: CodeSystemConcept, property: string, value: string): boolean {
  return (concept.property ?? []).some((p) => {
    if (p.code !== property) return false;
    const v = p.valueCode ?? p.valueString ?? p.valueBoolean ?? p.valueInteger ?? p.valueDecimal ?? p.valueDateTime ?? p.valueCoding?.code;
    return v !== undefined && String(v) === value;
  });
}

/** Evaluates one include/exclude filter for a code known to the code system. */
function filterMatches(index: CodeSystemIndex, code: string, filter: { property?: string; op?: string; value?: string }): Tri {
  const { property, op, value } = filter;
  if (property === undefined || op === undefined || value === undefined) return 'unknown';
  const entry = index.concepts.get(key(code, index.caseSensitive));
  if (property === 'concept' || property === 'code') {
    switch (op) {
      case 'is-a':
        return isA(index, code, value) ? 'yes' : 'no';
      case 'descendent-of':
        return key(code, index.caseSensitive) !== key(value, index.caseSensitive) && isA(index, code, value) ? 'yes' : 'no';
      case 'is-not-a':
        return isA(index, code, value) ? 'no' : 'yes';
      case 'in':
        return value.split(',').some((v) => key(v.trim(), index.caseSensitive) === key(code, index.caseSensitive)) ? 'yes' : 'no';
      case 'not-in':
        return value.split(',').some((v) => key(v.trim(), index.caseSensitive) === key(code, index.caseSensitive)) ? 'no' : 'yes';
      case 'regex':
        try {
          return new RegExp(`^(?:${value})$`).test(code) ? 'yes' : 'no';
        } catch {
          return 'unknown';
        }
      case '=':
        return key(value, index.caseSensitive) === key(code, index.caseSensitive) ? 'yes' : 'no';
      default:
        return 'unknown';
    }
  }
  if (entry === undefined) return 'unknown';
  switch (op) {
    case '=':
      return propertyMatches(entry.concept, property, value) ? 'yes' : 'no';
    case 'in':
      return value.split(',').some((v) => propertyMatches(entry.concept, property, v.trim())) ? 'yes' : 'no';
    case 'not-in':
      return value.split(',').some((v) => propertyMatches(entry.concept, property, v.trim())) ? 'no' : 'yes';
    case 'exists': {
      const has = (entry.concept.property ?? []).some((p) => p.code === property);
      return has === (value === 'true') ? 'yes' : 'no';
    }
    default:
      return 'unknown';
  }
}

function and(a: Tri, b: Tri): Tri {
  if (a === 'no' || b === 'no') return 'no';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return 'yes';
}

/**
 * Creates the membership check over a terminology source. Code system indexes are built on first use and
 * kept with the code system object.
 * @see https://hl7.org/fhir/R4/valueset.html#compositions
 */
export function createBindingCodes(source: TerminologySource): BindingCodes {
  const systemPart = (include: ValueSetComposeInclude, coding: { system?: string; code: string }): Tri => {
    const system = include.system;
    if (system === undefined) return 'yes';
    if (coding.system !== undefined && coding.system !== system) return 'no';
    if (include.concept !== undefined && include.concept.length > 0) {
      const codeSystem = source.findCodeSystem({ url: system, version: include.version });
      const caseSensitive = codeSystem?.caseSensitive !== false;
      return include.concept.some((c) => key(c.code ?? '', caseSensitive) === key(coding.code, caseSensitive)) ? 'yes' : 'no';
    }
    const grammar = GRAMMAR_SYSTEMS[system];
    if (grammar !== undefined && (include.filter ?? []).length === 0) return grammar.test(coding.code) ? 'yes' : 'no';
    const codeSystem = source.findCodeSystem({ url: system, version: include.version });
    if (codeSystem === undefined || codeSystem.content === 'not-present' || codeSystem.content === 'supplement') return 'unknown';
    const index = indexCodeSystem(codeSystem);
    const known = index.concepts.has(key(coding.code, index.caseSensitive));
    if (!known) return index.complete ? 'no' : 'unknown';
    let result: Tri = 'yes';
    for (const filter of include.filter ?? []) {
      result = and(result, filterMatches(index, coding.code, filter));
      if (result === 'no') break;
    }
    return result;
  };

  const inValueSet = (valueSet: ValueSet, coding: { system?: string; code: string }, depth: number): Tri => {
    if (depth > MAX_VALUE_SET_IMPORT_DEPTH) return 'unknown';
    const compose = valueSet.compose;
    if (compose === undefined) return 'unknown';
    let result: Tri = 'no';
    for (const include of compose.include ?? []) {
      const r = inInclude(include, coding, depth);
      if (r === 'yes') {
        result = 'yes';
        break;
      }
      if (r === 'unknown') result = 'unknown';
    }
    if (result !== 'yes') return result;
    for (const exclude of compose.exclude ?? []) {
      const r = inInclude(exclude, coding, depth);
      if (r === 'yes') return 'no';
      if (r === 'unknown') return 'unknown';
    }
    return 'yes';
  };

  const inInclude = (include: ValueSetComposeInclude, coding: { system?: string; code: string }, depth: number): Tri => {
    let result = systemPart(include, coding);
    if (result === 'no') return 'no';
    for (const canonical of include.valueSet ?? []) {
      const imported = source.findValueSet(parseCanonical(canonical));
      result = and(result, imported === undefined ? 'unknown' : inValueSet(imported, coding, depth + 1));
      if (result === 'no') return 'no';
    }
    return result;
  };

  const checkValueSetMembership: ValueSetMembershipCheck = (valueSetUrl, coding): MembershipResult => {
    const valueSet = source.findValueSet(parseCanonical(valueSetUrl));
    if (valueSet === undefined) return 'unknown-valueset';
    const result = inValueSet(valueSet, coding, 0);
    if (result === 'yes') return 'valid';
    return result === 'no' ? 'invalid' : 'unknown-valueset';
  };

  const lookupCode: CodeLookup = ({ system, version, code }): CodeLookupResult => {
    const grammar = GRAMMAR_SYSTEMS[system];
    if (grammar !== undefined) return grammar.test(code) ? { result: 'found', displays: [] } : { result: 'not-found', complete: true };
    const codeSystem = source.findCodeSystem({ url: system, version }) ?? (version === undefined ? undefined : source.findCodeSystem({ url: system }));
    if (codeSystem === undefined || codeSystem.content === 'not-present' || codeSystem.content === 'supplement') {
      return { result: 'unknown-codesystem' };
    }
    const index = indexCodeSystem(codeSystem);
    const entry = index.concepts.get(key(code, index.caseSensitive));
    if (entry === undefined) return { result: 'not-found', complete: index.complete };
    const displays = [entry.concept.display, ...(entry.concept.designation ?? []).map((d) => d.value)].filter(
      (d): d is string => typeof d === 'string',
    );
    return { result: 'found', displays };
  };

  return { checkValueSetMembership, lookupCode };
}
