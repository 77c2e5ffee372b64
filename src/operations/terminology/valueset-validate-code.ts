/**
 * ValueSet/$validate-code (type and instance level): is a code, Coding or CodeableConcept in a value set,
 * with display, status and version checks.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { Parameters } from '@medplum/fhirtypes';
import { fhirError } from '../../fhir/errors.ts';
import { validateInValueSet } from '../../terminology/validate-code.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { extractCoded } from './coded-input.ts';
import { extendDefinition, r4OperationDefinition } from '../../fhir/operation-definitions.ts';
import { EVERY_LEVEL, VALIDATE_CODE_INPUTS, VALIDATE_CODE_OUTPUTS } from './definitions.ts';
import { resolveValueSet } from './resolve.ts';
import { createTxContext } from './services.ts';
import type { TerminologyOperationServices } from './services.ts';

/**
 * The ValueSet/$validate-code definition.
 */
export const valueSetValidateCodeDefinition = extendDefinition(r4OperationDefinition('ValueSet-validate-code'), {
  id: 'ValueSet-validate-code',
  ...EVERY_LEVEL,
  inputs: VALIDATE_CODE_INPUTS,
  outputs: VALIDATE_CODE_OUTPUTS,
});

/**
 * Validates a coded value against a value set (the parameters may be a batch entry's).
 */
export function valueSetValidateCode(request: OperationRequest, services: TerminologyOperationServices, parameters: Parameters = request.parameters): Parameters {
  const ctx = createTxContext(request, services, parameters);
  const vs = resolveValueSet(ctx, request, parameters);
  const input = extractCoded(parameters, false);
  if (input === undefined) {
    throw fhirError(400, 'invalid', 'Unable to find code to validate (looked for coding | codeableConcept | code+system | code+inferSystem in parameters');
  }
  return validateInValueSet(ctx, vs, input.coded, input.mode);
}

/**
 * The ValueSet/$validate-code operation.
 */
export const valueSetValidateCodeOperation: OperationDeclaration<TerminologyOperationServices> = {
  definition: valueSetValidateCodeDefinition,
  handler: (request, services) => valueSetValidateCode(request, services),
};
