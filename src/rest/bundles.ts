/**
 * Searchset and history Bundles, assembled as JSON text around the stored JSON of each resource so a search
 * does not re-serialise what the store already holds.
 *
 * @see https://hl7.org/fhir/R4/bundle.html
 * @see https://hl7.org/fhir/R4/http.html#paging
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { SearchQuery } from '../search/query.ts';
import { subsetResource } from '../search/subset.ts';
import type { IndexEntry } from '../store/resource-index.ts';
import type { StoredVersion } from '../store/types.ts';

/** The query string as received, in order, for links (control params `_count`/`_offset` replaced). */
export type QueryPairs = readonly (readonly [string, string])[];

function pageUrl(base: string, path: string, pairs: QueryPairs, count: number, offset: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of pairs) {
    if (key !== '_count' && key !== '_offset') params.append(key, value);
  }
  params.append('_count', String(count));
  params.append('_offset', String(offset));
  return `${base}/${path}?${params.toString()}`;
}

/**
 * The query pairs a search actually used, for its links: parameters the server ignored (unknown or
 * unsupported, listed in `ignored`) and empty filter values (search.html#errors) are left out, and a `_count`
 * over the page-size cap shows the size applied.
 * @see https://hl7.org/fhir/R4/search.html#conformance
 */
export function usedPairs(pairs: QueryPairs, ignored: readonly string[], maxCount: number): QueryPairs {
  const out: [string, string][] = [];
  for (const [key, value] of pairs) {
    if (ignored.includes(key)) continue;
    if (value === '' && !key.startsWith('_')) continue;
    if (key === '_count' && /^\d+$/.test(value) && Number(value) > maxCount) out.push([key, String(maxCount)]);
    else out.push([key, value]);
  }
  return out;
}

function selfUrl(base: string, path: string, pairs: QueryPairs): string {
  const params = new URLSearchParams();
  for (const [key, value] of pairs) params.append(key, value);
  const query = params.toString();
  return query ? `${base}/${path}?${query}` : `${base}/${path}`;
}

function pagingLinks(
  base: string,
  path: string,
  pairs: QueryPairs,
  paging: { readonly count: number; readonly offset: number; readonly total: number },
): { relation: string; url: string }[] {
  const links = [{ relation: 'self', url: selfUrl(base, path, pairs) }];
  const { count, offset, total } = paging;
  if (count > 0) {
    links.push({ relation: 'first', url: pageUrl(base, path, pairs, count, 0) });
    if (offset > 0) links.push({ relation: 'previous', url: pageUrl(base, path, pairs, count, Math.max(0, offset - count)) });
    if (offset + count < total) links.push({ relation: 'next', url: pageUrl(base, path, pairs, count, offset + count) });
    const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / count) * count;
    links.push({ relation: 'last', url: pageUrl(base, path, pairs, count, lastOffset) });
  }
  return links;
}

function resourceJson(entry: IndexEntry, query: SearchQuery): string {
  if ((query.summary === undefined || query.summary === 'false') && query.elements === undefined) return entry.json;
  return JSON.stringify(subsetResource(entry.resource, query.summary, query.elements));
}

/** Input of `searchsetJson`. */
export interface SearchsetInput {
  readonly baseUrl: string;
  /** Path after the base for links (`CodeSystem`, or '' for system level). */
  readonly path: string;
  readonly pairs: QueryPairs;
  readonly query: Pick<SearchQuery, 'count' | 'offset' | 'total' | 'summary' | 'elements'>;
  readonly matches: readonly IndexEntry[];
  readonly included: readonly IndexEntry[];
  readonly total: number;
  /** Warnings for the client (ignored parameters), sent as an `outcome` entry. */
  readonly outcome?: OperationOutcome;
}

/**
 * A searchset Bundle as JSON text.
 * @see https://hl7.org/fhir/R4/search.html#return
 */
export function searchsetJson(input: SearchsetInput): string {
  const { baseUrl, path, pairs, query } = input;
  const head: Record<string, unknown> = {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: new Date().toISOString(),
  };
  if (query.total !== 'none' || query.summary === 'count') head.total = input.total;
  head.link = pagingLinks(baseUrl, path, pairs, { count: query.count, offset: query.offset, total: input.total });
  const entries: string[] = [];
  const fullQuery = query as SearchQuery;
  for (const entry of input.matches) {
    entries.push(
      `{"fullUrl":${JSON.stringify(`${baseUrl}/${entry.resourceType}/${entry.id}`)},"resource":${resourceJson(entry, fullQuery)},"search":{"mode":"match"}}`,
    );
  }
  for (const entry of input.included) {
    entries.push(
      `{"fullUrl":${JSON.stringify(`${baseUrl}/${entry.resourceType}/${entry.id}`)},"resource":${resourceJson(entry, fullQuery)},"search":{"mode":"include"}}`,
    );
  }
  if (input.outcome) entries.push(`{"resource":${JSON.stringify(input.outcome)},"search":{"mode":"outcome"}}`);
  const headJson = JSON.stringify(head);
  return entries.length === 0 ? headJson : `${headJson.slice(0, -1)},"entry":[${entries.join(',')}]}`;
}

/**
 * A history Bundle as JSON text.
 * @see https://hl7.org/fhir/R4/http.html#history
 */
export function historyJson(input: {
  readonly baseUrl: string;
  readonly path: string;
  readonly pairs: QueryPairs;
  readonly count: number;
  readonly offset: number;
  readonly total: number;
  readonly versions: readonly StoredVersion[];
}): string {
  const head = {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    total: input.total,
    link: pagingLinks(input.baseUrl, input.path, input.pairs, { count: input.count, offset: input.offset, total: input.total }),
  };
  const entries = input.versions.map((v) => {
    const fullUrl = JSON.stringify(`${input.baseUrl}/${v.resourceType}/${v.id}`);
    const method = v.deleted ? 'DELETE' : v.versionId === '1' ? 'POST' : 'PUT';
    const status = v.deleted ? '204' : v.versionId === '1' ? '201' : '200';
    const response = `{"status":"${status}","etag":"W/\\"${v.versionId}\\"","lastModified":"${v.lastUpdated}"}`;
    const request = `{"method":"${method}","url":${JSON.stringify(method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}`)}}`;
    return v.deleted || v.json === undefined
      ? `{"fullUrl":${fullUrl},"request":${request},"response":${response}}`
      : `{"fullUrl":${fullUrl},"resource":${v.json},"request":${request},"response":${response}}`;
  });
  const headJson = JSON.stringify(head);
  return entries.length === 0 ? headJson : `${headJson.slice(0, -1)},"entry":[${entries.join(',')}]}`;
}
