/**
 * A `$operation` request at system, type or instance level: the registry's declaration found (once per
 * level, type and code), its inputs decoded from the query or the body, its handler run with a deadline, and
 * GET answers of the cached operations kept in the answer cache.
 *
 * @see https://hl7.org/fhir/R4/operations.html
 */
import { notFound, shown } from '../fhir/errors.ts';
import { bodyToParameters, queryToParameters } from '../operations/parameters.ts';
import type { OperationLevel, OperationRegistry } from '../operations/registry.ts';
import type { OperationServices } from '../operations/types.ts';
import type { RestResponse } from '../rest/response.ts';
import { answerKey, CACHED_OPERATIONS, type AnswerCache } from './answer-cache.ts';
import { jsonBody, LARGE_BODY_CHARS, methodNotAllowed, type BodySource, type Decoded } from './fhir-request.ts';

/** Time an operation may run before long loops stop with `too-costly`. */
export const OPERATION_TIME_LIMIT_MS = 10_000;

/** What running operations needs (a part of the router's dependencies). */
export interface OperationRouteDeps<S extends OperationServices> {
  readonly registry: OperationRegistry<S>;
  /** Builds the per-request services of operations. */
  readonly services: (deadline: number) => S;
  /** Serialised answers of the cached operations; none: every call computed. */
  readonly answers?: AnswerCache;
}

/** Runs one operation request: `$code` at `level` (on `resourceType`, instance `id`). */
export type OperationRoute = (body: BodySource, d: Decoded, level: OperationLevel, code: string, resourceType?: string, id?: string) => Promise<RestResponse>;

/**
 * Creates the runner of operation requests.
 */
export function createOperationRoute<S extends OperationServices>(deps: OperationRouteDeps<S>): OperationRoute {
  const { registry, answers } = deps;
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

  return async function operation(body, d, level, code, resourceType, id) {
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
  };
}
