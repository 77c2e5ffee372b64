/**
 * Runs a checked search over the in-memory index: filter, stable sort, page, `_include` / `_revinclude`.
 *
 * @see https://hl7.org/fhir/R4/search.html
 */
import type { Resource } from '@medplum/fhirtypes';
import { appendAll } from '../lib/arrays.ts';
import { compareVersions } from '../fhir/versions.ts';
import type { SearchParamDef } from './parameters.ts';
import { compileFilter, type MatchContext } from './match.ts';
import type { IncludeSpec, SearchQuery } from './query.ts';
import { extractValues, normalizeString } from './values.ts';

/** What search reads of a current resource version (the store's index entries carry more). */
export interface SearchEntry {
  readonly resourceType: string;
  readonly id: string;
  readonly resource: Resource;
  /** Store sequence number: the stable default order. */
  readonly seq: number;
}

/**
 * What search reads of the index of current versions. The store's `ResourceIndex` satisfies it; declaring it
 * here keeps search below the store (the store calls search, never the other way).
 */
export interface SearchIndex<E extends SearchEntry> {
  get(resourceType: string, id: string): E | undefined;
  all(resourceType: string): readonly E[];
  byCanonical(resourceType: string, url: string): readonly E[];
}

/** Result of a search, before it becomes a Bundle. */
export interface SearchResult<E extends SearchEntry = SearchEntry> {
  /** The page of matches. */
  readonly matches: readonly E[];
  /** Number of matches in all pages. */
  readonly total: number;
  /** Resources added by `_include` / `_revinclude` (not counted in `total`). */
  readonly included: readonly E[];
}

/** Largest number of `:iterate` rounds (guards against cycles in huge graphs). */
const MAX_INCLUDE_ITERATIONS = 5;

function sortKey<E extends SearchEntry>(entry: E, param: SearchParamDef): string | number | undefined {
  const values = extractValues(entry.resource, param);
  switch (values.type) {
    case 'string':
      return values.values.length ? normalizeString(values.values[0]) : undefined;
    case 'token':
      return values.values.length ? (values.values[0].code ?? '') : undefined;
    case 'uri':
    case 'reference':
      return values.values[0];
    case 'date':
      return values.values.length ? values.values[0].start : undefined;
    case 'number':
      return values.values.length ? values.values[0].value : undefined;
    default:
      return undefined;
  }
}

function compareKeys(a: string | number | undefined, b: string | number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // missing values sort last
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

/** Sort rules of one type. */
type SortRules = SearchQuery['sort'];

/**
 * A stable comparator by `_sort` rules (looked up per entry's type, for system-level search), then type and id.
 * @see https://hl7.org/fhir/R4/search.html#sort
 */
export function sortComparator<E extends SearchEntry>(rulesFor: (resourceType: string) => SortRules): (a: E, b: E) => number {
  return (a, b) => {
    const ra = rulesFor(a.resourceType);
    const rb = rulesFor(b.resourceType);
    for (let i = 0; i < ra.length && i < rb.length; i++) {
      const c = compareKeys(sortKey(a, ra[i].param), sortKey(b, rb[i].param));
      if (c !== 0) return ra[i].descending ? -c : c;
    }
    if (a.resourceType !== b.resourceType) return a.resourceType < b.resourceType ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

/** Resolves a reference value (canonical, `Type/id`, absolute URL on this server) to index entries. */
export function resolveReference<E extends SearchEntry>(index: SearchIndex<E>, value: string, targetTypes: readonly string[], baseUrl: string): E[] {
  let ref = value;
  if (ref.startsWith(`${baseUrl}/`)) ref = ref.slice(baseUrl.length + 1);
  if (/^[a-z]+:/i.test(ref)) {
    const [url, version] = ref.split('|');
    const out: E[] = [];
    for (const type of targetTypes) {
      const candidates = index.byCanonical(type, url).filter((e) => version === undefined || (e.resource as { version?: string }).version === version);
      appendAll(out, latest(candidates));
    }
    return out;
  }
  const [type, id] = ref.split('/');
  if (id === undefined || (targetTypes.length > 0 && !targetTypes.includes(type))) return [];
  const entry = index.get(type, id);
  return entry ? [entry] : [];
}

/** Of several versions of one canonical, the latest by `version` (the one `compareVersions`), then by store order. */
export function latest<E extends SearchEntry>(entries: readonly E[]): E[] {
  if (entries.length <= 1) return [...entries];
  const sorted = [...entries].sort((a, b) => {
    const va = (a.resource as { version?: string }).version ?? '';
    const vb = (b.resource as { version?: string }).version ?? '';
    const c = compareVersions(va, vb);
    return c !== 0 ? c : a.seq - b.seq;
  });
  return [sorted[sorted.length - 1]];
}

function includeFrom<E extends SearchEntry>(index: SearchIndex<E>, sources: readonly E[], spec: IncludeSpec, baseUrl: string): E[] {
  const out: E[] = [];
  const targets = spec.targetType !== undefined ? [spec.targetType] : spec.param.targets;
  for (const source of sources) {
    if (source.resourceType !== spec.sourceType) continue;
    const values = extractValues(source.resource, spec.param);
    if (values.type !== 'reference') continue;
    for (const value of values.values) appendAll(out, resolveReference(index, value, targets, baseUrl));
  }
  return out;
}

function revIncludeFrom<E extends SearchEntry>(index: SearchIndex<E>, targets: readonly E[], spec: IncludeSpec, baseUrl: string): E[] {
  if (targets.length === 0) return [];
  const wanted = new Set(targets.map((t) => `${t.resourceType}/${t.id}`));
  const targetTypes = spec.param.targets.length > 0 ? spec.param.targets : [...new Set(targets.map((t) => t.resourceType))];
  const out: E[] = [];
  for (const candidate of index.all(spec.sourceType)) {
    const values = extractValues(candidate.resource, spec.param);
    if (values.type !== 'reference') continue;
    const hit = values.values.some((value) =>
      resolveReference(index, value, targetTypes, baseUrl).some((e) => wanted.has(`${e.resourceType}/${e.id}`)),
    );
    if (hit) out.push(candidate);
  }
  return out;
}

/**
 * Executes a search of one resource type.
 * @see https://hl7.org/fhir/R4/search.html#include
 */
export function executeSearch<E extends SearchEntry>(index: SearchIndex<E>, query: SearchQuery, context: MatchContext): SearchResult<E> {
  const predicates = query.filters.map((filter) => compileFilter(filter, context));
  // A plain `url=` filter narrows candidates through the canonical index.
  const urlFilter = query.filters.find((f) => f.param.code === 'url' && f.modifier === undefined && f.param.type === 'uri');
  const candidates = urlFilter
    ? urlFilter.values.flatMap((v) => index.byCanonical(query.resourceType, v.value))
    : index.all(query.resourceType);
  const matched = candidates.filter((entry) => predicates.every((p) => p(entry.resource)));
  matched.sort(sortComparator(() => query.sort));
  const page = query.count === 0 ? [] : matched.slice(query.offset, query.offset + query.count);

  const seen = new Set(page.map((e) => `${e.resourceType}/${e.id}`));
  const included: E[] = [];
  const add = (entries: readonly E[]): E[] => {
    const added: E[] = [];
    for (const entry of entries) {
      const key = `${entry.resourceType}/${entry.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      included.push(entry);
      added.push(entry);
    }
    return added;
  };
  for (const spec of query.include.filter((s) => !s.iterate)) add(includeFrom(index, page, spec, context.baseUrl));
  for (const spec of query.revinclude.filter((s) => !s.iterate)) add(revIncludeFrom(index, page, spec, context.baseUrl));
  const iterating = [...query.include.filter((s) => s.iterate), ...query.revinclude.filter((s) => s.iterate)];
  let frontier: E[] = [...page, ...included];
  for (let round = 0; round < MAX_INCLUDE_ITERATIONS && iterating.length > 0 && frontier.length > 0; round++) {
    const next: E[] = [];
    for (const spec of query.include.filter((s) => s.iterate)) appendAll(next, add(includeFrom(index, frontier, spec, context.baseUrl)));
    for (const spec of query.revinclude.filter((s) => s.iterate)) appendAll(next, add(revIncludeFrom(index, frontier, spec, context.baseUrl)));
    frontier = next;
  }
  return { matches: page, total: matched.length, included };
}
