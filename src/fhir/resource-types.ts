/**
 * The resource types this server serves, and the FHIR id syntax: facts about the served API that the REST
 * layer, the operations, the CapabilityStatement and the store all need, so they live below all of them.
 */

/** Resource types served by the REST interactions. */
export const SUPPORTED_TYPES = [
  'CodeSystem',
  'ValueSet',
  'ConceptMap',
  'PlanDefinition',
  'ActivityDefinition',
  'Library',
  'Questionnaire',
  'NamingSystem',
] as const;
export type SupportedType = (typeof SUPPORTED_TYPES)[number];

/** Whether a resource type is served. */
export function isSupportedType(type: string): type is SupportedType {
  return (SUPPORTED_TYPES as readonly string[]).includes(type);
}

/**
 * A FHIR resource id: 1–64 of `A-Z a-z 0-9 - .`.
 * @see https://hl7.org/fhir/R4/datatypes.html#id
 */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
