/**
 * Generates the `text` (Narrative, status `generated`) of the project's content from each resource's structure,
 * and formats resource files the way `fhir-resources/` stores them (`text` right after `meta`, two-space JSON,
 * trailing newline). Output is a pure function of the resource: no clock, no locale, no randomness.
 *
 * @see https://hl7.org/fhir/R4/narrative.html
 */
import type { Narrative, Questionnaire, QuestionnaireItem, Resource } from '@medplum/fhirtypes';
import { metadataHeader } from './narrative-common.ts';
import { activityDefinitionNarrative, planDefinitionNarrative } from './narrative-knowledge.ts';
import { codeSystemNarrative, valueSetNarrative } from './narrative-terminology.ts';
import type { Xhtml } from './xhtml.ts';
import { el, fragment, narrativeDiv } from './xhtml.ts';

function body(resource: Resource): Xhtml {
  switch (resource.resourceType) {
    case 'CodeSystem':
      return codeSystemNarrative(resource);
    case 'ValueSet':
      return valueSetNarrative(resource);
    case 'ActivityDefinition':
      return activityDefinitionNarrative(resource);
    case 'PlanDefinition':
      return planDefinitionNarrative(resource);
    case 'Questionnaire':
      return questionnaireNarrative(resource);
    default: {
      const generic = resource as { resourceType: string; id?: string };
      return 'url' in resource
        ? metadataHeader(resource as Parameters<typeof metadataHeader>[0])
        : fragment(el('p', generic.resourceType, generic.id === undefined ? '' : ` ${generic.id}`));
    }
  }
}

function questionnaireItems(items: readonly QuestionnaireItem[] | undefined): Xhtml | undefined {
  if (items === undefined || items.length === 0) return undefined;
  return el('ul', items.map((i) => el('li', i.text ?? i.linkId, i.type === undefined ? '' : ` (${i.type})`, questionnaireItems(i.item))));
}

function questionnaireNarrative(q: Questionnaire): Xhtml {
  return fragment(metadataHeader(q as Parameters<typeof metadataHeader>[0]), questionnaireItems(q.item));
}

/**
 * The generated narrative of a resource: `{ status: 'generated', div }`, where `div` is
 * `<div xmlns="http://www.w3.org/1999/xhtml">…</div>` built only from escaped text and FHIR-allowed elements.
 * Any existing `text` of the input is ignored.
 *
 * @see https://hl7.org/fhir/R4/narrative.html#Narrative
 */
export function generateNarrative(resource: Resource): Narrative {
  return { status: 'generated', div: narrativeDiv(body(resource)) };
}

/**
 * A copy of the resource with its narrative regenerated, `text` placed after `meta` (or after `id`), so files keep
 * the element order of the specification (after `id`, or after `resourceType`, when there is no `meta`). The input
 * is not modified.
 *
 * @see https://hl7.org/fhir/R4/domainresource.html
 */
export function withNarrative<T extends Resource>(resource: T): T {
  const text = generateNarrative(resource);
  const entries = Object.entries(resource).filter(([key]) => key !== 'text');
  const keys = new Set(entries.map(([key]) => key));
  const anchor = keys.has('meta') ? 'meta' : keys.has('id') ? 'id' : 'resourceType';
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    out[key] = value;
    if (key === anchor) {
      out.text = text;
    }
  }
  return out as T;
}

/**
 * The exact file content of a resource in `fhir-resources/`: JSON with two-space indentation and a final newline.
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
export function formatResourceJson(resource: Resource): string {
  return `${JSON.stringify(resource, null, 2)}\n`;
}
