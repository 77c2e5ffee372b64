/**
 * The knowledge engine's resolver over the server's repository: canonical lookups in the in-memory index,
 * supplements by scan of the stored CodeSystems, and the server's ValueSet membership.
 *
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
import type { CodeSystem, Resource } from '@medplum/fhirtypes';
import { splitCanonical } from '../../knowledge/canonical.ts';
import type { KnowledgeResolver } from '../../knowledge/resolver.ts';
import { SUPPORTED_TYPES } from '../../fhir/resource-types.ts';
import type { Repository } from '../../store/repository.ts';
import type { ValueSetMembership } from '../services.ts';

/**
 * A resolver over the repository.
 */
export function repositoryResolver(repository: Repository, memberOf: ValueSetMembership): KnowledgeResolver {
  return {
    resolve(canonical: string, resourceTypes?: readonly string[]): Resource | undefined {
      const { url, version } = splitCanonical(canonical);
      for (const type of resourceTypes ?? SUPPORTED_TYPES) {
        const entry = repository.findByCanonical(type, url, version)[0];
        if (entry !== undefined) return entry.resource;
      }
      return undefined;
    },
    supplementsOf(url: string, version?: string): readonly CodeSystem[] {
      return repository.index
        .all('CodeSystem')
        .map((entry) => entry.resource as CodeSystem)
        .filter((cs) => {
          if (cs.supplements === undefined) return false;
          const target = splitCanonical(cs.supplements);
          return target.url === url && (target.version === undefined || version === undefined || target.version === version);
        });
    },
    memberOf,
  };
}
