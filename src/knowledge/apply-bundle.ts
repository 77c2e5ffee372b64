/**
 * The Bundle form of an `$apply` result (asked for with `resultType=Bundle`): a `collection` whose first
 * entry is the CarePlan (or the request of an ActivityDefinition), followed by what the CarePlan contained —
 * RequestGroup, requests, Goals, participant roles — each with a `urn:uuid:` fullUrl, and every `#id`
 * reference rewritten to that fullUrl.
 *
 * @see https://hl7.org/fhir/R4/bundle.html#references
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-plandefinition-apply.html
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

function rewriteReferences(value: unknown, targets: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteReferences(item, targets));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === 'reference' && typeof item === 'string' && targets.has(item) ? targets.get(item) : rewriteReferences(item, targets);
  }
  return out;
}

/**
 * The Bundle of a resource and its contained resources, each a separate entry.
 */
export function applyResultBundle(result: Resource): Bundle {
  const contained = (result as { contained?: Resource[] }).contained ?? [];
  const targets = new Map<string, string>();
  const ids = new Map<Resource, string>();
  for (const resource of [result, ...contained]) {
    const uuid = randomUUID();
    ids.set(resource, uuid);
    if (resource !== result && resource.id !== undefined) targets.set(`#${resource.id}`, `urn:uuid:${uuid}`);
  }
  const { contained: _contained, ...container } = result as Resource & { contained?: Resource[] };
  const entries: BundleEntry[] = [container as Resource, ...contained].map((resource, index) => {
    const uuid = ids.get(index === 0 ? result : resource) as string;
    const rewritten = rewriteReferences({ ...resource, id: uuid }, targets) as Resource;
    return { fullUrl: `urn:uuid:${uuid}`, resource: rewritten };
  });
  return { resourceType: 'Bundle', type: 'collection', entry: entries };
}
