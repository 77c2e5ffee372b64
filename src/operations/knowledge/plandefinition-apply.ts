/**
 * `PlanDefinition/$apply` (type and instance level, GET and POST): a CarePlan for one subject whose activity
 * references a RequestGroup, everything generated contained in it — or, with `resultType=Bundle`, a
 * collection Bundle of the same resources. Transient: nothing is stored (this server offers no option to
 * store the result; a client that wants it kept writes the CarePlan itself).
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-plandefinition-apply.html
 */
import type { Bundle, CarePlan, PlanDefinition } from '@medplum/fhirtypes';
import { applyResultBundle } from '../../knowledge/apply-bundle.ts';
import { applyPlanDefinition } from '../../knowledge/plandefinition-apply.ts';
import type { ServerServices } from '../services.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { decodeApplyInput, resultType } from './apply-parameters.ts';
import { planDefinitionApplyDefinition } from './definitions.ts';
import { repositoryResolver } from './resolver.ts';
import { findTarget } from './target.ts';

/**
 * Applies a PlanDefinition.
 */
export async function planDefinitionApply(request: OperationRequest, services: ServerServices): Promise<CarePlan | Bundle> {
  const pd = await findTarget<PlanDefinition>(request, services, { resourceType: 'PlanDefinition', inline: 'planDefinition' });
  const input = decodeApplyInput(request.parameters);
  const form = resultType(request.parameters, ['CarePlan', 'Bundle']);
  // Serialised straight away: the result need not be copied out of the (frozen) artifacts.
  const carePlan = applyPlanDefinition(pd, input, { resolver: repositoryResolver(services.repository, services.memberOf), deadline: services.deadline, mayShareArtifacts: true });
  return form === 'Bundle' ? applyResultBundle(carePlan) : carePlan;
}

/**
 * The `PlanDefinition/$apply` operation.
 */
export const planDefinitionApplyOperation: OperationDeclaration<ServerServices> = {
  definition: planDefinitionApplyDefinition,
  handler: planDefinitionApply,
};
