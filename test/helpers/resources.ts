/**
 * Building test resources from the CRUD templates (test/fixtures/http/crud-<Type>.json) with a unique
 * canonical, so every test writes resources no other test touches.
 */
import type { NamingSystem, Resource } from '@medplum/fhirtypes';
import { FIXTURE_BASE, readFixture } from './fixtures.ts';
import { unique } from './http.ts';

/**
 * The resource types the REST endpoint serves.
 * @see https://hl7.org/fhir/R4/resourcelist.html
 */
export const SERVED_TYPES = [
  'CodeSystem',
  'ValueSet',
  'ConceptMap',
  'PlanDefinition',
  'ActivityDefinition',
  'Library',
  'Questionnaire',
  'NamingSystem',
] as const;

/**
 * One of the served resource types.
 * @see https://hl7.org/fhir/R4/resourcelist.html
 */
export type ServedType = (typeof SERVED_TYPES)[number];

/**
 * A fresh resource of `type` from its CRUD template, with a unique url (NamingSystem: unique id value).
 * @see https://hl7.org/fhir/R4/resource.html#canonical
 */
export function templateResource(type: ServedType, options: { readonly key?: string } = {}): Resource & { url?: string } {
  const key = options.key ?? unique(type.toLowerCase());
  const template = readFixture(`crud-${type}.json`);
  if (type === 'NamingSystem') {
    const ns = template as NamingSystem;
    return { ...ns, name: `HttpCrud${key.replace(/[^A-Za-z0-9]/g, '')}`, uniqueId: [{ type: 'uri', value: `${FIXTURE_BASE}/NamingSystem/${key}`, preferred: true }] };
  }
  return { ...template, url: `${FIXTURE_BASE}/${type}/${key}` };
}

/**
 * The canonical a template resource was given (NamingSystem: its unique id value).
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
export function canonicalOf(resource: Resource): string {
  if (resource.resourceType === 'NamingSystem') return (resource as NamingSystem).uniqueId?.[0]?.value ?? '';
  return (resource as { url?: string }).url ?? '';
}

/**
 * A search (query string) that finds the resource by its canonical.
 * @see https://hl7.org/fhir/R4/search.html#uri
 */
export function canonicalQuery(resource: Resource): string {
  if (resource.resourceType === 'NamingSystem') return `value=${encodeURIComponent(canonicalOf(resource))}`;
  return `url=${encodeURIComponent(canonicalOf(resource))}`;
}
