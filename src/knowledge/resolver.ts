/**
 * What the knowledge engine needs from the outside world: canonical resolution of knowledge and terminology
 * artifacts, and ValueSet membership. The engine never reads a store itself; the server passes a resolver
 * over its repository, tests pass one over fixture files.
 *
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
import type { CodeSystem, Coding, Resource } from '@medplum/fhirtypes';

/**
 * Whether a coding is in a ValueSet given by canonical (`url` or `url|version`): undefined when the ValueSet
 * is unknown or cannot be evaluated. Synchronous, so FHIRPath's `memberOf()` can call it.
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 */
export type MembershipCheck = (valueSet: string, coding: Coding) => boolean | undefined;

/**
 * The engine's window on the content it applies, packages and analyses.
 */
export interface KnowledgeResolver {
  /**
   * The resource with this canonical (`url` or `url|version`; without a version, the latest), among
   * `resourceTypes` in that order, or among every knowledge and terminology type the server holds when
   * `resourceTypes` is absent.
   */
  resolve(canonical: string, resourceTypes?: readonly string[]): Resource | undefined;
  /** CodeSystem supplements of a code system (`CodeSystem.supplements` = `url` or `url|version`). */
  supplementsOf(url: string, version?: string): readonly CodeSystem[];
  /** ValueSet membership, behind FHIRPath `memberOf()`. */
  readonly memberOf: MembershipCheck;
}
