/**
 * `ActivityDefinition/$apply` (type and instance level, GET and POST): the request resource the definition
 * describes for one subject — or, with `resultType=Bundle`, a collection Bundle holding it. Transient:
 * nothing is stored.
 *
 * @see https://hl7.org/fhir/R4/activitydefinition-operation-apply.html
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-activitydefinition-apply.html
 */
import type { ActivityDefinition, Bundle, Resource } from '@medplum/fhirtypes';
import { applyActivityDefinition } from '../../knowledge/activitydefinition-apply.ts';
import { applyResultBundle } from '../../knowledge/apply-bundle.ts';
import type { ServerServices } from '../services.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { decodeApplyInput, resultType } from './apply-parameters.ts';
import { activityDefinitionApplyDefinition } from './definitions.ts';
import { repositoryResolver } from './resolver.ts';
import { findTarget } from './target.ts';

/**
 * Applies an ActivityDefinition.
 */
export async function activityDefinitionApply(request: OperationRequest, services: ServerServices): Promise<Resource | Bundle> {
  const ad = await findTarget<ActivityDefinition>(request, services, { resourceType: 'ActivityDefinition', inline: 'activityDefinition' });
  const input = decodeApplyInput(request.parameters);
  const form = resultType(request.parameters, ['Resource', 'Bundle']);
  // Serialised straight away: the result need not be copied out of the (frozen) artifacts.
  const result = applyActivityDefinition(ad, input, { resolver: repositoryResolver(services.repository, services.memberOf), deadline: services.deadline, mayShareArtifacts: true });
  return form === 'Bundle' ? applyResultBundle(result) : result;
}

/**
 * The `ActivityDefinition/$apply` operation.
 */
export const activityDefinitionApplyOperation: OperationDeclaration<ServerServices> = {
  definition: activityDefinitionApplyDefinition,
  handler: activityDefinitionApply,
};
