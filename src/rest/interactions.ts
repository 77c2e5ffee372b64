/**
 * The RESTful interactions: read, vread, search, history, create (and conditional create), update, delete.
 * Pure of HTTP: they take a decoded request and return a `RestResponse`.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { badRequest, fhirError, outcome, shown } from '../fhir/errors.ts';
import { appendAll } from '../lib/arrays.ts';
import { sortComparator } from '../search/execute.ts';
import { MAX_PAGE_SIZE, parseSearchQuery, type SearchQuery } from '../search/query.ts';
import { subsetResource } from '../search/subset.ts';
import { ID_PATTERN, SUPPORTED_TYPES } from '../fhir/resource-types.ts';
import type { IndexEntry } from '../store/resource-index.ts';
import { historyJson, searchsetJson, usedPairs, type QueryPairs } from './bundles.ts';
import { pairsToParams, type InteractionRequest, type RestContext } from './context.ts';
import { parsePrefer } from './prefer.ts';
import { httpDate, versionHeaders, type RestResponse } from './response.ts';

function parseEtag(value: string, header: string): string {
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(value.trim());
  if (!match) throw badRequest(`${header} must be a version ETag like W/"3", got ${JSON.stringify(value)}`, { expression: header });
  return match[1];
}

function notModified(entry: IndexEntry, headers: InteractionRequest['headers']): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    return ifNoneMatch.split(',').some((tag) => /(\d+)"?\s*$/.exec(tag)?.[1] === entry.versionId);
  }
  const ifModifiedSince = headers['if-modified-since'];
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have second precision.
    return !Number.isNaN(since) && Math.floor(Date.parse(entry.lastUpdated) / 1000) * 1000 <= since;
  }
  return false;
}

function subsetting(req: Pick<InteractionRequest, 'resourceType' | 'params'>): Pick<SearchQuery, 'summary' | 'elements'> {
  if (req.params._summary === undefined && req.params._elements === undefined) return { summary: undefined, elements: undefined };
  // Reuse the search parser's checks of _summary / _elements.
  const params: Record<string, string | readonly string[] | undefined> = {};
  if (req.params._summary !== undefined) params._summary = req.params._summary;
  if (req.params._elements !== undefined) params._elements = req.params._elements;
  const query = parseSearchQuery(req.resourceType, params, { strict: false });
  return { summary: query.summary === 'count' ? undefined : query.summary, elements: query.elements };
}

/**
 * The server's CapabilityStatement (or TerminologyCapabilities) with `_summary` / `_elements` checked and
 * applied as for a read: a bad value is a 400, `_summary=count` (search only) returns the whole resource.
 * @see https://hl7.org/fhir/R4/http.html#capabilities
 * @see https://hl7.org/fhir/R4/search.html#summary
 */
export function metadataInteraction(resource: Resource, req: Pick<InteractionRequest, 'params'>): RestResponse {
  // The resource type only serves the parser's checks of the two values.
  const { summary, elements } = subsetting({ resourceType: 'CodeSystem', params: req.params });
  if (summary === undefined && elements === undefined) return { status: 200, body: resource };
  return { status: 200, body: subsetResource(resource, summary, elements) };
}

/**
 * read: the current version, 304 on `If-None-Match` / `If-Modified-Since`, 404/410 otherwise.
 * @see https://hl7.org/fhir/R4/http.html#read
 */
export async function readInteraction(ctx: RestContext, req: InteractionRequest): Promise<RestResponse> {
  const entry = await ctx.repository.read(req.resourceType, req.id as string);
  const headers = entry.versionHeaders;
  if (notModified(entry, req.headers)) return { status: 304, headers };
  const { summary, elements } = subsetting(req);
  if (summary === undefined && elements === undefined) return { status: 200, headers, body: entry.bytes() };
  return { status: 200, headers, body: subsetResource(entry.resource, summary, elements) };
}

/**
 * vread: one version.
 * @see https://hl7.org/fhir/R4/http.html#vread
 */
export async function vreadInteraction(ctx: RestContext, req: InteractionRequest): Promise<RestResponse> {
  const stored = await ctx.repository.vread(req.resourceType, req.id as string, req.versionId as string);
  return { status: 200, headers: versionHeaders(stored), body: stored.json };
}

function ignoredOutcome(ignored: readonly string[]): OperationOutcome | undefined {
  if (ignored.length === 0) return undefined;
  return {
    resourceType: 'OperationOutcome',
    issue: ignored.map((name) => ({
      severity: 'warning' as const,
      code: 'not-supported' as const,
      details: { text: `Search parameter "${name}" is not supported and was ignored` },
      expression: [name],
    })),
  };
}

/**
 * search at type level (GET or POST `_search`).
 * @see https://hl7.org/fhir/R4/search.html
 */
export function searchInteraction(ctx: RestContext, req: InteractionRequest): RestResponse {
  const prefer = parsePrefer(req.headers.prefer);
  const query = parseSearchQuery(req.resourceType, req.params, { strict: prefer.handling === 'strict' });
  const result = ctx.repository.search(query);
  const body = searchsetJson({
    baseUrl: ctx.baseUrl,
    path: req.resourceType,
    pairs: usedPairs(req.pairs, query.ignored, MAX_PAGE_SIZE),
    query,
    matches: result.matches,
    included: result.included,
    total: result.total,
    outcome: ignoredOutcome(query.ignored),
  });
  return { status: 200, body };
}

/**
 * search at system level: `_type` (default: every served type) and parameters common to those types.
 * @see https://hl7.org/fhir/R4/search.html#all
 */
export function systemSearchInteraction(ctx: RestContext, req: Omit<InteractionRequest, 'resourceType'>): RestResponse {
  const prefer = parsePrefer(req.headers.prefer);
  const typeParam = req.params._type;
  const requested = typeParam === undefined ? [...SUPPORTED_TYPES] : (typeof typeParam === 'string' ? [typeParam] : [...typeParam]).flatMap((t) => t.split(','));
  for (const type of requested) {
    if (!(SUPPORTED_TYPES as readonly string[]).includes(type)) throw badRequest(`_type ${shown(type)} is not a served resource type`, { expression: '_type' });
  }
  const queries = requested.map((type) =>
    parseSearchQuery(type, { ...req.params, _count: undefined, _offset: undefined }, { strict: prefer.handling === 'strict' }),
  );
  const rulesByType = new Map(queries.map((q) => [q.resourceType, q.sort]));
  const base = parseSearchQuery(requested[0] ?? 'CodeSystem', { _count: req.params._count, _offset: req.params._offset, _total: req.params._total, _summary: req.params._summary, _elements: req.params._elements }, { strict: false });
  const all: IndexEntry[] = [];
  const included: IndexEntry[] = [];
  for (const query of queries) {
    const result = ctx.repository.search({ ...query, count: Number.MAX_SAFE_INTEGER, offset: 0 });
    appendAll(all, result.matches);
    appendAll(included, result.included);
  }
  all.sort(sortComparator((type) => rulesByType.get(type) ?? []));
  const page = base.count === 0 ? [] : all.slice(base.offset, base.offset + base.count);
  const ignored = [...new Set(queries.flatMap((q) => q.ignored))].filter((name) => name !== '_type');
  // A parameter some requested type understands was used; the links leave out only those no type used.
  const ignoredByAll = ignored.filter((name) => queries.every((q) => q.ignored.includes(name)));
  const body = searchsetJson({
    baseUrl: ctx.baseUrl,
    path: '',
    pairs: usedPairs(req.pairs, ignoredByAll, MAX_PAGE_SIZE),
    query: base,
    matches: page,
    included: included.filter((e) => !page.includes(e)),
    total: all.length,
    outcome: ignoredOutcome(ignored),
  });
  return { status: 200, body };
}

function historyWindow(req: { readonly params: InteractionRequest['params'] }): { since?: string; count: number; offset: number } {
  const query = parseSearchQuery('CodeSystem', { _count: req.params._count, _offset: req.params._offset }, { strict: false });
  const sinceRaw = req.params._since;
  if (Array.isArray(sinceRaw)) throw badRequest('_since may appear only once', { expression: '_since' });
  let since: string | undefined;
  if (typeof sinceRaw === 'string') {
    const ms = Date.parse(sinceRaw);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(sinceRaw) || Number.isNaN(ms)) {
      throw badRequest(`_since must be a FHIR instant, got ${shown(sinceRaw)}`, { expression: '_since' });
    }
    since = new Date(ms).toISOString();
  }
  return { since, count: query.count, offset: query.offset };
}

/** The parameters history reads; the links leave out the others (ignored). */
const HISTORY_PARAMS = new Set(['_count', '_offset', '_since', '_format', '_pretty']);

function historyPairs(pairs: QueryPairs): QueryPairs {
  return usedPairs(
    pairs.filter(([key]) => HISTORY_PARAMS.has(key)),
    [],
    MAX_PAGE_SIZE,
  );
}

/**
 * history at instance, type or system level.
 * @see https://hl7.org/fhir/R4/http.html#history
 */
export async function historyInteraction(
  ctx: RestContext,
  req: { readonly resourceType?: string; readonly id?: string; readonly pairs: QueryPairs; readonly params: InteractionRequest['params'] },
): Promise<RestResponse> {
  const window = historyWindow(req);
  if (req.resourceType !== undefined && req.id !== undefined) {
    const current = await ctx.repository.store.readCurrent(req.resourceType, req.id);
    if (!current) throw fhirError(404, 'not-found', `${req.resourceType}/${req.id} is not known`);
  }
  const { entries, total } = await ctx.repository.history({
    resourceType: req.resourceType,
    id: req.id,
    since: window.since,
    count: window.count,
    offset: window.offset,
  });
  const path = [req.resourceType, req.id, '_history'].filter((p) => p !== undefined).join('/');
  return {
    status: 200,
    body: historyJson({ baseUrl: ctx.baseUrl, path, pairs: historyPairs(req.pairs), count: window.count, offset: window.offset, total, versions: entries }),
  };
}

/** Checks a request body is a resource of the expected type. */
export function requireResource(body: unknown, resourceType: string): Resource {
  if (body === undefined) throw badRequest('The request has no body; a resource is required');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object (a FHIR resource)');
  const type = (body as { resourceType?: unknown }).resourceType;
  if (type === undefined) throw badRequest('The resource has no resourceType', { expression: 'resourceType' });
  if (type !== resourceType) {
    throw badRequest(`The resource is a ${String(type)}, but the URL is for ${resourceType}`, { expression: 'resourceType' });
  }
  return body as Resource;
}

function written(ctx: RestContext, entry: IndexEntry, status: number, req: InteractionRequest): RestResponse {
  const prefer = parsePrefer(req.headers.prefer);
  const headers = {
    ...versionHeaders(entry),
    Location: `${ctx.baseUrl}/${entry.resourceType}/${entry.id}/_history/${entry.versionId}`,
  };
  if (prefer.return === 'minimal') return { status, headers };
  if (prefer.return === 'OperationOutcome') {
    return { status, headers, body: outcome('informational', `${entry.resourceType}/${entry.id} version ${entry.versionId} stored`, { severity: 'information' }) };
  }
  return { status, headers, body: entry.json };
}

/**
 * create, and conditional create with `If-None-Exist`.
 * @see https://hl7.org/fhir/R4/http.html#create
 * @see https://hl7.org/fhir/R4/http.html#ccreate
 */
export async function createInteraction(ctx: RestContext, req: InteractionRequest): Promise<RestResponse> {
  const resource = requireResource(req.body, req.resourceType);
  const condition = req.headers['if-none-exist'];
  if (condition !== undefined) {
    const pairs = [...new URLSearchParams(condition.replace(/^[^?]*\?/, '')).entries()];
    if (pairs.length === 0) throw badRequest('If-None-Exist must hold search parameters', { expression: 'If-None-Exist' });
    const query = parseSearchQuery(req.resourceType, pairsToParams(pairs), { strict: true });
    const result = ctx.repository.search({ ...query, count: 2, offset: 0 });
    if (result.total > 1) {
      throw fhirError(412, 'duplicate', `If-None-Exist matches ${result.total} resources; the condition must be more selective`);
    }
    if (result.total === 1) return written(ctx, result.matches[0], 200, req);
  }
  const { id: _ignored, ...withoutId } = resource as Resource & { id?: string };
  const { entry } = await ctx.repository.create(withoutId as Resource);
  return written(ctx, entry, 201, req);
}

/**
 * update (update-as-create for a new id), with `If-Match` version checks.
 * @see https://hl7.org/fhir/R4/http.html#update
 * @see https://hl7.org/fhir/R4/http.html#concurrency
 */
export async function updateInteraction(ctx: RestContext, req: InteractionRequest): Promise<RestResponse> {
  const resource = requireResource(req.body, req.resourceType);
  const id = req.id as string;
  const bodyId = (resource as { id?: unknown }).id;
  if (bodyId === undefined) throw badRequest('The resource in an update must carry its id', { expression: `${req.resourceType}.id` });
  if (bodyId !== id) throw badRequest(`The resource id ${shown(String(bodyId))} does not match the URL id ${shown(id)}`, { expression: `${req.resourceType}.id` });
  if (!ID_PATTERN.test(id)) throw badRequest(`${shown(id)} is not a valid id`, { expression: `${req.resourceType}.id` });
  const ifMatch = req.headers['if-match'] === undefined ? undefined : parseEtag(req.headers['if-match'], 'If-Match');
  const { entry, created } = await ctx.repository.update(resource as Resource & { id: string }, { ifMatch });
  return written(ctx, entry, created ? 201 : 200, req);
}

/**
 * delete: a deletion version; later reads answer 410.
 * @see https://hl7.org/fhir/R4/http.html#delete
 */
export async function deleteInteraction(ctx: RestContext, req: InteractionRequest): Promise<RestResponse> {
  const ifMatch = req.headers['if-match'] === undefined ? undefined : parseEtag(req.headers['if-match'], 'If-Match');
  const stored = await ctx.repository.delete(req.resourceType, req.id as string, { ifMatch });
  const headers: Record<string, string> = stored ? { ETag: `W/"${stored.versionId}"`, 'Last-Modified': httpDate(stored.lastUpdated) } : {};
  const text = stored ? `${req.resourceType}/${req.id} deleted` : `${req.resourceType}/${req.id} did not exist or was already deleted`;
  return { status: 200, headers, body: outcome('informational', text, { severity: 'information' }) };
}
