/**
 * The specialised check of a CodeSystem's concept tree. The generic checks walk every element of a
 * resource with its element definition; over a 100,000-concept tree (about 1.5 million elements) the schema,
 * structure and element walks take seconds. Nearly every large code system is "plain": each concept holds
 * only `code`, `display`, `definition`, `designation` (`language`, `use`, `value`), `property` (`code` and one
 * `value[x]`) and nested `concept`s, with well-formed values and unique codes. For a plain tree the generic
 * schema and structure checks find nothing in the concepts, so the validator runs them on the CodeSystem
 * without its concepts, and the element checks (bindings, references) see only the Codings of the tree —
 * each distinct Coding once, its issues repeated at every place it occurs.
 *
 * {@link scanConceptTree} decides plainness strictly: anything it does not model (extensions, `id`s,
 * `_display`, a `valueDateTime`, an unknown key, a value of the wrong type or format, an empty array, a
 * repeated code...) makes the tree not plain, and the validator then checks the whole resource the generic
 * way, with the same issues as before. test/validation/codesystem-concepts.test.ts checks that both ways
 * report the same issues.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 * @see https://hl7.org/fhir/R4/json.html#primitive
 */
import type { InternalTypeSchema } from '@medplum/core';
import { tryGetDataType } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { complexTypeSchema, resolveProperty, walkValue, type WalkCallbacks } from './element-walker.ts';
import type { ValidationIssue } from './types.ts';

/** The R4 JSON schema's `code` pattern. */
const CODE = /^[^\s]+(\s[^\s]+)*$/;
/** The R4 JSON schema's `string` pattern. */
const STRING = /^[ \r\n\t\S]+$/;
/** `@medplum/core` refuses strings over 1 MB; the plain check stays well below. */
const MAX_STRING = 1 << 19;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const CONCEPT_KEYS = new Set(['code', 'display', 'definition', 'designation', 'property', 'concept']);
const DESIGNATION_KEYS = new Set(['language', 'use', 'value']);
const CODING_KEYS = new Set(['system', 'version', 'code', 'display', 'userSelected']);
const VALUE_KEYS = new Set(['valueCode', 'valueCoding', 'valueString', 'valueInteger', 'valueBoolean', 'valueDecimal']);

/** A Coding of the tree: the concept (by number) and item holding it, and which element it is. */
interface CodingAt {
  readonly kind: 'use' | 'valueCoding';
  readonly concept: number;
  /** Index of the designation or property in its concept. */
  readonly item: number;
  readonly coding: Coding;
  readonly parent: Readonly<Record<string, unknown>>;
}

/**
 * What {@link scanConceptTree} found in a plain tree: for each concept (numbered in visiting order) its
 * parent's number (-1 at the top) and its index among its siblings — from which its location is built only
 * when needed — and every Coding.
 */
export interface PlainConceptTree {
  readonly concepts: number;
  readonly parent: readonly number[];
  readonly position: readonly number[];
  readonly codings: readonly CodingAt[];
}

/** The FHIRPath location of concept `n` of a plain tree (`CodeSystem.concept[2].concept[0]`). */
function conceptPath(tree: PlainConceptTree, n: number): string {
  const parts: string[] = [];
  for (let c = n; c >= 0; c = tree.parent[c]) parts.push(`.concept[${tree.position[c]}]`);
  return `CodeSystem${parts.reverse().join('')}`;
}

function codingPath(tree: PlainConceptTree, at: CodingAt): string {
  const base = conceptPath(tree, at.concept);
  return at.kind === 'use' ? `${base}.designation[${at.item}].use` : `${base}.property[${at.item}].value.ofType(Coding)`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCode(value: unknown): boolean {
  return typeof value === 'string' && value.length <= MAX_STRING && CODE.test(value);
}

function isString(value: unknown): boolean {
  return typeof value === 'string' && value.length <= MAX_STRING && STRING.test(value);
}

function onlyKeys(object: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in object) if (!allowed.has(key) || object[key] === undefined || object[key] === null) return false;
  return true;
}

function isPlainCoding(value: unknown): value is Coding {
  if (!isObject(value) || !onlyKeys(value, CODING_KEYS)) return false;
  const { system, version, code, display, userSelected } = value;
  if (system !== undefined && !(typeof system === 'string' && system.length > 0 && system.length <= MAX_STRING && /^\S*$/.test(system))) return false;
  if (version !== undefined && !isString(version)) return false;
  if (code !== undefined && !isCode(code)) return false;
  if (display !== undefined && !isString(display)) return false;
  return userSelected === undefined || typeof userSelected === 'boolean';
}

/** A non-empty array of objects, or undefined when absent; null when it is anything else. */
function objects(value: unknown): Record<string, unknown>[] | undefined | null {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) return null;
  for (const item of value) if (!isObject(item)) return null;
  return value as Record<string, unknown>[];
}

function plainDesignations(list: Record<string, unknown>[], concept: number, codings: CodingAt[]): boolean {
  for (let j = 0; j < list.length; j++) {
    const d = list[j];
    if (!onlyKeys(d, DESIGNATION_KEYS) || !isString(d.value)) return false;
    if (d.language !== undefined && !isCode(d.language)) return false;
    if (d.use !== undefined) {
      if (!isPlainCoding(d.use)) return false;
      codings.push({ kind: 'use', concept, item: j, coding: d.use, parent: d });
    }
  }
  return true;
}

function plainValue(key: string, value: unknown): boolean {
  switch (key) {
    case 'valueCode':
      return isCode(value);
    case 'valueString':
      return isString(value);
    case 'valueInteger':
      return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
    case 'valueBoolean':
      return typeof value === 'boolean';
    case 'valueDecimal':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return isPlainCoding(value);
  }
}

function plainProperties(list: Record<string, unknown>[], concept: number, codings: CodingAt[]): boolean {
  for (let j = 0; j < list.length; j++) {
    const p = list[j];
    let valueKey: string | undefined;
    for (const key in p) {
      if (key === 'code') continue;
      if (valueKey !== undefined || !VALUE_KEYS.has(key)) return false;
      valueKey = key;
    }
    if (valueKey === undefined || !isCode(p.code) || !plainValue(valueKey, p[valueKey])) return false;
    if (valueKey === 'valueCoding') codings.push({ kind: 'valueCoding', concept, item: j, coding: p.valueCoding as Coding, parent: p });
  }
  return true;
}

/** One concept (not its children): plain or not; its Codings are added to `codings`. */
function plainConcept(concept: Record<string, unknown>, n: number, codings: CodingAt[]): boolean {
  if (!onlyKeys(concept, CONCEPT_KEYS) || !isCode(concept.code)) return false;
  if (concept.display !== undefined && !isString(concept.display)) return false;
  if (concept.definition !== undefined && !isString(concept.definition)) return false;
  const designations = objects(concept.designation);
  if (designations === null || (designations !== undefined && !plainDesignations(designations, n, codings))) return false;
  const properties = objects(concept.property);
  return properties !== null && (properties === undefined || plainProperties(properties, n, codings));
}

/**
 * Scans a CodeSystem's `concept` tree without recursion: the tree's concepts and Codings when it is plain
 * (see the module comment), else undefined.
 */
export function scanConceptTree(concept: unknown): PlainConceptTree | undefined {
  const top = objects(concept);
  if (top === null) return undefined;
  const codings: CodingAt[] = [];
  const codes = new Set<string>();
  const parent: number[] = [];
  const position: number[] = [];
  const stack: { list: Record<string, unknown>[]; owner: number }[] = top === undefined ? [] : [{ list: top, owner: -1 }];
  while (stack.length > 0) {
    const { list, owner } = stack.pop() as { list: Record<string, unknown>[]; owner: number };
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      const n = parent.length;
      parent.push(owner);
      position.push(i);
      if (!plainConcept(c, n, codings)) return undefined;
      const code = c.code as string;
      if (codes.has(code)) return undefined;
      codes.add(code);
      const children = objects(c.concept);
      if (children === null) return undefined;
      if (children !== undefined) stack.push({ list: children, owner: n });
    }
  }
  return { concepts: parent.length, parent, position, codings };
}

/** The type schemas and elements of the Codings a plain tree can hold. */
function codingElements(): { readonly use: { owner: InternalTypeSchema; name: string }; readonly valueCoding: { owner: InternalTypeSchema; name: string } } | undefined {
  const cs = tryGetDataType('CodeSystem');
  const concept = cs === undefined ? undefined : complexTypeSchema(cs, 'CodeSystemConcept', {});
  const designation = concept === undefined ? undefined : complexTypeSchema(concept, 'CodeSystemConceptDesignation', {});
  const property = concept === undefined ? undefined : complexTypeSchema(concept, 'CodeSystemConceptProperty', {});
  if (designation === undefined || property === undefined) return undefined;
  return { use: { owner: designation, name: 'use' }, valueCoding: { owner: property, name: 'valueCoding' } };
}

/**
 * The element checks of a plain tree's Codings, through the walk's callbacks: each distinct Coding (per
 * element) is walked once, and the issues that walk added to `sinks` are repeated, relocated, for every
 * other place the same Coding occurs.
 * @param sinks - the issue lists of the checks behind `callbacks`
 */
export function visitConceptCodings(resource: Resource, tree: PlainConceptTree, callbacks: WalkCallbacks, sinks: readonly ValidationIssue[][]): void {
  const elements = codingElements();
  if (elements === undefined || tree.codings.length === 0) return;
  const seen = new Map<string, { path: string; added: { sink: ValidationIssue[]; issue: ValidationIssue }[] }>();
  for (const at of tree.codings) {
    const c = at.coding;
    const key = `${at.kind}\u0000${c.system}\u0000${c.version}\u0000${c.code}\u0000${c.display}\u0000${c.userSelected}`;
    const first = seen.get(key);
    if (first !== undefined) {
      if (first.added.length === 0) continue;
      const path = codingPath(tree, at);
      for (const { sink, issue } of first.added) sink.push(relocated(issue, first.path, path));
      continue;
    }
    const before = sinks.map((s) => s.length);
    const { owner, name } = elements[at.kind];
    const resolved = resolveProperty(owner, name);
    if (resolved === undefined) continue;
    const path = codingPath(tree, at);
    const visit = { path, element: resolved.element, type: 'Coding', value: c, property: name, parent: at.parent, resource, inPrimitiveExtension: false };
    walkValue(visit, owner, callbacks);
    seen.set(key, { path, added: sinks.flatMap((sink, k) => sink.slice(before[k]).map((issue) => ({ sink, issue }))) });
  }
}

function relocated(issue: ValidationIssue, from: string, to: string): ValidationIssue {
  if (issue.expression === undefined) return issue;
  return { ...issue, expression: issue.expression.map((e) => (e.startsWith(from) ? to + e.slice(from.length) : e)) };
}
