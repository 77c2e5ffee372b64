/**
 * `$package` on PlanDefinition, ActivityDefinition, ValueSet and CodeSystem (modelled on CRMI): a
 * transaction Bundle with the artifact and every dependency the server holds, recursively, ready to load into
 * another server: the publisher's own artifacts as `PUT [type]/[id]`, external ones (CPT) as conditional
 * creates on `url|version` that never replace what the target holds.
 *
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/errors.ts';
import { PACKAGE_INCLUDE_CODES, packageArtifact, type PackageInclude } from '../../knowledge/crmi-package.ts';
import { params, paramValue } from '../../fhir/parameters.ts';
import type { ServerServices } from '../services.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { packageDefinition } from './definitions.ts';
import { repositoryResolver } from './resolver.ts';
import { findTarget } from './target.ts';

function includeCodes(request: OperationRequest): PackageInclude[] {
  return params(request.parameters, 'include').map((p) => {
    const value = paramValue(p);
    if (!(PACKAGE_INCLUDE_CODES as readonly unknown[]).includes(value)) {
      throw badRequest(`Parameter include must be one of ${PACKAGE_INCLUDE_CODES.join(', ')}, got "${String(value)}"`, { expression: 'include' });
    }
    return value as PackageInclude;
  });
}

/**
 * Packages an artifact.
 */
export async function artifactPackage(request: OperationRequest, services: ServerServices): Promise<Bundle> {
  const include = includeCodes(request);
  const artifact = await findTarget<Resource>(request, services, { resourceType: request.resourceType as string });
  return packageArtifact(artifact, {
    resolver: repositoryResolver(services.repository, services.memberOf),
    baseUrl: services.baseUrl,
    deadline: services.deadline,
    include,
  });
}

/**
 * The `$package` operation.
 */
export const packageOperation: OperationDeclaration<ServerServices> = {
  definition: packageDefinition,
  handler: artifactPackage,
};
