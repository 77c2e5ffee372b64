/**
 * `$data-requirements` on ActivityDefinition, ValueSet and CodeSystem (modelled on CRMI): the
 * module-definition Library of the artifact — data requirements of an ActivityDefinition's dynamic values,
 * and the dependencies of each (for a ValueSet, its code systems and included value sets).
 *
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-data-requirements.html
 */
import type { Library, Resource } from '@medplum/fhirtypes';
import { dataRequirementsLibrary } from '../../knowledge/data-requirements.ts';
import type { ServerServices } from '../services.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { artifactDataRequirementsDefinition } from './definitions.ts';
import { repositoryResolver } from './resolver.ts';
import { findTarget } from './target.ts';

/**
 * The data requirements of an ActivityDefinition, ValueSet or CodeSystem.
 */
export async function artifactDataRequirements(request: OperationRequest, services: ServerServices): Promise<Library> {
  const artifact = await findTarget<Resource>(request, services, { resourceType: request.resourceType as string });
  return dataRequirementsLibrary(artifact, { resolver: repositoryResolver(services.repository, services.memberOf), deadline: services.deadline });
}

/**
 * The `$data-requirements` operation on ActivityDefinition, ValueSet and CodeSystem.
 */
export const artifactDataRequirementsOperation: OperationDeclaration<ServerServices> = {
  definition: artifactDataRequirementsDefinition,
  handler: artifactDataRequirements,
};
