/**
 * `_summary` and `_elements`: returning part of a resource, tagged SUBSETTED.
 *
 * @see https://hl7.org/fhir/R4/search.html#summary
 * @see https://hl7.org/fhir/R4/search.html#elements
 */
import { getDataType } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { loadR4StructureDefinitions } from '../fhir/definitions.ts';
import type { SummaryMode } from './query.ts';

/** The SUBSETTED tag added to every partial resource. */
export const SUBSETTED_TAG: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'Resource encoded in summary mode',
};

function tagged(resource: Record<string, unknown>): Resource {
  const meta = (resource.meta ?? {}) as { tag?: Coding[] };
  // The members of a resource picked by name: a Resource, but one TypeScript cannot see as such (and, marked
  // SUBSETTED, possibly without elements its type requires).
  return { ...resource, meta: { ...meta, tag: [...(meta.tag ?? []), SUBSETTED_TAG] } } as unknown as Resource;
}

function pick(resource: Resource, keep: (name: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    if (key === 'resourceType' || key === 'id' || key === 'meta' || keep(name)) out[key] = value;
  }
  return out;
}

function elementNames(resourceType: string, kind: 'summary' | 'mandatory'): ReadonlySet<string> {
  loadR4StructureDefinitions();
  const schema = getDataType(resourceType);
  return kind === 'summary' ? schema.summaryProperties ?? new Set() : schema.mandatoryProperties ?? new Set();
}

/** Whether `name` (maybe a choice like `valueString`) is in `set` (which holds `value[x]` as `value`). */
function inSet(set: ReadonlySet<string>, name: string): boolean {
  if (set.has(name)) return true;
  const choiceBase = /^([a-z][a-zA-Z]*?)[A-Z]/.exec(name)?.[1];
  return choiceBase !== undefined && (set.has(choiceBase) || set.has(`${choiceBase}[x]`));
}

/**
 * Applies `_summary` / `_elements` to one resource; returns the resource itself when nothing is removed.
 */
export function subsetResource(resource: Resource, summary: SummaryMode | undefined, elements: readonly string[] | undefined): Resource {
  if (elements !== undefined) {
    const wanted = new Set(elements.map((e) => e.replace(/\[x\]$/, '')));
    const mandatory = elementNames(resource.resourceType, 'mandatory');
    return tagged(pick(resource, (name) => inSet(wanted, name) || inSet(mandatory, name)));
  }
  switch (summary) {
    case undefined:
    case 'false':
    case 'count':
      return resource;
    case 'true': {
      const names = elementNames(resource.resourceType, 'summary');
      return tagged(pick(resource, (name) => inSet(names, name)));
    }
    case 'text': {
      const mandatory = elementNames(resource.resourceType, 'mandatory');
      return tagged(pick(resource, (name) => name === 'text' || inSet(mandatory, name)));
    }
    case 'data': {
      const { text: _text, ...rest } = resource as Resource & { text?: unknown };
      return tagged(rest as Record<string, unknown>);
    }
  }
}
