/**
 * The inputs of `$apply` (R4 and CPG parameters) and the FHIRPath scope built from them: `%subject`,
 * `%encounter`, `%practitioner`, `%organization` (resources from `data` when it holds them), `%userType`,
 * `%userLanguage`, `%userTaskContext`, `%setting`, `%settingContext`, `%data` (the `data` Bundle; an empty
 * Bundle when none is given) and one variable per entry of the `parameters` input.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-plandefinition-apply.html
 */
import { toTypedValue, type TypedValue } from '@medplum/core';
import type { Bundle, CodeableConcept, Parameters, ParametersParameter, Reference, Resource } from '@medplum/fhirtypes';
import { badRequest, echoed } from '../fhir/errors.ts';
import type { EvaluationScope } from './expressions.ts';
import { TERMINOLOGY_VARIABLE, terminologyVariable, type FhirPathTerminology } from './fhirpath-memberof.ts';
import { REFERENCE_INDEX_VARIABLE, referenceIndexVariable } from './fhirpath-resolve.ts';

/**
 * The inputs of an `$apply`, decoded from the operation's parameters.
 */
export interface ApplyInput {
  /** The subject as a reference string, e.g. `Patient/123`. */
  readonly subject: string;
  readonly encounter?: string;
  readonly practitioner?: string;
  readonly organization?: string;
  readonly userType?: CodeableConcept;
  readonly userLanguage?: CodeableConcept;
  readonly userTaskContext?: CodeableConcept;
  readonly setting?: CodeableConcept;
  readonly settingContext?: CodeableConcept;
  /** CPG `data`: the patient's data, bound to `%data`. */
  readonly data?: Bundle;
  /** CPG `parameters`: each entry is bound to `%<name>`. */
  readonly parameters?: Parameters;
  /**
   * CPG `useServerData`. This server stores knowledge and terminology only, never patient data: `true` is
   * refused when the inputs are decoded, so only `false` (or nothing) reaches the engine.
   */
  readonly useServerData?: false;
  /** What the caller should know about the inputs (e.g. data entries left out); reported in the result. */
  readonly warnings?: readonly string[];
}

/**
 * A reference string split into type and id.
 */
export interface ParsedReference {
  readonly resourceType: string;
  readonly id: string;
  /** The reference as given. */
  readonly reference: string;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Parses `Type/id` or an absolute URL ending in `Type/id` (optionally `/_history/n`); a 400 naming the
 * parameter otherwise.
 * @see https://hl7.org/fhir/R4/references.html#literal
 */
export function parseReference(value: string, parameter: string): ParsedReference {
  const segments = value.split('/').filter((s) => s !== '');
  const history = segments.length >= 4 && segments[segments.length - 2] === '_history' ? 2 : 0;
  const type = segments[segments.length - 2 - history];
  const id = segments[segments.length - 1 - history];
  const absolute = /^https?:\/\//.test(value);
  if (type === undefined || id === undefined || !RESOURCE_TYPE.test(type) || !ID.test(id) || (!absolute && segments.length !== 2)) {
    throw badRequest(`Parameter ${parameter} must be a reference like Patient/123, got ${quotedEcho(value)}`, { expression: parameter });
  }
  return { resourceType: type, id, reference: value };
}

/**
 * A reference by its `reference` string alone, with no inline `resource`: as such it may stand where any
 * typed reference (`Reference<Patient | Group>`, `Reference<Encounter>` …) is wanted, since the type
 * parameter of `Reference` only types the inline resource.
 */
export type LiteralReference = Reference<never>;

/**
 * A Reference to a parsed reference string.
 */
export function referenceTo(parsed: ParsedReference): LiteralReference {
  return { reference: parsed.reference };
}

/**
 * The resource `reference` points to in the data Bundle (by `fullUrl` or `Type/id`), if it is there.
 */
export function findInData(data: Bundle | undefined, parsed: ParsedReference): Resource | undefined {
  const entries: unknown = data?.entry;
  if (!Array.isArray(entries)) return undefined;
  for (const entry of entries as NonNullable<Bundle['entry']>) {
    const resource = entry?.resource;
    if (typeof resource !== 'object' || resource === null) continue;
    if (resource.resourceType === parsed.resourceType && resource.id === parsed.id) return resource;
    if (entry.fullUrl !== undefined && entry.fullUrl === parsed.reference) return resource;
  }
  return undefined;
}

function quotedEcho(value: string): string {
  const text = echoed(value);
  return text === value.slice(0, 200) ? `"${text.slice(0, 100)}"` : text;
}

/** Names the engine binds itself; a `parameters` entry may not reuse them. */
const RESERVED = new Set([
  'subject', 'encounter', 'practitioner', 'organization', 'userType', 'userLanguage', 'userTaskContext', 'setting',
  'settingContext', 'data', 'context', 'resource', 'rootResource', 'ucum', 'sct', 'loinc',
]);

const PRIMITIVE_SUFFIXES = new Set([
  'Base64Binary', 'Boolean', 'Canonical', 'Code', 'Date', 'DateTime', 'Decimal', 'Id', 'Instant', 'Integer', 'Markdown',
  'Oid', 'PositiveInt', 'String', 'Time', 'UnsignedInt', 'Uri', 'Url', 'Uuid',
]);

function parameterValue(parameter: ParametersParameter): TypedValue | undefined {
  if (parameter.resource !== undefined) return toTypedValue(parameter.resource);
  for (const [key, value] of Object.entries(parameter)) {
    if (!key.startsWith('value') || value === undefined) continue;
    const suffix = key.slice('value'.length);
    const type = PRIMITIVE_SUFFIXES.has(suffix) ? suffix.charAt(0).toLowerCase() + suffix.slice(1) : suffix;
    return { type, value };
  }
  return undefined;
}

/**
 * The `%`-variables of the `parameters` input; a 400 for a nameless, valueless, repeated or reserved entry.
 */
export function parameterVariables(parameters: Parameters | undefined): Record<string, TypedValue> {
  const variables: Record<string, TypedValue> = {};
  const list: unknown = parameters?.parameter ?? [];
  if (!Array.isArray(list)) throw badRequest('parameters.parameter must be a list', { expression: 'parameters' });
  for (const [i, parameter] of (list as ParametersParameter[]).entries()) {
    const name = parameter?.name;
    const where = `parameters.parameter[${i}]`;
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw badRequest(`${where} needs a name usable as a FHIRPath variable (letters, digits, _)`, { expression: where });
    }
    if (RESERVED.has(name)) throw badRequest(`${where}: ${quotedEcho(name)} is bound by the engine itself and cannot be passed in parameters`, { expression: where });
    if (variables[`%${name}`] !== undefined) throw badRequest(`${where}: ${quotedEcho(name)} appears more than once`, { expression: where });
    const value = parameterValue(parameter);
    if (value === undefined) throw badRequest(`${where} (${quotedEcho(name)}) has no value or resource`, { expression: where });
    variables[`%${name}`] = value;
  }
  return variables;
}

/** An empty data Bundle, bound to `%data` when the request has none (so conditions read "no data"). */
const NO_DATA: Bundle = Object.freeze({ resourceType: 'Bundle', type: 'collection' }) as Bundle;

function contextResource(input: ApplyInput, value: string | undefined, parameter: string): TypedValue | undefined {
  if (value === undefined) return undefined;
  const parsed = parseReference(value, parameter);
  // Not in data: a stub with type and id, so `%subject.id` works and other elements are empty.
  const resource = findInData(input.data, parsed) ?? ({ resourceType: parsed.resourceType, id: parsed.id } as Resource);
  return toTypedValue(resource);
}

/**
 * The FHIRPath scope of an `$apply`: focus `%subject`, and the variables listed above.
 */
export function applyScope(input: ApplyInput, terminology: FhirPathTerminology): EvaluationScope {
  const subject = contextResource(input, input.subject, 'subject') as TypedValue;
  const variables: Record<string, TypedValue> = { ...parameterVariables(input.parameters) };
  variables['%subject'] = subject;
  const references = { encounter: input.encounter, practitioner: input.practitioner, organization: input.organization };
  for (const [name, value] of Object.entries(references)) {
    const typed = contextResource(input, value, name);
    if (typed !== undefined) variables[`%${name}`] = typed;
  }
  const concepts = {
    userType: input.userType,
    userLanguage: input.userLanguage,
    userTaskContext: input.userTaskContext,
    setting: input.setting,
    settingContext: input.settingContext,
  };
  for (const [name, value] of Object.entries(concepts)) {
    if (value !== undefined) variables[`%${name}`] = { type: 'CodeableConcept', value };
  }
  variables['%data'] = toTypedValue(input.data ?? NO_DATA);
  variables[REFERENCE_INDEX_VARIABLE] = referenceIndexVariable(input.data);
  variables[TERMINOLOGY_VARIABLE] = terminologyVariable(terminology);
  return { focus: [subject], variables };
}
