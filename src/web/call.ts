/**
 * What the pages get their data through: the FHIR endpoint's own dispatch, called in-process (the same
 * interactions, operations and engines a FHIR client reaches), never an HTTP request to the server itself.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';

/** An in-process FHIR request: path below the base (`ValueSet/x/$expand`), query pairs, JSON body. */
export type FhirCall = (method: 'GET' | 'POST', path: string, pairs?: readonly [string, string][], body?: unknown) => Promise<Resource | undefined>;

/** A page request as the HTTP layer decoded it. */
export interface PageRequest {
  readonly segments: readonly string[];
  readonly pairs: readonly [string, string][];
  readonly call: FhirCall;
}

/** The first value of a query parameter. */
export function param(req: PageRequest, name: string): string | undefined {
  return req.pairs.find(([k]) => k === name)?.[1];
}

/** The resources of a search Bundle. */
export function entries<T extends Resource = Resource>(bundle: Resource | undefined): T[] {
  if (bundle?.resourceType !== 'Bundle') return [];
  return ((bundle as Bundle).entry ?? []).flatMap((e) => (e.resource ? [e.resource as T] : []));
}

/** A map canonical url → `Type/id` of every resource of `type` (one search). */
export async function canonicalIndex(call: FhirCall, type: string): Promise<Map<string, string>> {
  const found = entries<Resource & { url?: string }>(await call('GET', type, [['_count', '1000'], ['_elements', 'url']]));
  const map = new Map<string, string>();
  for (const r of found) if (r.url && r.id) map.set(r.url, `${r.resourceType}/${r.id}`);
  return map;
}
