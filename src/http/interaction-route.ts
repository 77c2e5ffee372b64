/**
 * A REST interaction request: the interaction table's row for the level, path and method found (404 when the
 * path has none, 405 with `Allow` for another method), write access checked, and the row's handler run.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { badRequest, notFound, shown } from '../fhir/errors.ts';
import type { QueryPairs } from '../rest/bundles.ts';
import { bundleInteraction } from '../rest/bundle-interaction.ts';
import { pairsToParams, type InteractionRequest, type RestContext } from '../rest/context.ts';
import { interactionRows, type InteractionLevel, type InteractionPath, type InteractionRoute } from '../rest/interaction-table.ts';
import {
  createInteraction,
  deleteInteraction,
  historyInteraction,
  readInteraction,
  searchInteraction,
  systemSearchInteraction,
  updateInteraction,
  vreadInteraction,
} from '../rest/interactions.ts';
import type { RestResponse } from '../rest/response.ts';
import { jsonBody, methodNotAllowed, type BodySource, type Decoded } from './fhir-request.ts';

/** What an interaction handler receives: the request's base parts, the path's id and version id, its body. */
export interface InteractionCall {
  readonly base: InteractionRequest & { readonly resourceType: string };
  readonly id: string;
  readonly versionId: string;
  readonly body: BodySource;
  /** True for an entry of a batch or transaction. */
  readonly nested: boolean;
}

/** The handler of one row of the interaction table. */
type InteractionHandler = (call: InteractionCall) => Promise<RestResponse> | RestResponse;

/** Runs the table's interaction at this level and path for the method. */
export type InteractionRunner = (level: InteractionLevel, path: InteractionPath, call: InteractionCall, method: string) => Promise<RestResponse> | RestResponse;

/** What running interactions needs from the router. */
export interface InteractionRouteDeps {
  readonly rest: RestContext;
  /** Throws 405/401 unless the request may write (see write-access.ts). */
  readonly requireWrite: (headers: Decoded['headers']) => void;
  /** The router's dispatch, for the entries of a batch or transaction. */
  readonly dispatch: (body: BodySource, d: Decoded, nested?: boolean) => Promise<RestResponse>;
}

/** The order of methods in an `Allow` header. */
const METHOD_ORDER = ['GET', 'POST', 'PUT', 'DELETE'] as const;

/** A POST search's parameters: the query's, then the form body's. */
async function withForm(body: BodySource, pairs: QueryPairs): Promise<QueryPairs> {
  const b = await body(true);
  return b.kind === 'form' ? [...pairs, ...b.pairs] : pairs;
}

/** The REST interaction handlers, one for each row of the interaction table. */
function interactionHandlers(deps: InteractionRouteDeps): Record<InteractionRoute, InteractionHandler> {
  const { rest, requireWrite, dispatch } = deps;
  return {
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
}

/**
 * Creates the runner of interaction requests: 404 when the path has no interaction, 405 for another method.
 */
export function createInteractionRoute(deps: InteractionRouteDeps): InteractionRunner {
  const interactions = interactionHandlers(deps);
  return (level, path, call, method) => {
    const rows = interactionRows(level, path);
    if (rows.length === 0) throw notFound('No FHIR interaction at this path');
    const wanted = method === 'HEAD' ? 'GET' : method;
    const row = rows.find((r) => r.method === wanted);
    if (row === undefined) throw methodNotAllowed(METHOD_ORDER.filter((m) => rows.some((r) => r.method === m)).join(', '));
    if (row.write) deps.requireWrite(call.base.headers);
    return interactions[row.route](call);
  };
}
