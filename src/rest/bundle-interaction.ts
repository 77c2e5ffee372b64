/**
 * `POST [base]` with a Bundle: `batch` (each entry on its own) and `transaction` (all writes or none, in one
 * store transaction; `urn:uuid:` fullUrls of new resources are rewritten to their assigned ids).
 *
 * @see https://hl7.org/fhir/R4/http.html#transaction
 * @see https://hl7.org/fhir/R4/bundle.html#transaction
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { badRequest, FhirError, fhirError, shown } from '../fhir/errors.ts';
import { parseSearchQuery } from '../search/query.ts';
import { ID_PATTERN, isSupportedType } from '../fhir/resource-types.ts';
import type { TransactionResult, TransactionWrite } from '../store/repository.ts';
import type { QueryPairs } from './bundles.ts';
import { pairsToParams, type RestContext } from './context.ts';
import { parsePrefer } from './prefer.ts';
import type { RestResponse } from './response.ts';

/** Largest number of entries in one batch or transaction. */
export const MAX_BUNDLE_ENTRIES = 1000;

/** A batch entry as a request for the router. */
export interface EntryRequest {
  readonly method: string;
  readonly segments: readonly string[];
  readonly pairs: QueryPairs;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: (allowForm: boolean) => Promise<{ readonly kind: 'none' } | { readonly kind: 'json'; readonly value: unknown }>;
}

/** What the bundle interaction needs from the router. */
export interface BundleDeps {
  /** Throws 401/405 unless the request may write. */
  readonly requireWrite: () => void;
  readonly prefer: string | undefined;
  /** Runs one entry through the router (batch entries and transaction reads). */
  readonly dispatch: (entry: EntryRequest) => Promise<RestResponse>;
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified' };

function statusLine(status: number): string {
  return STATUS_TEXT[status] ? `${status} ${STATUS_TEXT[status]}` : String(status);
}

interface ParsedEntry {
  readonly index: number;
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  readonly segments: string[];
  readonly pairs: [string, string][];
  readonly entry: BundleEntry;
}

function parseEntry(ctx: RestContext, entry: BundleEntry, index: number): ParsedEntry {
  const request = entry.request;
  const where = `Bundle.entry[${index}].request`;
  if (!request || typeof request.url !== 'string' || typeof request.method !== 'string') {
    throw badRequest(`Bundle.entry[${index}] needs request.method and request.url`, { expression: where });
  }
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE') {
    throw badRequest(`Bundle.entry[${index}]: method ${request.method} is not supported (PATCH is not)`, { expression: `${where}.method` });
  }
  let url = request.url;
  if (url.startsWith(`${ctx.baseUrl}/`)) url = url.slice(ctx.baseUrl.length + 1);
  if (/^[a-z]+:/i.test(url)) throw badRequest(`Bundle.entry[${index}]: request.url must be relative to this server`, { expression: `${where}.url` });
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  let segments: string[];
  try {
    segments = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest(`Bundle.entry[${index}]: request.url has invalid percent-encoding`, { expression: `${where}.url` });
  }
  const pairs = q < 0 ? [] : [...new URLSearchParams(url.slice(q + 1)).entries()];
  return { index, method, segments, pairs, entry };
}

function entryHeaders(entry: BundleEntry): Record<string, string> {
  const r: Partial<NonNullable<BundleEntry['request']>> = entry.request ?? {};
  const headers: Record<string, string> = {};
  if (r.ifMatch) headers['if-match'] = r.ifMatch;
  if (r.ifNoneMatch) headers['if-none-match'] = r.ifNoneMatch;
  if (r.ifNoneExist) headers['if-none-exist'] = r.ifNoneExist;
  if (r.ifModifiedSince) headers['if-modified-since'] = r.ifModifiedSince;
  return headers;
}

function toEntry(response: RestResponse, includeBody: boolean): BundleEntry {
  const headers = response.headers ?? {};
  const out: BundleEntry = {
    response: {
      status: statusLine(response.status),
      location: headers.Location,
      etag: headers.ETag,
      lastModified: headers['Last-Modified'] ? new Date(headers['Last-Modified']).toISOString() : undefined,
    },
  };
  if (includeBody && response.body !== undefined) {
    const body = response.body;
    const resource = (typeof body === 'string' || Buffer.isBuffer(body) ? JSON.parse(body.toString()) : body) as Resource;
    if (resource.resourceType === 'OperationOutcome' && response.status >= 400) out.response = { ...out.response, status: out.response?.status ?? '', outcome: resource };
    else out.resource = resource;
  }
  return out;
}

function checkBundle(body: unknown): Bundle {
  if (body === undefined) throw badRequest('POST to the base needs a Bundle of type batch or transaction');
  if (body === null || typeof body !== 'object' || Array.isArray(body) || (body as { resourceType?: unknown }).resourceType !== 'Bundle') {
    throw badRequest('POST to the base needs a Bundle of type batch or transaction', { expression: 'resourceType' });
  }
  const bundle = body as Bundle;
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`Bundle.type must be batch or transaction, got ${typeof bundle.type === 'string' ? shown(bundle.type) : String(bundle.type)}`, { expression: 'Bundle.type' });
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badRequest('Bundle.entry must be an array', { expression: 'Bundle.entry' });
  if ((bundle.entry ?? []).length > MAX_BUNDLE_ENTRIES) {
    throw fhirError(413, 'too-costly', `A Bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries`, { expression: 'Bundle.entry' });
  }
  checkUniqueFullUrls(bundle.entry ?? []);
  return bundle;
}

/**
 * R4 bdl-7: a fullUrl appears once in a Bundle, unless its entries carry different `meta.versionId`s. Checked
 * before anything runs, so a refused Bundle writes nothing.
 * @see https://hl7.org/fhir/R4/bundle.html#invs
 */
function checkUniqueFullUrls(entries: readonly BundleEntry[]): void {
  const seen = new Map<string, number>();
  for (const [index, entry] of entries.entries()) {
    const fullUrl = entry !== null && typeof entry === 'object' ? entry.fullUrl : undefined;
    if (typeof fullUrl !== 'string') continue;
    const versionId = (entry.resource as { meta?: { versionId?: unknown } } | undefined)?.meta?.versionId;
    const key = `${fullUrl}\u0000${typeof versionId === 'string' ? versionId : ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw badRequest(
        `Bundle.entry[${index}] has the same fullUrl ${shown(fullUrl)} as Bundle.entry[${first}]; fullUrl must be unique in a Bundle (bdl-7)`,
        { expression: `Bundle.entry[${index}].fullUrl` },
      );
    }
    seen.set(key, index);
  }
}

/** Replaces every string equal to a key of `map` (urn:uuid references) by its value, without mutating. */
function rewriteReferences<T>(value: T, map: ReadonlyMap<string, string>): T {
  if (map.size === 0) return value;
  if (typeof value === 'string') return (map.get(value) ?? value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => rewriteReferences(v, map)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewriteReferences(v, map);
    return out as T;
  }
  return value;
}

async function batch(ctx: RestContext, bundle: Bundle, deps: BundleDeps): Promise<RestResponse> {
  const includeBody = parsePrefer(deps.prefer).return !== 'minimal';
  const entries: BundleEntry[] = [];
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    try {
      const parsed = parseEntry(ctx, entry, index);
      const response = await deps.dispatch({
        method: parsed.method,
        segments: parsed.segments,
        pairs: parsed.pairs,
        headers: entryHeaders(entry),
        body: async () => (entry.resource === undefined ? { kind: 'none' } : { kind: 'json', value: entry.resource }),
      });
      entries.push(toEntry(response, includeBody));
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      entries.push({ response: { status: String(err.status), outcome: err.outcome } });
    }
  }
  return { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry: entries } };
}

/**
 * A read entry of a transaction, run once its writes are committed: a refused read (404, 410, 400) is that
 * entry's answer, with its OperationOutcome, since the writes stand and a failed Bundle would say they did not.
 */
async function readAfterWrites(p: ParsedEntry, deps: BundleDeps): Promise<RestResponse> {
  try {
    return await deps.dispatch({ method: p.method, segments: p.segments, pairs: p.pairs, headers: entryHeaders(p.entry), body: async () => ({ kind: 'none' }) });
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    return { status: err.status, headers: err.headers, body: err.outcome };
  }
}

/** A write entry of a transaction, checked, with the id it writes (assigned for a create) or the match of a conditional create. */
interface PlannedWrite {
  readonly parsed: ParsedEntry;
  readonly id: string;
  readonly resourceType: string;
  /** A conditional create's one match: the entry's answer, and nothing is written. */
  readonly existing?: RestResponse;
}

/**
 * The one resource `ifNoneExist` matches (a conditional create that writes nothing), or undefined when none
 * matches; more than one is a 412.
 * @see https://hl7.org/fhir/R4/http.html#ccreate
 */
function conditionalMatch(ctx: RestContext, p: ParsedEntry, type: string, ifNoneExist: unknown): { id: string; existing: RestResponse } | undefined {
  const pairs = typeof ifNoneExist === 'string' ? [...new URLSearchParams(ifNoneExist.replace(/^[^?]*\?/, '')).entries()] : [];
  if (pairs.length === 0) {
    throw badRequest(`Bundle.entry[${p.index}].request.ifNoneExist must hold search parameters`, { expression: `Bundle.entry[${p.index}].request.ifNoneExist` });
  }
  const query = parseSearchQuery(type, pairsToParams(pairs), { strict: true });
  const found = ctx.repository.search({ ...query, count: 2, offset: 0 });
  if (found.total > 1) throw fhirError(412, 'duplicate', `Bundle.entry[${p.index}]: If-None-Exist matches ${found.total} resources`);
  if (found.total !== 1) return undefined;
  const id = found.matches[0].id;
  return { id, existing: { status: 200, headers: { Location: `${ctx.baseUrl}/${type}/${id}`, ETag: `W/"${found.matches[0].versionId}"` }, body: found.matches[0].json } };
}

/** Checks one write entry (type, url, resource, id) and gives it its id: the url's, a new one, or a conditional create's match. */
function planWrite(ctx: RestContext, p: ParsedEntry): PlannedWrite {
  const [type, id, ...rest] = p.segments;
  const where = `Bundle.entry[${p.index}].request.url`;
  if (!type || !isSupportedType(type)) throw badRequest(`Bundle.entry[${p.index}]: ${shown(type ?? '')} is not a served resource type`, { expression: where });
  if (rest.length > 0 || (p.method === 'POST' && id !== undefined) || (p.method !== 'POST' && id === undefined)) {
    throw badRequest(`Bundle.entry[${p.index}]: ${p.method} to this url is not a valid transaction entry`, { expression: where });
  }
  if (p.method !== 'DELETE') {
    const resource = p.entry.resource;
    if (!resource || resource.resourceType !== type) {
      throw badRequest(`Bundle.entry[${p.index}].resource must be a ${type}`, { expression: `Bundle.entry[${p.index}].resource` });
    }
  }
  if (p.method === 'PUT' && !ID_PATTERN.test(id as string)) throw badRequest(`Bundle.entry[${p.index}]: ${shown(id as string)} is not a valid id`, { expression: where });
  const ifNoneExist: unknown = p.entry.request?.ifNoneExist;
  if (ifNoneExist !== undefined && p.method !== 'POST') {
    throw badRequest(`Bundle.entry[${p.index}]: ifNoneExist applies to POST (conditional create) only`, { expression: `Bundle.entry[${p.index}].request.ifNoneExist` });
  }
  const match = ifNoneExist === undefined ? undefined : conditionalMatch(ctx, p, type, ifNoneExist);
  if (match !== undefined) return { parsed: p, id: match.id, resourceType: type, existing: match.existing };
  return { parsed: p, id: id ?? randomUUID(), resourceType: type };
}

/**
 * The store writes of a planned transaction, in the spec's order (DELETE, then POST, then PUT), with
 * references to the `fullUrl`s of its entries rewritten; `slots[i]` is the place in `plan` of write `i`.
 */
function storeWrites(plan: readonly PlannedWrite[], references: ReadonlyMap<string, string>): { txWrites: TransactionWrite[]; slots: number[] } {
  const txWrites: TransactionWrite[] = [];
  const slots: number[] = [];
  // Spec order: DELETE, then POST, then PUT.
  const order = (m: string): number => (m === 'DELETE' ? 0 : m === 'POST' ? 1 : 2);
  const sorted = [...plan].sort((a, b) => order(a.parsed.method) - order(b.parsed.method) || a.parsed.index - b.parsed.index);
  for (const item of sorted) {
    if (item.existing) continue;
    const ifMatchRaw = item.parsed.entry.request?.ifMatch;
    const ifMatch = ifMatchRaw === undefined ? undefined : /^(?:W\/)?"(\d+)"$/.exec(ifMatchRaw.trim())?.[1];
    if (ifMatchRaw !== undefined && ifMatch === undefined) throw badRequest(`Bundle.entry[${item.parsed.index}].request.ifMatch is not a version ETag`);
    slots.push(plan.indexOf(item));
    if (item.parsed.method === 'DELETE') {
      txWrites.push({ kind: 'delete', resourceType: item.resourceType, id: item.id, ifMatch, entryIndex: item.parsed.index });
    } else {
      const resource = rewriteReferences({ ...(item.parsed.entry.resource as Resource), id: item.id }, references) as Resource & { id: string };
      txWrites.push({ kind: 'put', resource, ifMatch, create: item.parsed.method === 'POST', entryIndex: item.parsed.index });
    }
  }
  return { txWrites, slots };
}

/** The answer of each written entry (201/200 with the stored version, 204 for a delete), by entry index. */
function writeResponses(ctx: RestContext, plan: readonly PlannedWrite[], slots: readonly number[], results: readonly TransactionResult[]): Map<number, RestResponse> {
  const responses = new Map<number, RestResponse>();
  results.forEach((result, i) => {
    const item = plan[slots[i]];
    if (result.entry) {
      const e = result.entry;
      responses.set(item.parsed.index, {
        status: result.created ? 201 : 200,
        headers: { Location: `${ctx.baseUrl}/${e.resourceType}/${e.id}/_history/${e.versionId}`, ETag: `W/"${e.versionId}"`, 'Last-Modified': new Date(e.lastUpdated).toUTCString() },
        body: e.json,
      });
    } else {
      responses.set(item.parsed.index, { status: 204 });
    }
  });
  return responses;
}

async function transaction(ctx: RestContext, bundle: Bundle, deps: BundleDeps): Promise<RestResponse> {
  const parsed = (bundle.entry ?? []).map((entry, index) => parseEntry(ctx, entry, index));
  const writes = parsed.filter((p) => p.method === 'POST' || p.method === 'PUT' || p.method === 'DELETE');
  if (writes.length > 0) deps.requireWrite();

  // Assign ids to creates, map their fullUrls, and resolve conditional creates.
  const references = new Map<string, string>();
  const plan: PlannedWrite[] = [];
  for (const p of writes) {
    const item = planWrite(ctx, p);
    if (p.entry.fullUrl) references.set(p.entry.fullUrl, `${item.resourceType}/${item.id}`);
    plan.push(item);
  }

  const { txWrites, slots } = storeWrites(plan, references);
  const responses = writeResponses(ctx, plan, slots, await ctx.repository.writeAll(txWrites));
  for (const item of plan) if (item.existing) responses.set(item.parsed.index, item.existing);
  // Reads run after the writes, and see them.
  for (const p of parsed.filter((x) => x.method === 'GET' || x.method === 'HEAD')) responses.set(p.index, await readAfterWrites(p, deps));
  const includeBody = parsePrefer(deps.prefer).return !== 'minimal';
  return {
    status: 200,
    body: { resourceType: 'Bundle', type: 'transaction-response', entry: parsed.map((p) => toEntry(responses.get(p.index) as RestResponse, includeBody)) },
  };
}

/**
 * batch or transaction.
 */
export async function bundleInteraction(ctx: RestContext, body: unknown, deps: BundleDeps): Promise<RestResponse> {
  const bundle = checkBundle(body);
  return bundle.type === 'transaction' ? transaction(ctx, bundle, deps) : batch(ctx, bundle, deps);
}
