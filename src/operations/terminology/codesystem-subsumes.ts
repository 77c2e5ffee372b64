/**
 * CodeSystem/$subsumes (type and instance level).
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-subsumes.html
 */
import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/errors.ts';
import { subsumes } from '../../terminology/subsumes.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { extendDefinition, r4OperationDefinition } from '../../fhir/operation-definitions.ts';
import { ECOSYSTEM_INPUTS, EVERY_LEVEL } from './definitions.ts';
import { instanceCodeSystem } from './resolve.ts';
import { createTxContext } from './services.ts';
import { param, paramString } from '../../fhir/parameters.ts';
import type { TerminologyOperationServices } from './services.ts';

/**
 * The $subsumes definition.
 */
export const codeSystemSubsumesDefinition = extendDefinition(r4OperationDefinition('CodeSystem-subsumes'), {
  id: 'CodeSystem-subsumes',
  ...EVERY_LEVEL,
  inputs: ECOSYSTEM_INPUTS,
});

/**
 * Tests whether code A subsumes code B.
 */
export function codeSystemSubsumes(request: OperationRequest, services: TerminologyOperationServices): Parameters {
  const parameters = request.parameters;
  const ctx = createTxContext(request, services);
  const instance = instanceCodeSystem(ctx, request, ['system']);
  const codingA = param(parameters, 'codingA')?.valueCoding;
  const codingB = param(parameters, 'codingB')?.valueCoding;
  const codeA = codingA?.code ?? paramString(parameters, 'codeA');
  const codeB = codingB?.code ?? paramString(parameters, 'codeB');
  const system = paramString(parameters, 'system') ?? instance?.url ?? codingA?.system ?? codingB?.system;
  const version = paramString(parameters, 'version') ?? instance?.version ?? codingA?.version ?? codingB?.version;
  if (codeA === undefined) throw badRequest('No code is provided for A (codeA or codingA), so subsumption cannot be tested', { expression: 'codeA' });
  if (codeB === undefined) throw badRequest('No code is provided for B (codeB or codingB), so subsumption cannot be tested', { expression: 'codeB' });
  if (system === undefined) throw badRequest('No code system is provided (system or a coding system), so subsumption cannot be tested', { expression: 'system' });
  for (const c of [codingA, codingB]) {
    if (c?.system !== undefined && c.system !== system) {
      throw badRequest(`Subsumption can only be tested between two codes in the same code system, but the code systems are '${system}' and '${c.system}'`);
    }
  }
  return subsumes(ctx, { system, version, codeA, codeB });
}

/**
 * The $subsumes operation.
 */
export const codeSystemSubsumesOperation: OperationDeclaration<TerminologyOperationServices> = {
  definition: codeSystemSubsumesDefinition,
  handler: codeSystemSubsumes,
};
