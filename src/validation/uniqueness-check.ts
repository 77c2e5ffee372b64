/**
 * The uniqueness check: a canonical url and version pair (`url|version`) identifies one artifact across the
 * whole package (whatever its type), and a `ResourceType/id` one resource.
 *
 * @see https://hl7.org/fhir/R4/resource.html#canonical
 * @see https://hl7.org/fhir/R4/resource.html#id
 */
import type { Resource } from '@medplum/fhirtypes';
import type { CanonicalIndex } from './canonical-index.ts';
import { resourceKey } from './canonical-index.ts';
import { createIssue } from './issues.ts';
import type { CanonicalResolver, ValidationIssue } from './types.ts';

/**
 * Reports other resources of the package (or of the resolver) with the same `url|version` as `resource`.
 * The resource itself (same `ResourceType/id`) is not a duplicate.
 */
export function checkCanonicalUniqueness(resource: Resource, index: CanonicalIndex, resolver?: CanonicalResolver): ValidationIssue[] {
  const { url, version } = resource as Resource & { url?: unknown; version?: unknown };
  if (typeof url !== 'string') return [];
  const v = typeof version === 'string' ? version : undefined;
  const self = resourceKey(resource);
  const others = index
    .packageCanonicals(url)
    .filter((other) => other.version === v && resourceKey(other) !== self)
    .map(resourceKey);
  const external = resolver?.({ url, version: v });
  if (external !== undefined && (external as { version?: string }).version === v && resourceKey(external) !== self) {
    others.push(resourceKey(external));
  }
  if (others.length === 0) return [];
  const shown = v === undefined ? url : `${url}|${v}`;
  return [
    createIssue('uniqueness', {
      severity: 'error',
      code: 'duplicate',
      text: `${shown} is also the url|version of ${[...new Set(others)].join(', ')}`,
      expression: `${resource.resourceType}.url`,
    }),
  ];
}

/**
 * Reports resources of a list that share a `ResourceType/id` (each one after the first).
 */
export function checkIdUniqueness(resources: readonly unknown[]): Map<number, ValidationIssue[]> {
  const firstByKey = new Map<string, number>();
  const issues = new Map<number, ValidationIssue[]>();
  resources.forEach((resource, i) => {
    if (typeof resource !== 'object' || resource === null) return;
    const { resourceType, id } = resource as { resourceType?: unknown; id?: unknown };
    if (typeof resourceType !== 'string' || typeof id !== 'string') return;
    const key = `${resourceType}/${id}`;
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, i);
      return;
    }
    issues.set(i, [
      createIssue('uniqueness', {
        severity: 'error',
        code: 'duplicate',
        text: `${key} is also the type and id of resource #${first + 1} of the package`,
        expression: `${resourceType}.id`,
      }),
    ]);
  });
  return issues;
}
