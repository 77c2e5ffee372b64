/**
 * Everything one `$apply` shares across the actions and definitions it applies: the resolver, the FHIRPath
 * scope, the references of the context (subject, encounter, requester), the clock and the deadline.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 */
import type { Resource, ValueSet } from '@medplum/fhirtypes';
import { tooCostly } from '../fhir/errors.ts';
import { applyScope, parseReference, referenceTo, type ApplyInput, type LiteralReference, type ParsedReference } from './apply-input.ts';
import { enumeratedMembership } from './enumerated-membership.ts';
import type { EvaluationScope } from './expressions.ts';
import type { FhirPathTerminology } from './fhirpath-memberof.ts';
import type { KnowledgeResolver } from './resolver.ts';

/**
 * Options every apply takes.
 */
export interface ApplyOptions {
  readonly resolver: KnowledgeResolver;
  /** Absolute deadline (ms since epoch); past it the apply stops with `too-costly`. */
  readonly deadline: number;
  /** The instant recorded as `created` / `authoredOn` (default: now). */
  readonly now?: string;
  /**
   * True when the result may share (frozen) objects with the artifacts applied: for a caller that serialises
   * it straight away, which saves a deep copy. Default false: the result is the caller's own.
   */
  readonly mayShareArtifacts?: boolean;
}

/**
 * The shared state of one apply.
 */
export interface ApplyEnvironment {
  readonly resolver: KnowledgeResolver;
  readonly scope: EvaluationScope;
  readonly subject: ParsedReference;
  readonly subjectReference: LiteralReference;
  readonly encounter?: LiteralReference;
  /** The practitioner applying the definition. */
  readonly practitioner?: LiteralReference;
  /** The organization applying the definition. */
  readonly organization?: LiteralReference;
  /** The requester of generated requests: the practitioner, else the organization, applying the definition. */
  readonly requester?: LiteralReference;
  readonly now: string;
  readonly deadline: number;
}

/** The code systems a ValueSet draws from (its `compose.include.system`s); undefined for an unknown ValueSet. */
function valueSetSystems(resolver: KnowledgeResolver, valueSet: string): readonly string[] | undefined {
  const vs = resolver.resolve(valueSet, ['ValueSet']) as ValueSet | undefined;
  if (vs === undefined) return undefined;
  const systems = new Set<string>();
  for (const include of vs.compose?.include ?? []) if (include.system !== undefined) systems.add(include.system);
  return [...systems];
}

/**
 * The terminology `memberOf()` uses during an apply: the ValueSet's explicit concept lists when they decide
 * (cheap, and the only way for a code system the server does not hold, such as RxNorm), else the server's
 * terminology engine (filters, whole code systems).
 */
export function resolverTerminology(resolver: KnowledgeResolver): FhirPathTerminology {
  return {
    memberOf: (valueSet, coding) => enumeratedMembership(resolver, valueSet, coding) ?? resolver.memberOf(valueSet, coding),
    valueSetSystems: (valueSet) => valueSetSystems(resolver, valueSet),
  };
}

/**
 * Builds the environment (and checks the context references: a 400 names a malformed one).
 */
export function createApplyEnvironment(input: ApplyInput, options: ApplyOptions): ApplyEnvironment {
  const subject = parseReference(input.subject, 'subject');
  const encounter = input.encounter === undefined ? undefined : referenceTo(parseReference(input.encounter, 'encounter'));
  const practitioner = input.practitioner === undefined ? undefined : referenceTo(parseReference(input.practitioner, 'practitioner'));
  const organization = input.organization === undefined ? undefined : referenceTo(parseReference(input.organization, 'organization'));
  return {
    resolver: options.resolver,
    scope: applyScope(input, resolverTerminology(options.resolver)),
    subject,
    subjectReference: referenceTo(subject),
    encounter,
    practitioner,
    organization,
    requester: practitioner ?? organization,
    now: options.now ?? new Date().toISOString(),
    deadline: options.deadline,
  };
}

/**
 * Throws `too-costly` once the deadline has passed.
 */
export function checkDeadline(environment: { readonly deadline: number }, what: string): void {
  if (Date.now() > environment.deadline) throw tooCostly(`$apply ran out of time while ${what}`);
}

/**
 * How an artifact is named in messages: `Type/id`, else its canonical, else its type.
 */
export function artifactLabel(resource: Resource): string {
  if (resource.id !== undefined) return `${resource.resourceType}/${resource.id}`;
  const url = (resource as { url?: string }).url;
  return url ?? resource.resourceType;
}
