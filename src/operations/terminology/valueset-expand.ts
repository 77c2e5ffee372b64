/**
 * ValueSet/$expand (type and instance level): the R4 operation extended with the terminology-ecosystem
 * parameters (tx-resource, version rules, property, useSupplement …).
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { ValueSet } from '@medplum/fhirtypes';
import { expandValueSet } from '../../terminology/expand.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { extendDefinition, inParam, r4OperationDefinition } from '../../fhir/operation-definitions.ts';
import { ECOSYSTEM_INPUTS, EVERY_LEVEL } from './definitions.ts';
import { resolveValueSet } from './resolve.ts';
import { createTxContext } from './services.ts';
import type { TerminologyOperationServices } from './services.ts';

/**
 * The $expand definition.
 */
export const valueSetExpandDefinition = extendDefinition(r4OperationDefinition('ValueSet-expand'), {
  id: 'ValueSet-expand',
  ...EVERY_LEVEL,
  inputs: [
    ...ECOSYSTEM_INPUTS,
    inParam('property', 'string', '*', 'A concept property to return for each code (`*` for all).'),
    inParam('limit', 'integer', '1', 'Maximum number of codes to consider.'),
  ],
});

/**
 * Expands a value set.
 */
export function valueSetExpand(request: OperationRequest, services: TerminologyOperationServices): ValueSet {
  const ctx = createTxContext(request, services);
  const vs = resolveValueSet(ctx, request);
  return expandValueSet(ctx, vs);
}

/**
 * The $expand operation.
 */
export const valueSetExpandOperation: OperationDeclaration<TerminologyOperationServices> = {
  definition: valueSetExpandDefinition,
  handler: valueSetExpand,
};
