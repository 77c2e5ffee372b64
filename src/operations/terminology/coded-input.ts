/**
 * Reads the value to validate from $validate-code parameters: `codeableConcept`, else `coding`, else
 * `code` with `system` / `url` / `version` / `systemVersion` / `display` — as one CodeableConcept plus the
 * mode it came in.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 * @see https://hl7.org/fhir/R4/codesystem-operation-validate-code.html
 */
import type { CodeableConcept, Coding, Parameters } from '@medplum/fhirtypes';
import type { ValidationMode } from '../../terminology/validate.ts';
import { param, paramString } from './services.ts';

/**
 * The value to validate.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export interface CodedInput {
  readonly coded: CodeableConcept;
  readonly mode: ValidationMode;
}

/**
 * Extracts the coded value. For CodeSystem/$validate-code the system is `url` (or `system`) and the version
 * `version`; for ValueSet/$validate-code `system` and `systemVersion`. Returns undefined when there is no
 * code, or a code without a system and without `inferSystem`.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export function extractCoded(parameters: Parameters, forCodeSystem: boolean): CodedInput | undefined {
  const cc = param(parameters, 'codeableConcept')?.valueCodeableConcept;
  if (cc !== undefined) return { coded: cc, mode: 'codeableConcept' };
  const coding = param(parameters, 'coding')?.valueCoding;
  if (coding !== undefined) return { coded: { coding: [coding] }, mode: 'coding' };
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
