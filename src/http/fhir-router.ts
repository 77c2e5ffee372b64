/**
 * The FHIR endpoint's router: one handler that decodes the path (case-sensitive; `$` and `%24` alike;
 * ids checked before any lookup), negotiates the format, checks write credentials, reads the body, and
 * dispatches to a REST interaction or a registered operation. Routing by hand rather than with express
 * patterns keeps every answer — unknown route, wrong method, bad percent-encoding — a FHIR OperationOutcome.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { badRequest, notFound, shown } from '../fhir/errors.ts';
import type { OperationRegistry } from '../operations/registry.ts';
import type { OperationServices } from '../operations/types.ts';
import { pairsToParams, type RestContext } from '../rest/context.ts';
import { metadataInteraction } from '../rest/interactions.ts';
import type { RestResponse } from '../rest/response.ts';
import { ID_PATTERN, isSupportedType } from '../fhir/resource-types.ts';
import { readBody } from './body.ts';
import { HEAVY_BODY_BYTES, HeavyGate } from './heavy-gate.ts';
import { toFhirError, writeError } from './errors.ts';
import type { AnswerCache } from './answer-cache.ts';
import { LARGE_BODY_CHARS, methodNotAllowed, type BodySource, type Decoded } from './fhir-request.ts';
import { COMMON_HEADER_RECORD } from './headers.ts';
import { createInteractionRoute, type InteractionCall, type InteractionRunner } from './interaction-route.ts';
import { negotiate, prefersHtml } from './negotiate.ts';
import { createOperationRoute, type OperationRoute } from './operation-route.ts';
import { PAGE_CSP, renderPage, type FhirCall, type Page } from '../web/render.ts';
import { parseQueryString } from './query-string.ts';
import { writeAccessCheck } from './write-access.ts';

export { OPERATION_TIME_LIMIT_MS } from './operation-route.ts';


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

/** Where the router sends a decoded request: the metadata, an operation, or a REST interaction. */
interface Routes {
  readonly metadata: (mode: string | undefined) => Resource;
  readonly operation: OperationRoute;
  readonly interaction: InteractionRunner;
}

/** Routes a decoded request by its path: metadata, `$operation` at each level, or the interaction table's rows. */
function route(routes: Routes, body: BodySource, d: Decoded, nested: boolean): Promise<RestResponse> | RestResponse {
  const { operation, interaction } = routes;
  const { method, segments, pairs, headers } = d;
  const params = pairsToParams(pairs);
  const [first, second, third, fourth] = segments;
  const call = (resourceType: string, id = '', versionId = ''): InteractionCall => ({ base: { resourceType, pairs, params, headers }, id, versionId, body, nested });

  if (segments.length === 0) return interaction('system', '', call(''), method);
  if (first === 'metadata' && segments.length === 1) {
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
    const mode = typeof params.mode === 'string' ? params.mode : undefined;
    return metadataInteraction(routes.metadata(mode), { params });
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

/**
 * Creates the handler of the FHIR base (mounted at `/fhir`).
 */
export function createFhirRouter<S extends OperationServices>(deps: FhirRouterDeps<S>) {
  const requireWrite = writeAccessCheck(deps.writeToken);
  const dispatch = async (body: BodySource, d: Decoded, nested = false): Promise<RestResponse> => route(routes, body, d, nested);
  const routes: Routes = {
    metadata: deps.metadata,
    operation: createOperationRoute(deps),
    interaction: createInteractionRoute({ rest: deps.rest, requireWrite, dispatch }),
  };

  const heavyGate = new HeavyGate();

  /** The request's body source; a large body also takes the heavy gate, released by `held.release`. */
  function httpBody(req: IncomingMessage, held: { release?: () => void }): BodySource {
    const admit = async (bytes: number): Promise<void> => {
      if (bytes > HEAVY_BODY_BYTES && held.release === undefined) held.release = await heavyGate.acquire();
    };
    return (allowForm) => readBody(req, { limit: deps.maxBodyBytes, allowForm, admit });
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
