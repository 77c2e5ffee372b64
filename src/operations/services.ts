/**
 * The services every operation handler receives, per request.
 */
import type { Coding } from '@medplum/fhirtypes';
import type { Repository } from '../store/repository.ts';
import type { Validator } from '../validation/types.ts';
import type { TerminologyOperationServices } from './terminology/services.ts';

/**
 * Whether a coding is a member of a ValueSet (by canonical, optionally `url|version`); undefined when the
 * ValueSet is unknown or cannot be evaluated. Synchronous so FHIRPath's `memberOf()` can call it.
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 */
export type ValueSetMembership = (valueSet: string, coding: Coding) => boolean | undefined;

/** Per-request services of the server's operations. */
export interface ServerServices extends TerminologyOperationServices {
  readonly repository: Repository;
  /** Public base URL (absolute links in results). */
  readonly baseUrl: string;
  /** ValueSet membership (FHIRPath `memberOf`, `$apply` conditions). */
  readonly memberOf: ValueSetMembership;
  /** The resource validator (over the live index). */
  readonly validator: Validator;
}
