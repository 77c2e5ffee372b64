/**
 * The artifact an operation works on: the instance in the path, or at type level a resource given inline
 * (`planDefinition`, `activityDefinition`) or a canonical `url` (with an optional `version`).
 *
 * @see https://hl7.org/fhir/R4/operations.html#instance
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */
import type { Resource } from '@medplum/fhirtypes';
import { badRequest, FhirError, notFound, shown } from '../../fhir/errors.ts';
import type { ValidationCheck } from '../../validation/types.ts';
import { params, paramString } from '../../fhir/parameters.ts';
import type { ServerServices } from '../services.ts';
import type { OperationRequest } from '../types.ts';

/**
 * Options of {@link findTarget}.
 */
export interface TargetOptions {
  readonly resourceType: string;
  /** The name of the input carrying the resource inline at type level (e.g. `planDefinition`), if any. */
  readonly inline?: string;
}

/** The checks an inline artifact passes before it is applied: its shape, not its content rules. */
const INLINE_SKIPPED_CHECKS: readonly ValidationCheck[] = ['invariant', 'profile', 'binding', 'reference', 'uniqueness', 'file'];

/**
 * A 400 carrying the validator's errors when an artifact sent in the request is not structurally a FHIR
 * resource of its type (stored artifacts were validated when they were written).
 * @see https://hl7.org/fhir/R4/validation.html
 */
function checkInline(resource: Resource, services: ServerServices, parameter: string): void {
  const errors = services.validator.validate(resource, { skip: INLINE_SKIPPED_CHECKS }).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length > 0) {
    throw new FhirError(400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: `Parameter ${parameter} is not a valid ${resource.resourceType}` }, expression: [parameter] }, ...errors] });
  }
}

/**
 * The target artifact: 404 for an unknown id or url, 400 when the request names none (or two).
 * @see https://hl7.org/fhir/R4/operations.html
 */
export async function findTarget<T extends Resource>(request: OperationRequest, services: ServerServices, options: TargetOptions): Promise<T> {
  const { resourceType, inline } = options;
  const inlineParameter = inline === undefined ? undefined : params(request.parameters, inline)[0];
  const url = paramString(request.parameters, 'url');
  const version = paramString(request.parameters, 'version');
  if (request.id !== undefined) {
    if (inlineParameter !== undefined) {
      throw badRequest(`At instance level the ${resourceType} is the one in the path; ${inline} is not allowed`, { expression: inline });
    }
    const resource = (await services.repository.read(resourceType, request.id)).resource as T & { url?: string; version?: string };
    // Naming the instance's own url (and version) is harmless; naming another artifact is a contradiction.
    if (url !== undefined && (url !== resource.url || (version !== undefined && version !== resource.version))) {
      throw badRequest(`${resourceType}/${request.id} is the ${resourceType} in the path; url names a different one (${shown(url)})`, { expression: 'url' });
    }
    return resource;
  }
  if (inlineParameter !== undefined) {
    if (url !== undefined) throw badRequest(`Give either ${inline} or url, not both`, { expression: 'url' });
    if (inlineParameter.resource?.resourceType !== resourceType) {
      throw badRequest(`Parameter ${inline} must carry a ${resourceType} resource`, { expression: inline });
    }
    checkInline(inlineParameter.resource, services, inline as string);
    return inlineParameter.resource as T;
  }
  if (url === undefined) {
    const alternatives = inline === undefined ? 'its url' : `its url, or the ${resourceType} itself in ${inline}`;
    throw badRequest(`Name the ${resourceType}: its id in the path (${resourceType}/[id]/$…), ${alternatives}`, { expression: 'url' });
  }
  const found = services.repository.findByCanonical(resourceType, url, version)[0];
  if (found === undefined) throw notFound(`No ${resourceType} with url ${url}${version === undefined ? '' : ` and version ${version}`} is known`, { expression: 'url' });
  return found.resource as T;
}
