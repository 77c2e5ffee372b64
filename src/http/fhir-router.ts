/**
 * The FHIR endpoint's router: one handler that decodes the path (case-sensitive; `$` and `%24` alike;
 * ids checked before any lookup), negotiates the format, checks write credentials, reads the body, and
 * dispatches to a REST interaction or a registered operation. Routing by hand rather than with express
 * patterns keeps every answer — unknown route, wrong method, bad percent-encoding — a FHIR OperationOutcome.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { badRequest, fhirError, notFound, shown } from '../fhir/errors.ts';
import { bodyToParameters, queryToParameters } from '../operations/parameters.ts';
import type { OperationLevel, OperationRegistry } from '../operations/registry.ts';
import type { OperationServices } from '../operations/types.ts';
import type { QueryPairs } from '../rest/bundles.ts';
import { pairsToParams, type InteractionRequest, type RestContext } from '../rest/context.ts';
import {
  createInteraction,
  deleteInteraction,
  historyInteraction,
  metadataInteraction,
  readInteraction,
  searchInteraction,
  systemSearchInteraction,
  updateInteraction,
  vreadInteraction,
} from '../rest/interactions.ts';
import { interactionRows, type InteractionLevel, type InteractionPath, type InteractionRoute } from '../rest/interaction-table.ts';
import type { RestResponse } from '../rest/response.ts';
import { bundleInteraction } from '../rest/bundle-interaction.ts';
import { ID_PATTERN, isSupportedType } from '../fhir/resource-types.ts';
import { readBody, type DecodedBody } from './body.ts';
import { HEAVY_BODY_BYTES, HeavyGate } from './heavy-gate.ts';
import { toFhirError, writeError } from './errors.ts';
import { answerKey, CACHED_OPERATIONS, type AnswerCache } from './answer-cache.ts';
import { COMMON_HEADER_RECORD } from './headers.ts';
import { negotiate, prefersHtml } from './negotiate.ts';
import { PAGE_CSP, renderPage, type FhirCall, type Page } from '../web/render.ts';
import { parseQueryString } from './query-string.ts';

/** Bodies from this many characters on are encoded to bytes before writing (measured: faster from ~128 KB). */
const LARGE_BODY_CHARS = 128 * 1024;

/** Time an operation may run before long loops stop with `too-costly`. */
export const OPERATION_TIME_LIMIT_MS = 10_000;

/** What the router needs. */
export interface FhirRouterDeps<S extends OperationServices> {
  readonly rest: RestContext;
  readonly registry: OperationRegistry<S>;
  /** Builds the per-request services of operations. */
  readonly services: (deadline: number) => S;
  /** `GET /metadata` (and `?mode=terminology`). */
  readonly metadata: (mode: string | undefined) => Resource;
  readonly writeToken: string | undefined;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  /** Serialised `$lookup`/`$validate-code`/`$expand` answers (src/http/answer-cache.ts); none: every call computed. */
  readonly answers?: AnswerCache;
}

/** Where a request's body comes from: the HTTP stream, or a batch entry. */
type BodySource = (allowForm: boolean) => Promise<DecodedBody>;

/** A request decoded from HTTP. */
interface Decoded {
  readonly method: string;
  readonly segments: readonly string[];
  readonly pairs: QueryPairs;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** What an interaction handler receives: the request's base parts, the path's id and version id, its body. */
interface InteractionCall {
  readonly base: InteractionRequest & { readonly resourceType: string };
  readonly id: string;
  readonly versionId: string;
  readonly body: BodySource;
  /** True for an entry of a batch or transaction. */
  readonly nested: boolean;
}

/** The handler of one row of the interaction table. */
type InteractionHandler = (call: InteractionCall) => Promise<RestResponse> | RestResponse;

/** The order of methods in an `Allow` header. */
const METHOD_ORDER = ['GET', 'POST', 'PUT', 'DELETE'] as const;

/** A POST search's parameters: the query's, then the form body's. */
async function withForm(body: BodySource, pairs: QueryPairs): Promise<QueryPairs> {
  const b = await body(true);
  return b.kind === 'form' ? [...pairs, ...b.pairs] : pairs;
}

function decodePath(rawPath: string): string[] {
  const segments = rawPath.split('/').filter((s) => s !== '');
  if (!rawPath.includes('%')) return segments;
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest('The URL has invalid percent-encoding');
  }
}

function lowerHeaders(req: IncomingMessage): Readonly<Record<string, string | undefined>> {
  // Node lower-cases header names already; only repeated headers (arrays) need joining.
  const headers = req.headers;
  for (const value of Object.values(headers)) {
    if (Array.isArray(value)) {
      const out: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
      return out;
    }
  }
  return headers as Readonly<Record<string, string | undefined>>;
}

function checkId(id: string): void {
  if (!ID_PATTERN.test(id)) throw badRequest(`${shown(id)} is not a valid FHIR id ([A-Za-z0-9-.]{1,64})`);
}

function methodNotAllowed(allow: string): Error {
  return fhirError(405, 'not-supported', `Method not allowed here; allowed: ${allow}`, { headers: { Allow: allow } });
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Creates the handler of the FHIR base (mounted at `/fhir`).
 * @see https://hl7.org/fhir/R4/http.html
 */
export function createFhirRouter<S extends OperationServices>(deps: FhirRouterDeps<S>) {
  const { rest, registry, answers } = deps;
  // The registry never changes: each (level, type, code) is looked up once.
  const declarations = new Map<string, ReturnType<typeof registry.find> | null>();
  function findDeclaration(code: string, level: OperationLevel, resourceType: string | undefined): ReturnType<typeof registry.find> {
    const key = `${level}|${resourceType ?? ''}|${code}`;
    let found = declarations.get(key);
    if (found === undefined) {
      found = registry.find(code, level, resourceType) ?? null;
      // Unknown codes come from clients: remember only declared ones, so the map stays bounded.
      if (found !== null) declarations.set(key, found);
    }
    return found ?? undefined;
  }

  function requireWrite(headers: Decoded['headers']): void {
    if (deps.writeToken === undefined) {
      throw fhirError(405, 'not-supported', 'This server is read-only: no WRITE_TOKEN is configured', { headers: { Allow: 'GET, HEAD' } });
    }
    const auth = headers.authorization;
    const match = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!match || !safeEqual(match[1], deps.writeToken)) {
      throw fhirError(401, 'login', auth === undefined ? 'Writes need a bearer token' : 'The bearer token is not valid', {
        headers: { 'WWW-Authenticate': 'Bearer realm="fhir"' },
      });
    }
  }

  const heavyGate = new HeavyGate();

  /** The request's body source; a large body also takes the heavy gate, released by `held.release`. */
  function httpBody(req: IncomingMessage, held: { release?: () => void }): BodySource {
    const admit = async (bytes: number): Promise<void> => {
      if (bytes > HEAVY_BODY_BYTES && held.release === undefined) held.release = await heavyGate.acquire();
    };
    return (allowForm) => readBody(req, { limit: deps.maxBodyBytes, allowForm, admit });
  }

  function jsonBody(decoded: DecodedBody): unknown {
    return decoded.kind === 'json' ? decoded.value : undefined;
  }

  async function operation(body: BodySource, d: Decoded, level: OperationLevel, code: string, resourceType?: string, id?: string): Promise<RestResponse> {
    const declaration = findDeclaration(code, level, resourceType);
    if (!declaration) {
      const where = level === 'system' ? 'at system level' : level === 'type' ? `on ${resourceType}` : `on a ${resourceType} instance`;
      throw notFound(`Operation ${shown(`$${code}`)} is not supported ${where}`);
    }
    let parameters;
    let cacheKey: string | undefined;
    const generation = answers?.generation ?? 0;
    if (d.method === 'GET' || d.method === 'HEAD') {
      if (declaration.definition.affectsState) throw methodNotAllowed('POST');
      if (answers && id === undefined && CACHED_OPERATIONS.has(code)) {
        cacheKey = answerKey({ level, resourceType, code, pairs: d.pairs, headers: d.headers });
        const hit = answers.get(cacheKey);
        if (hit !== undefined) return { status: 200, body: hit };
      }
      parameters = queryToParameters(declaration.definition, d.pairs);
    } else if (d.method === 'POST') {
      parameters = bodyToParameters(declaration.definition, jsonBody(await body(false)), d.pairs);
    } else {
      throw methodNotAllowed(declaration.definition.affectsState ? 'POST' : 'GET, POST');
    }
    const result = await declaration.handler(
      {
        resourceType: resourceType as never,
        id,
        parameters,
        headers: d.headers,
      },
      deps.services(Date.now() + OPERATION_TIME_LIMIT_MS),
    );
    if (answers && cacheKey !== undefined && result !== undefined) {
      const text = JSON.stringify(result);
      const body = text.length >= LARGE_BODY_CHARS ? Buffer.from(text, 'utf8') : text;
      answers.set(cacheKey, body, generation);
      return { status: 200, body };
    }
    return { status: 200, body: result };
  }

  /** The REST interaction handlers, one for each row of the interaction table. */
  const interactions: Record<InteractionRoute, InteractionHandler> = {
    read: ({ base, id }) => readInteraction(rest, { ...base, id }),
    vread: ({ base, id, versionId }) => {
      if (!/^\d{1,15}$/.test(versionId)) throw badRequest(`${shown(versionId)} is not a valid version id`);
      return vreadInteraction(rest, { ...base, id, versionId });
    },
    'search-type': ({ base }) => searchInteraction(rest, base),
    'search-type-post': async ({ base, body }) => {
      const all = await withForm(body, base.pairs);
      return searchInteraction(rest, { ...base, pairs: all, params: pairsToParams(all) });
    },
    'history-instance': ({ base, id }) => historyInteraction(rest, { resourceType: base.resourceType, id, pairs: base.pairs, params: base.params }),
    'history-type': ({ base }) => historyInteraction(rest, { resourceType: base.resourceType, pairs: base.pairs, params: base.params }),
    create: async ({ base, body }) => createInteraction(rest, { ...base, body: jsonBody(await body(false)) }),
    update: async ({ base, id, body }) => updateInteraction(rest, { ...base, id, body: jsonBody(await body(false)) }),
    delete: ({ base, id }) => deleteInteraction(rest, { ...base, id }),
    batch: async ({ base, body, nested }) => {
      if (nested) throw methodNotAllowed('GET, POST');
      const bundle = jsonBody(await body(false));
      return bundleInteraction(rest, bundle, {
        requireWrite: () => requireWrite(base.headers),
        prefer: base.headers.prefer,
        dispatch: (entry) => dispatch(entry.body, { ...entry, headers: { ...base.headers, ...entry.headers } }, true),
      });
    },
    'search-system': ({ base }) => systemSearchInteraction(rest, { pairs: base.pairs, params: base.params, headers: base.headers }),
    'search-system-post': async ({ base, body }) => {
      const all = await withForm(body, base.pairs);
      return systemSearchInteraction(rest, { pairs: all, params: pairsToParams(all), headers: base.headers });
    },
    'history-system': ({ base }) => historyInteraction(rest, { pairs: base.pairs, params: base.params }),
  };

  /** Runs the table's interaction at this level and path for the method: 404 when none is there, 405 for another method. */
  function interaction(level: InteractionLevel, path: InteractionPath, call: InteractionCall, method: string): Promise<RestResponse> | RestResponse {
    const rows = interactionRows(level, path);
    if (rows.length === 0) throw notFound('No FHIR interaction at this path');
    const wanted = method === 'HEAD' ? 'GET' : method;
    const row = rows.find((r) => r.method === wanted);
    if (row === undefined) throw methodNotAllowed(METHOD_ORDER.filter((m) => rows.some((r) => r.method === m)).join(', '));
    if (row.write) requireWrite(call.base.headers);
    return interactions[row.route](call);
  }

  async function dispatch(body: BodySource, d: Decoded, nested = false): Promise<RestResponse> {
    const { method, segments, pairs, headers } = d;
    const params = pairsToParams(pairs);
    const [first, second, third, fourth] = segments;
    const call = (resourceType: string, id = '', versionId = ''): InteractionCall => ({ base: { resourceType, pairs, params, headers }, id, versionId, body, nested });

    if (segments.length === 0) return interaction('system', '', call(''), method);
    if (first === 'metadata' && segments.length === 1) {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
      const mode = typeof params.mode === 'string' ? params.mode : undefined;
      return metadataInteraction(deps.metadata(mode), { params });
    }
    if (first.startsWith('$') && segments.length === 1) return operation(body, d, 'system', first.slice(1));
    if ((first === '_history' || first === '_search') && segments.length === 1) return interaction('system', first, call(''), method);
    if (!isSupportedType(first)) throw notFound(`Resource type ${shown(first)} is not served here`);
    const resourceType = first;

    if (segments.length === 1) return interaction('type', '', call(resourceType), method);
    if (second.startsWith('$') && segments.length === 2) return operation(body, d, 'type', second.slice(1), resourceType);
    if ((second === '_search' || second === '_history') && segments.length === 2) return interaction('type', second, call(resourceType), method);
    checkId(second);
    const id = second;
    if (segments.length === 2) return interaction('instance', '', call(resourceType, id), method);
    if (third.startsWith('$') && segments.length === 3) return operation(body, d, 'instance', third.slice(1), resourceType, id);
    if (third === '_history' && segments.length === 3) return interaction('instance', '_history', call(resourceType, id), method);
    if (third === '_history' && segments.length === 4) return interaction('instance', '_history/{vid}', call(resourceType, id, fourth), method);
    throw notFound('No FHIR interaction at this path');
  }

  /** The browser view's data source: this router's own dispatch, in-process, answering FHIR JSON. */
  const inProcess: FhirCall = async (method, path, callPairs = [], body) => {
    const source: BodySource = () => Promise.resolve(body === undefined ? { kind: 'none' } : { kind: 'json', value: body });
    const segments = path.split('/').filter((s) => s !== '');
    const response = await dispatch(source, { method, segments, pairs: callPairs, headers: { accept: 'application/fhir+json' } });
    const out = response.body;
    if (out === undefined) return undefined;
    return Buffer.isBuffer(out) || typeof out === 'string' ? (JSON.parse(out.toString()) as Resource) : out;
  };

  return async function fhirHandler(req: IncomingMessage & { requestId?: string }, res: ServerResponse): Promise<void> {
    const requestId = req.requestId ?? '-';
    const held: { release?: () => void } = {};
    try {
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
      const pairs: [string, string][] = q < 0 ? [] : parseQueryString(rawUrl.slice(q + 1));
      const headers = lowerHeaders(req);
      const format = pairs.find(([k]) => k === '_format')?.[1];
      const method = req.method ?? 'GET';
      if ((method === 'GET' || method === 'HEAD') && prefersHtml(format, headers.accept)) {
        writePage(res, await renderPage({ segments: decodePath(rawPath), pairs, call: inProcess }), requestId, method === 'HEAD');
        return;
      }
      const contentType = negotiate(format, headers.accept);
      const decoded: Decoded = { method: req.method ?? 'GET', segments: decodePath(rawPath), pairs, headers };
      const response = await dispatch(httpBody(req, held), decoded);
      writeResponse(res, response, contentType, requestId, decoded.method === 'HEAD', pairs.some(([k, v]) => k === '_pretty' && v === 'true'));
    } catch (err) {
      writeError(res, toFhirError(err, deps.logger, requestId), requestId);
    } finally {
      held.release?.();
    }
  };
}

/** Writes an HTML page, with the pages' own Content-Security-Policy. */
function writePage(res: ServerResponse, page: Page, requestId: string, head: boolean): void {
  const headers: Record<string, string | number> = { ...COMMON_HEADER_RECORD, 'X-Request-Id': requestId };
  headers['Content-Security-Policy'] = PAGE_CSP;
  headers['Content-Type'] = 'text/html; charset=utf-8';
  headers['Content-Length'] = Buffer.byteLength(page.body);
  headers.Vary = 'Accept';
  res.writeHead(page.status, headers);
  res.end(head ? undefined : page.body);
}

/** Writes a successful answer. */
function writeResponse(res: ServerResponse, response: RestResponse, contentType: string, requestId: string, head: boolean, pretty: boolean): void {
  const headers: Record<string, string | number> = { ...COMMON_HEADER_RECORD, 'X-Request-Id': requestId };
  if (response.headers) for (const [k, v] of Object.entries(response.headers)) headers[k] = v;
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  let payload: string | Buffer = Buffer.isBuffer(response.body) || typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  if (pretty) payload = JSON.stringify(JSON.parse(payload.toString()), null, 2);
  // A large body goes out faster as bytes (written with the head, no join and re-encoding of one big string).
  if (typeof payload === 'string' && payload.length >= LARGE_BODY_CHARS) payload = Buffer.from(payload, 'utf8');
  headers['Content-Type'] = contentType;
  headers['Content-Length'] = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  res.writeHead(response.status, headers);
  res.end(head ? undefined : payload);
}
