/**
 * Decoding of the `$apply` inputs (R4 + CPG) from the operation's Parameters into the engine's ApplyInput:
 * `subject` as a string (GET `subject=Patient/123`, POST valueString) or a valueReference; the other
 * references likewise; CodeableConcept inputs (also accepted as a Coding); `data` a Bundle; `parameters` a
 * Parameters resource; `resultType` one of the allowed codes. Every problem is a 400 naming the parameter.
 * The registry has checked the cardinality of each input against the definition already (each but `subject`
 * at most once), so the first of a name is the only one.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-plandefinition-apply.html
 */
import type { Bundle, CodeableConcept, Parameters } from '@medplum/fhirtypes';
import { badRequest, notSupported } from '../../fhir/errors.ts';
import type { ApplyInput } from '../../knowledge/apply-input.ts';
import { param, params, paramValue } from '../../fhir/parameters.ts';
import { screenData } from './apply-data.ts';
import { RESULT_TYPE_PARAMETER } from './definitions.ts';

/** A reference input given as valueString, valueReference (its `reference`) or valueUri. */
function referenceParam(parameters: Parameters, name: string): string | undefined {
  const parameter = param(parameters, name);
  if (parameter === undefined) return undefined;
  const value = parameter.valueString ?? parameter.valueReference?.reference ?? parameter.valueUri;
  if (typeof value !== 'string' || value === '') {
    throw badRequest(`Parameter ${name} must be a reference string (valueString, e.g. "Patient/123") or a valueReference with a reference`, { expression: name });
  }
  return value;
}

function booleanInput(parameters: Parameters, name: string): boolean | undefined {
  const parameter = param(parameters, name);
  if (parameter === undefined) return undefined;
  if (typeof parameter.valueBoolean !== 'boolean') throw badRequest(`Parameter ${name} must be a valueBoolean`, { expression: name });
  return parameter.valueBoolean;
}

function conceptParam(parameters: Parameters, name: string): CodeableConcept | undefined {
  const parameter = param(parameters, name);
  if (parameter === undefined) return undefined;
  if (parameter.valueCodeableConcept !== undefined) return parameter.valueCodeableConcept;
  if (parameter.valueCoding !== undefined) return { coding: [parameter.valueCoding] };
  throw badRequest(`Parameter ${name} must be a valueCodeableConcept (or valueCoding)`, { expression: name });
}

function resourceParam<T>(parameters: Parameters, name: string, resourceType: string): T | undefined {
  const parameter = param(parameters, name);
  if (parameter === undefined) return undefined;
  if (parameter.resource?.resourceType !== resourceType) {
    throw badRequest(`Parameter ${name} must carry a ${resourceType} resource (in a POST Parameters body)`, { expression: name });
  }
  return parameter.resource as T;
}

/**
 * The subject: exactly one, as a string or a reference. Its presence (`min` 1 in the definition) is checked
 * when the parameters are decoded, with a message saying how to send it.
 */
function subjectParam(parameters: Parameters): string {
  const subjects = params(parameters, 'subject');
  if (subjects.length > 1) throw notSupported(`$apply takes one subject (got ${subjects.length}); apply once per subject, or use a Group`, { expression: 'subject' });
  return referenceParam(parameters, 'subject') as string;
}

/**
 * The ApplyInput of a request.
 */
export function decodeApplyInput(parameters: Parameters): ApplyInput {
  const { data, warnings } = screenData(resourceParam<Bundle>(parameters, 'data', 'Bundle'));
  return {
    subject: subjectParam(parameters),
    encounter: referenceParam(parameters, 'encounter'),
    practitioner: referenceParam(parameters, 'practitioner'),
    organization: referenceParam(parameters, 'organization'),
    userType: conceptParam(parameters, 'userType'),
    userLanguage: conceptParam(parameters, 'userLanguage'),
    userTaskContext: conceptParam(parameters, 'userTaskContext'),
    setting: conceptParam(parameters, 'setting'),
    settingContext: conceptParam(parameters, 'settingContext'),
    data,
    warnings,
    parameters: resourceParam<Parameters>(parameters, 'parameters', 'Parameters'),
    useServerData: serverDataInput(parameters),
  };
}

/**
 * CPG `useServerData`: `false` is accepted; `true` is refused (400 `not-supported`), because this is a knowledge
 * and terminology server that stores no patient data, so there is no server data to use. Absent, the server
 * evaluates the `data` input only (the CPG default `true` cannot be honoured; the definition says so).
 */
function serverDataInput(parameters: Parameters): false | undefined {
  const value = booleanInput(parameters, 'useServerData');
  if (value === true) {
    throw notSupported('useServerData=true is not supported: this knowledge server stores no patient data. Pass the patient data in the data parameter (a Bundle, POST) and omit useServerData or set it to false', {
      expression: 'useServerData',
    });
  }
  return value;
}

/**
 * The `resultType` input: one of `allowed` (the first is the default); a 400 otherwise.
 */
export function resultType<T extends string>(parameters: Parameters, allowed: readonly [T, ...T[]]): T {
  const parameter = param(parameters, RESULT_TYPE_PARAMETER);
  if (parameter === undefined) return allowed[0];
  const value = paramValue(parameter);
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw badRequest(`Parameter ${RESULT_TYPE_PARAMETER} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)?.slice(0, 100)}`, {
      expression: RESULT_TYPE_PARAMETER,
    });
  }
  return value as T;
}
