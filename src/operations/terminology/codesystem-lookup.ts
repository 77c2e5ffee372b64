/**
 * CodeSystem/$lookup (type and instance level): display, definition, designations and properties of a
 * code, in the requested language, with supplements.
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-lookup.html
 */
import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/errors.ts';
import { lookupCode } from '../../terminology/lookup.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { extendDefinition, outParam, r4OperationDefinition } from '../../fhir/operation-definitions.ts';
import { ECOSYSTEM_INPUTS, EVERY_LEVEL } from './definitions.ts';
import { instanceCodeSystem } from './resolve.ts';
import { createTxContext } from './services.ts';
import { param, params, paramString } from '../../fhir/parameters.ts';
import type { TerminologyOperationServices } from './services.ts';

/**
 * The $lookup definition.
 */
export const codeSystemLookupDefinition = extendDefinition(r4OperationDefinition('CodeSystem-lookup'), {
  id: 'CodeSystem-lookup',
  ...EVERY_LEVEL,
  inputs: ECOSYSTEM_INPUTS,
  outputs: [
    outParam('system', 'uri', '1', 'The code system of the concept.'),
    outParam('code', 'code', '1', 'The code of the concept.'),
    outParam('definition', 'string', '1', 'The definition of the concept.'),
    outParam('abstract', 'boolean', '1', 'True when the concept is abstract (not selectable).'),
    outParam('used-supplement', 'canonical', '*', 'Supplements used.'),
  ],
});

/**
 * Looks a code up.
 */
export function codeSystemLookup(request: OperationRequest, services: TerminologyOperationServices): Parameters {
  const parameters = request.parameters;
  const ctx = createTxContext(request, services);
  const coding = param(parameters, 'coding')?.valueCoding;
  const instance = instanceCodeSystem(ctx, request, ['system']);
  const system = coding?.system ?? paramString(parameters, 'system') ?? instance?.url;
  const code = coding?.code ?? paramString(parameters, 'code');
  const version = coding?.version ?? paramString(parameters, 'version') ?? instance?.version;
  if (code === undefined) throw badRequest('No code provided (code or coding)', { expression: 'code' });
  if (system === undefined) throw badRequest('No system provided (system or coding)', { expression: 'system' });
  const properties = params(parameters, 'property')
    .map((p) => p.valueCode ?? p.valueString)
    .filter((p): p is string => p !== undefined);
  return lookupCode(ctx, { system, version, code, properties });
}

/**
 * The $lookup operation.
 */
export const codeSystemLookupOperation: OperationDeclaration<TerminologyOperationServices> = {
  definition: codeSystemLookupDefinition,
  handler: codeSystemLookup,
};
