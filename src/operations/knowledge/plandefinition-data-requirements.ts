/**
 * `PlanDefinition/$data-requirements`: the module-definition Library of what applying the PlanDefinition
 * reads (R4 instance level; also type level by url and version).
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-data-requirements.html
 */
import type { Library, PlanDefinition } from '@medplum/fhirtypes';
import { dataRequirementsLibrary } from '../../knowledge/data-requirements.ts';
import type { ServerServices } from '../services.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { planDefinitionDataRequirementsDefinition } from './definitions.ts';
import { repositoryResolver } from './resolver.ts';
import { findTarget } from './target.ts';

/**
 * The data requirements of a PlanDefinition.
 */
export async function planDefinitionDataRequirements(request: OperationRequest, services: ServerServices): Promise<Library> {
  const pd = await findTarget<PlanDefinition>(request, services, { resourceType: 'PlanDefinition' });
  return dataRequirementsLibrary(pd, { resolver: repositoryResolver(services.repository, services.memberOf), deadline: services.deadline });
}

/**
 * The `PlanDefinition/$data-requirements` operation.
 */
export const planDefinitionDataRequirementsOperation: OperationDeclaration<ServerServices> = {
  definition: planDefinitionDataRequirementsDefinition,
  handler: planDefinitionDataRequirements,
};
