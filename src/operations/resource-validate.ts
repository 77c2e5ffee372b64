/**
 * `$validate` at type and instance level, with the validator the writes use.
 *
 * - mode `create` (default at type level): the resource as a new one.
 * - mode `update`: the resource as an update of `id` (instance level; its id must match).
 * - mode `delete`: whether the instance exists and may be deleted.
 * - `profile`: validate against this profile too.
 * At instance level without a `resource`, the stored resource is validated.
 *
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { r4OperationDefinition } from '../fhir/operation-definitions.ts';
import { badRequest } from '../fhir/errors.ts';
import { validateForWrite } from '../rest/write-validation.ts';
import { toOperationOutcome } from '../validation/issues.ts';
import { params, paramString } from '../fhir/parameters.ts';
import type { ServerServices } from './services.ts';
import type { OperationDeclaration } from './types.ts';

const MODES = ['create', 'update', 'delete'] as const;

function ok(outcome: OperationOutcome): OperationOutcome {
  if ((outcome.issue ?? []).length > 0) return outcome;
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', details: { text: 'No issues found' } }] };
}

/**
 * The `$validate` declaration.
 */
export const resourceValidateOperation: OperationDeclaration<ServerServices> = {
  definition: r4OperationDefinition('Resource-validate'),
  handler: async (request, services): Promise<OperationOutcome> => {
    const mode = paramString(request.parameters, 'mode') ?? (request.id === undefined ? 'create' : 'update');
    if (!(MODES as readonly string[]).includes(mode)) {
      throw badRequest(`mode must be one of ${MODES.join(', ')} (profile mode: pass a profile), got "${mode}"`, { expression: 'mode' });
    }
    const profile = paramString(request.parameters, 'profile');
    if (mode === 'delete') {
      if (request.id === undefined || request.resourceType === undefined) throw badRequest('mode=delete needs an instance: POST [type]/[id]/$validate', { expression: 'mode' });
      await services.repository.read(request.resourceType, request.id); // 404/410 when absent
      return ok({ resourceType: 'OperationOutcome', issue: [] });
    }
    let resource = params(request.parameters, 'resource')[0]?.resource as Resource | undefined;
    if (resource === undefined) {
      if (request.id === undefined || request.resourceType === undefined) throw badRequest('No resource to validate: send it as the "resource" parameter', { expression: 'resource' });
      resource = (await services.repository.read(request.resourceType, request.id)).resource;
    }
    if (request.resourceType !== undefined && resource.resourceType !== request.resourceType) {
      throw badRequest(`The resource is a ${resource.resourceType}, but $validate was called on ${request.resourceType}`, { expression: 'resource' });
    }
    if (mode === 'update' && request.id !== undefined && (resource as { id?: string }).id !== request.id) {
      throw badRequest(`mode=update: the resource id must be "${request.id}"`, { expression: 'resource.id' });
    }
    const issues = await validateForWrite(services.validator, resource, { profiles: profile === undefined ? undefined : [profile] });
    return ok(toOperationOutcome(issues));
  },
};
