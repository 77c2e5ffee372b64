/**
 * The repository's current CodeSystems, ValueSets and ConceptMaps as the terminology engine's
 * `TerminologyResources`. Objects are the index's own (the same object while a version is current, a new one
 * after a write), so the engine's per-CodeSystem indexes are built once per version and dropped with it.
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 */
import type { CodeSystem, ConceptMap, ValueSet } from '@medplum/fhirtypes';
import type { TerminologyResource, TerminologyResources } from '../terminology/resources.ts';
import type { ResourceIndex } from './resource-index.ts';

function base(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/** Adapts the in-memory index. */
export function storeTerminologyResources(index: ResourceIndex): TerminologyResources {
  return {
    findCodeSystems: ({ url }) => index.byCanonical('CodeSystem', url).map((e) => e.resource as CodeSystem),
    findValueSets: ({ url }) => index.byCanonical('ValueSet', url).map((e) => e.resource as ValueSet),
    findConceptMaps: ({ url }) => index.byCanonical('ConceptMap', url).map((e) => e.resource as ConceptMap),
    findSupplements: ({ url }) => index.supplements(url).map((e) => e.resource as CodeSystem),
    findConceptMapsFor: ({ source, target, system }) =>
      index
        .all('ConceptMap')
        .map((e) => e.resource as ConceptMap)
        .filter((cm) => {
          const src = cm.sourceUri ?? cm.sourceCanonical;
          const tgt = cm.targetUri ?? cm.targetCanonical;
          if (source !== undefined && src !== undefined && base(src) !== base(source)) return false;
          if (target !== undefined && tgt !== undefined && base(tgt) !== base(target)) return false;
          if (system !== undefined && !(cm.group ?? []).some((g) => g.source === system || g.target === system)) return false;
          return true;
        }),
    readById: (resourceType, id) => index.get(resourceType, id)?.resource as TerminologyResource | undefined,
  };
}
