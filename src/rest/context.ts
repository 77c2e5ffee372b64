/**
 * What REST interactions need, passed per request.
 */
import type { Repository } from '../store/repository.ts';
import type { QueryParams } from '../search/query.ts';
import type { QueryPairs } from './bundles.ts';

/** A decoded REST request (the HTTP layer builds it). */
export interface InteractionRequest {
  readonly resourceType: string;
  readonly id?: string;
  readonly versionId?: string;
  /** Query pairs in order (for links). */
  readonly pairs: QueryPairs;
  /** Query as a record of values (repeated names become lists). */
  readonly params: QueryParams;
  /** Lower-cased headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON body, when there is one. */
  readonly body?: unknown;
}

/** Services of the REST interactions. */
export interface RestContext {
  readonly repository: Repository;
  readonly baseUrl: string;
}

/** Turns query pairs into the record form. */
export function pairsToParams(pairs: QueryPairs): QueryParams {
  // No prototype: a parameter named `constructor` or `__proto__` is just a name.
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of pairs) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    if (existing === undefined) out[key] = value;
    else if (typeof existing === 'string') out[key] = [existing, value];
    else existing.push(value);
  }
  return out;
}
