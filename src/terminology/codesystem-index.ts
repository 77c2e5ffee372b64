/**
 * A compact index of one version of a FHIR CodeSystem resource: concepts numbered in document (pre-)order,
 * a code → number map, parent/child lists (from nesting and from `parent`/`child` properties), status
 * flags, and, for pure nesting hierarchies, subtree ranges that make subsumption O(1). The text index is
 * built on first use. Indexes are cached per resource object, so a new version (a new object) gets a new
 * index and the old one is dropped with it.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 * @see https://hl7.org/fhir/R4/codesystem-concept-properties.html
 */
import type { CodeSystem, CodeSystemConcept, CodeSystemConceptProperty } from '@medplum/fhirtypes';
import { TextIndex } from './text-index.ts';
import { EXT_STANDARDS_STATUS } from './standards-status.ts';

/**
 * Concept property URIs of http://hl7.org/fhir/concept-properties.
 */
export const CONCEPT_PROPERTY = 'http://hl7.org/fhir/concept-properties#';

/**
 * Status flags of a concept.
 */
export const ConceptFlag = {
  Abstract: 1,
  Inactive: 2,
  Deprecated: 4,
} as const;

function propertyValue(p: CodeSystemConceptProperty): string | boolean | number | undefined {
  return (
    p.valueCode ??
    p.valueString ??
    p.valueBoolean ??
    p.valueInteger ??
    p.valueDecimal ??
    p.valueDateTime ??
    (p.valueCoding ? p.valueCoding.code : undefined)
  );
}

/** Property code → well-known meaning: the CodeSystem's declared concept-properties URIs, then the usual codes. */
function propertyMeanings(resource: CodeSystem): Map<string, string> {
  const meaning = new Map<string, string>();
  for (const p of resource.property ?? []) {
    if (p.uri?.startsWith(CONCEPT_PROPERTY)) meaning.set(p.code, p.uri.substring(CONCEPT_PROPERTY.length));
  }
  for (const known of ['status', 'inactive', 'notSelectable', 'parent', 'child', 'deprecated', 'retired']) {
    if (!meaning.has(known) && ![...meaning.values()].includes(known)) meaning.set(known, known);
  }
  if (!meaning.has('not-selectable') && ![...meaning.values()].includes('notSelectable')) meaning.set('not-selectable', 'notSelectable');
  return meaning;
}

/** The concepts numbered in pre-order, with each one's nesting parent (-1 for none) and subtree end. */
function numberConcepts(top: readonly CodeSystemConcept[] | undefined): {
  codes: string[];
  concepts: CodeSystemConcept[];
  nestParent: number[];
  subtreeEnd: number[];
} {
  const codes: string[] = [];
  const concepts: CodeSystemConcept[] = [];
  const nestParent: number[] = [];
  const subtreeEnd: number[] = [];
  const walk = (list: readonly CodeSystemConcept[] | undefined, parent: number): void => {
    for (const c of list ?? []) {
      const i = codes.length;
      codes.push(c.code);
      concepts.push(c);
      nestParent.push(parent);
      subtreeEnd.push(0);
      walk(c.concept, i);
      subtreeEnd[i] = codes.length;
    }
  };
  walk(top, -1);
  return { codes, concepts, nestParent, subtreeEnd };
}

/** Key → the first position it appears at. */
function firstIndexOf(keys: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) if (!map.has(keys[i])) map.set(keys[i], i);
  return map;
}

/** The status flags of one concept's property (and whether it is a parent/child link, pushed to `links`). */
function propertyFlags(i: number, p: CodeSystemConceptProperty, meaning: ReadonlyMap<string, string>, byCode: ReadonlyMap<string, number>, links: number[]): number {
  const m = meaning.get(p.code) ?? p.code;
  const v = propertyValue(p);
  const yes = v === true || v === 'true';
  if (m === 'parent' || m === 'child') {
    const other = typeof v === 'string' ? byCode.get(v) : undefined;
    if (other !== undefined && other !== i) {
      if (m === 'parent') links.push(i, other);
      else links.push(other, i);
    }
    return 0;
  }
  if (m === 'notSelectable' || p.code === 'notSelectable' || p.code === 'not-selectable' || p.code === 'abstract') return yes ? ConceptFlag.Abstract : 0;
  if (m === 'inactive' || p.code === 'inactive') return yes ? ConceptFlag.Inactive : 0;
  if (m === 'status' || p.code === 'status') {
    return (v === 'inactive' || v === 'retired' ? ConceptFlag.Inactive : 0) | (v === 'deprecated' ? ConceptFlag.Deprecated : 0);
  }
  if (m === 'deprecated') return yes ? ConceptFlag.Deprecated : 0;
  if (m === 'retired') return yes ? ConceptFlag.Inactive : 0;
  return 0;
}

/** Each concept's status flags, from its properties and the standards-status extension; property links go to `links`. */
function conceptFlags(concepts: readonly CodeSystemConcept[], meaning: ReadonlyMap<string, string>, byCode: ReadonlyMap<string, number>, links: number[]): Uint8Array {
  const flags = new Uint8Array(concepts.length);
  for (let i = 0; i < concepts.length; i++) {
    const c = concepts[i];
    let f = 0;
    for (const p of c.property ?? []) f |= propertyFlags(i, p, meaning, byCode, links);
    for (const e of c.extension ?? []) {
      if (e.url === EXT_STANDARDS_STATUS) {
        const v = (e.valueCode ?? e.valueString ?? '').toLowerCase();
        if (v === 'withdrawn') f |= ConceptFlag.Inactive;
        if (v === 'deprecated') f |= ConceptFlag.Deprecated;
      }
    }
    flags[i] = f;
  }
  return flags;
}

/** The property links (child, parent pairs) that nesting does not already give, each once. */
function newLinks(nestParent: readonly number[], extraParents: readonly number[]): number[] {
  const extra: number[] = [];
  if (extraParents.length === 0) return extra;
  const seen = new Set<string>();
  for (let i = 0; i < nestParent.length; i++) if (nestParent[i] >= 0) seen.add(`${i}>${nestParent[i]}`);
  for (let k = 0; k < extraParents.length; k += 2) {
    const key = `${extraParents[k]}>${extraParents[k + 1]}`;
    if (!seen.has(key)) {
      seen.add(key);
      extra.push(extraParents[k], extraParents[k + 1]);
    }
  }
  return extra;
}

/** Parent and child lists in compressed-row form: nesting parents first, then the property links. */
function linkLists(nestParent: readonly number[], extra: readonly number[]): { parentStart: Int32Array; parentList: Int32Array; childStart: Int32Array; childList: Int32Array } {
  const n = nestParent.length;
  const parentCount = new Int32Array(n + 1);
  const childCount = new Int32Array(n + 1);
  let links = 0;
  const count = (c: number, p: number): void => {
    parentCount[c]++;
    childCount[p]++;
    links++;
  };
  for (let i = 0; i < n; i++) if (nestParent[i] >= 0) count(i, nestParent[i]);
  for (let k = 0; k < extra.length; k += 2) count(extra[k], extra[k + 1]);
  const parentStart = new Int32Array(n + 1);
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    parentStart[i + 1] = parentStart[i] + parentCount[i];
    childStart[i + 1] = childStart[i] + childCount[i];
  }
  const parentList = new Int32Array(links);
  const childList = new Int32Array(links);
  const pFill = parentStart.slice(0, n);
  const cFill = childStart.slice(0, n);
  const fill = (c: number, p: number): void => {
    parentList[pFill[c]++] = p;
    childList[cFill[p]++] = c;
  };
  for (let i = 0; i < n; i++) if (nestParent[i] >= 0) fill(i, nestParent[i]);
  for (let k = 0; k < extra.length; k += 2) fill(extra[k], extra[k + 1]);
  return { parentStart, parentList, childStart, childList };
}

/**
 * The index of one CodeSystem resource.
 */
export class CodeSystemIndex {
  readonly resource: CodeSystem;
  readonly size: number;
  readonly codes: readonly string[];
  readonly concepts: readonly CodeSystemConcept[];
  /** Property code → well-known meaning (`status`, `inactive`, `notSelectable`, `parent`, …). */
  readonly propertyMeaning: ReadonlyMap<string, string>;
  private readonly byCode: Map<string, number>;
  private readonly byLowerCode: Map<string, number> | undefined;
  private readonly parentStart: Int32Array;
  private readonly parentList: Int32Array;
  private readonly childStart: Int32Array;
  private readonly childList: Int32Array;
  /** For a pure nesting hierarchy: the exclusive end of each concept's subtree in concept order. */
  private readonly subtreeEnd: Int32Array | undefined;
  readonly flags: Uint8Array;
  readonly roots: Int32Array;
  private text: TextIndex | undefined;
  /** Stated status per concept, filled on first use of each concept (`statusKnown` marks the filled ones). */
  private statuses: (string | undefined)[] | undefined;
  private statusKnown: Uint8Array | undefined;

  constructor(resource: CodeSystem) {
    this.resource = resource;
    const meaning = propertyMeanings(resource);
    this.propertyMeaning = meaning;
    const { codes, concepts, nestParent, subtreeEnd } = numberConcepts(resource.concept);
    const n = codes.length;
    this.size = n;
    this.codes = codes;
    this.concepts = concepts;
    this.byCode = firstIndexOf(codes);
    if (resource.caseSensitive === false) this.byLowerCode = firstIndexOf(codes.map((c) => c.toLowerCase()));
    const extraParents: number[] = []; // child, parent, child, parent …
    this.flags = conceptFlags(concepts, meaning, this.byCode, extraParents);
    const extra = newLinks(nestParent, extraParents);
    const links = linkLists(nestParent, extra);
    this.parentStart = links.parentStart;
    this.parentList = links.parentList;
    this.childStart = links.childStart;
    this.childList = links.childList;
    const roots: number[] = [];
    for (let i = 0; i < n; i++) if (this.parentStart[i + 1] === this.parentStart[i]) roots.push(i);
    this.roots = Int32Array.from(roots);
    this.subtreeEnd = extra.length === 0 ? Int32Array.from(subtreeEnd) : undefined;
  }

  /** The number of a code, or -1. Case-insensitive code systems also match other cases. */
  locate(code: string): number {
    const i = this.byCode.get(code);
    if (i !== undefined) return i;
    if (this.byLowerCode !== undefined) {
      const j = this.byLowerCode.get(code.toLowerCase());
      if (j !== undefined) return j;
    }
    return -1;
  }

  /** The first parent of concept `i` (as `parents(i)[0]`), or -1; allocates nothing. */
  firstParent(i: number): number {
    const start = this.parentStart[i];
    return start === this.parentStart[i + 1] ? -1 : this.parentList[start];
  }

  /** Parents of concept `i`. */
  parents(i: number): Int32Array {
    return this.parentList.subarray(this.parentStart[i], this.parentStart[i + 1]);
  }

  /** Children of concept `i`, in concept order. */
  children(i: number): Int32Array {
    return this.childList.subarray(this.childStart[i], this.childStart[i + 1]);
  }

  /** True when the hierarchy is pure nesting (subtrees are contiguous ranges). */
  get isTree(): boolean {
    return this.subtreeEnd !== undefined;
  }

  /** End (exclusive) of the subtree of `i` in concept order, when the hierarchy is a tree. */
  subtreeEndOf(i: number): number {
    return this.subtreeEnd === undefined ? -1 : this.subtreeEnd[i];
  }

  /** True when `descendant` is `ancestor` or below it. */
  subsumes(ancestor: number, descendant: number): boolean {
    if (ancestor === descendant) return true;
    if (this.subtreeEnd !== undefined) return descendant > ancestor && descendant < this.subtreeEnd[ancestor];
    const stack = [descendant];
    const visited = new Set<number>();
    while (stack.length > 0) {
      const x = stack.pop() as number;
      for (const p of this.parents(x)) {
        if (p === ancestor) return true;
        if (!visited.has(p)) {
          visited.add(p);
          stack.push(p);
        }
      }
    }
    return false;
  }

  /** Calls `fn` for every descendant of `i` (not `i` itself), each once. */
  forEachDescendant(i: number, fn: (d: number) => void): void {
    if (this.subtreeEnd !== undefined) {
      for (let d = i + 1; d < this.subtreeEnd[i]; d++) fn(d);
      return;
    }
    const visited = new Set<number>([i]);
    const stack = [i];
    while (stack.length > 0) {
      const x = stack.pop() as number;
      for (const c of this.children(x)) {
        if (!visited.has(c)) {
          visited.add(c);
          fn(c);
          stack.push(c);
        }
      }
    }
  }

  /** The text index (built on first use). */
  textIndex(): TextIndex {
    if (this.text === undefined) {
      this.text = new TextIndex(this.size, (i) => {
        const c = this.concepts[i];
        const texts: string[] = [];
        if (c.display !== undefined) texts.push(c.display);
        for (const d of c.designation ?? []) texts.push(d.value);
        return texts;
      });
    }
    return this.text;
  }

  /** The well-known meaning of a concept property code. */
  meaningOf(code: string): string {
    return this.propertyMeaning.get(code) ?? code;
  }

  /**
   * The concept's stated status: its `status` property, else `deprecated` / `inactive` / `retired` from a
   * true boolean property, else its standards-status extension. Computed once per concept.
   */
  conceptStatus(i: number): string | undefined {
    const known = (this.statusKnown ??= new Uint8Array(this.size));
    const statuses = (this.statuses ??= new Array<string | undefined>(this.size));
    if (known[i] === 0) {
      statuses[i] = this.statedStatus(i);
      known[i] = 1;
    }
    return statuses[i];
  }

  private statedStatus(i: number): string | undefined {
    const concept = this.concepts[i];
    for (const p of concept.property ?? []) {
      if (this.meaningOf(p.code) === 'status') return statusText(p);
    }
    for (const p of concept.property ?? []) {
      const m = this.meaningOf(p.code);
      const v = statusText(p);
      if (m === 'deprecated' && v === 'true') return 'deprecated';
      if (m === 'inactive' && v === 'true') return 'inactive';
      if (m === 'retired' && v === 'true') return 'retired';
    }
    const ext = concept.extension?.find((e) => e.url === EXT_STANDARDS_STATUS);
    return ext?.valueCode ?? ext?.valueString;
  }
}

/** A property value as text (as the provider reports it). */
function statusText(p: CodeSystemConceptProperty): string | undefined {
  const v = propertyValue(p);
  return v === undefined ? undefined : String(v);
}

const cache = new WeakMap<CodeSystem, CodeSystemIndex>();

/**
 * The index of a CodeSystem resource object, built once per object.
 */
export function indexCodeSystem(resource: CodeSystem): CodeSystemIndex {
  let idx = cache.get(resource);
  if (idx === undefined) {
    idx = new CodeSystemIndex(resource);
    cache.set(resource, idx);
  }
  return idx;
}
