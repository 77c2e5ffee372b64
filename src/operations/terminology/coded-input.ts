/**
 * Reads the value to validate from $validate-code parameters: `codeableConcept`, else `coding`, else
 * `code` with `system` / `url` / `version` / `systemVersion` / `display` — as one CodeableConcept plus the
 * mode it came in.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 * @see https://hl7.org/fhir/R4/codesystem-operation-validate-code.html
 */
import type { CodeableConcept, Coding, Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/errors.ts';
import type { ValidationMode } from '../../terminology/validate-code-result.ts';
import { param, paramString } from '../../fhir/parameters.ts';

/**
 * The value to validate.
 */
export interface CodedInput {
  readonly coded: CodeableConcept;
  readonly mode: ValidationMode;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Refuses (400) a Coding that is not an object of string system / version / code / display. */
function checkCoding(value: unknown, where: string): Coding {
  if (!isObject(value)) throw badRequest(`${where} must be a Coding (a JSON object)`, { expression: where });
  for (const key of ['system', 'version', 'code', 'display']) {
    if (value[key] !== undefined && typeof value[key] !== 'string') throw badRequest(`${where}.${key} must be a string`, { expression: `${where}.${key}` });
  }
  return value as Coding;
}

/** Refuses (400) a CodeableConcept whose coding is not an array of Codings, or whose text is not a string. */
function checkCodeableConcept(value: unknown, where: string): CodeableConcept {
  if (!isObject(value)) throw badRequest(`${where} must be a CodeableConcept (a JSON object)`, { expression: where });
  if (value.text !== undefined && typeof value.text !== 'string') throw badRequest(`${where}.text must be a string`, { expression: `${where}.text` });
  if (value.coding !== undefined) {
    if (!Array.isArray(value.coding)) throw badRequest(`${where}.coding must be an array`, { expression: `${where}.coding` });
    value.coding.forEach((c, i) => checkCoding(c, `${where}.coding[${i}]`));
  }
  return value as CodeableConcept;
}

/**
 * Extracts the coded value. For CodeSystem/$validate-code the system is `url` (or `system`) and the version
 * `version`; for ValueSet/$validate-code `system` and `systemVersion`. Returns undefined when there is no
 * code, or a code without a system and without `inferSystem`; a `codeableConcept` or `coding` of the wrong
 * shape (null codings, non-string codes) is a 400 naming it.
 */
export function extractCoded(parameters: Parameters, forCodeSystem: boolean): CodedInput | undefined {
  const cc: unknown = param(parameters, 'codeableConcept')?.valueCodeableConcept;
  if (cc !== undefined) return { coded: checkCodeableConcept(cc, 'codeableConcept'), mode: 'codeableConcept' };
  const coding: unknown = param(parameters, 'coding')?.valueCoding;
  if (coding !== undefined) return { coded: { coding: [checkCoding(coding, 'coding')] }, mode: 'coding' };
  const code = paramString(parameters, 'code');
  if (code === undefined) return undefined;
  const system = forCodeSystem ? (paramString(parameters, 'url') ?? paramString(parameters, 'system')) : paramString(parameters, 'system');
  const version = forCodeSystem ? paramString(parameters, 'version') : (paramString(parameters, 'systemVersion') ?? paramString(parameters, 'version'));
  const display = paramString(parameters, 'display');
  if (system === undefined && paramString(parameters, 'inferSystem') !== 'true' && !forCodeSystem) return undefined;
  const c: Coding = { code };
  if (system !== undefined) c.system = system;
  if (version !== undefined) c.version = version;
  if (display !== undefined) c.display = display;
  return { coded: { coding: [c] }, mode: 'code' };
}
