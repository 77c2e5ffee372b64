/**
 * The reference check: every canonical reference resolves, in the package or to FHIR R4 core content, to a
 * resource of a type the element allows, with the exact version when one is given (`url|version`).
 *
 * Canonical elements are found through the element definitions (every element of type `canonical`: `meta.profile`,
 * `PlanDefinition.action.definitionCanonical`, `library`, `relatedArtifact.resource`, `CodeSystem.supplements`,
 * `ValueSet.compose.include.valueSet`, `valueCanonical` of extensions...), not from a hand-kept list. Besides
 * those, a few `uri` elements that name a code system: `ValueSet.compose.include/exclude.system` must resolve
 * to a CodeSystem (systems defined outside FHIR, like LOINC or UCUM, give a warning), and a `Coding.system`
 * under the package's own canonical base must too. `memberOf('<canonical>')` calls in FHIRPath expressions
 * must name a ValueSet, and local references (`#id`) a contained resource. Inside a PlanDefinition, every
 * `relatedAction.actionId` names an action and every `action.goalId` a goal of the same PlanDefinition, and
 * action ids are unique.
 *
 * @see https://hl7.org/fhir/R4/references.html#canonical
 * @see https://hl7.org/fhir/R4/valueset-definitions.html#ValueSet.compose.include.system
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.action.relatedAction.actionId
 */
import type { PlanDefinition, PlanDefinitionAction, Resource } from '@medplum/fhirtypes';
import type { CanonicalIndex } from './canonical-index.ts';
import { parseCanonical } from './canonical-index.ts';
import type { ElementVisit, ResourceVisit, WalkCheck } from './element-walker.ts';
import { createIssue } from './issues.ts';
import type { CanonicalReference, ValidationIssue } from './types.ts';

/** Prefix of the targetProfile urls of core resource types. */
const CORE_PROFILE_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Code systems defined outside FHIR (by grammar or by an external body) that FHIR core content does not
 * carry: an include of one of them cannot be resolved locally, which is a warning rather than an error.
 * @see https://hl7.org/fhir/R4/terminologies-systems.html
 */
export const EXTERNAL_CODE_SYSTEMS: ReadonlySet<string> = new Set([
  'http://loinc.org',
  'http://unitsofmeasure.org',
  'http://www.nlm.nih.gov/research/umls/rxnorm',
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-10-cm',
  'http://hl7.org/fhir/sid/icd-9-cm',
  'http://hl7.org/fhir/sid/ndc',
  'http://hl7.org/fhir/sid/cvx',
  'http://nucc.org/provider-taxonomy',
  'http://www.ama-assn.org/go/cpt',
  'urn:ietf:bcp:47',
  'urn:ietf:bcp:13',
  'urn:iso:std:iso:4217',
  'urn:iso:std:iso:3166',
]);

/** Finds `memberOf('<canonical>')` calls in a FHIRPath expression. */
const MEMBER_OF = /memberOf\(\s*'([^']+)'\s*\)/g;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The resource types a canonical element may point to (from its targetProfiles), or undefined for any. */
function allowedTargetTypes(visit: ElementVisit): readonly string[] | undefined {
  const targets = visit.element.type.find((t) => t.code === 'canonical')?.targetProfile;
  if (targets === undefined || targets.length === 0) return undefined;
  const types = targets.filter((t) => t.startsWith(CORE_PROFILE_PREFIX)).map((t) => t.slice(CORE_PROFILE_PREFIX.length));
  // A target like Resource (any) or a non-core profile: do not restrict.
  if (types.length !== targets.length || types.includes('Resource')) return undefined;
  return types;
}

function containedIds(resource: Resource): Set<string> {
  const contained = (resource as { contained?: unknown }).contained;
  const ids = new Set<string>();
  if (Array.isArray(contained)) {
    for (const c of contained) if (isRecord(c) && typeof c.id === 'string') ids.add(c.id);
  }
  return ids;
}

/** What to say of a canonical that does not resolve: a profile of another guide is a warning unless required. */
function unresolvedCanonical(
  canonical: string,
  what: string,
  version: string | undefined,
  otherVersions: readonly string[],
  types: readonly string[] | undefined,
  requireKnownProfiles: boolean,
): { severity: 'error' | 'warning'; text: string } {
  if (version !== undefined && otherVersions.length > 0) {
    return { severity: 'error', text: `${what} ${canonical} does not resolve: version ${version} not found (found ${otherVersions.join(', ')})` };
  }
  if (types?.length === 1 && types[0] === 'StructureDefinition' && !requireKnownProfiles) {
    return { severity: 'warning', text: `Profile ${canonical} is not known here: it was not checked` };
  }
  return { severity: 'error', text: `${what} ${canonical} does not resolve (not in the package, nor in FHIR R4 core content)` };
}

/**
 * What the reference check needs.
 */
export interface ReferenceCheckContext {
  readonly index: CanonicalIndex;
  /** The root resource (its `contained` resources are the targets of `#id` references). */
  readonly root: Resource;
  /** Canonical base of the package's own artifacts (Coding systems under it must resolve). */
  readonly canonicalBase?: string;
  /**
   * A reference to a profile (a StructureDefinition, as `ActivityDefinition.profile` is) of another guide
   * that does not resolve is an error (default: a warning, as for claimed profiles — see claimed-profiles.ts).
   */
  readonly requireKnownProfiles?: boolean;
}

/** The state of one resource's check: its context, the ids of its contained resources, its issues. */
interface ReferenceRun {
  readonly context: ReferenceCheckContext;
  readonly localIds: ReadonlySet<string>;
  readonly issues: ValidationIssue[];
}

function add(run: ReferenceRun, severity: 'error' | 'warning', code: ValidationIssue['code'], text: string, expression: string): void {
  run.issues.push(createIssue('reference', { severity, code, text, expression }));
}

/** Resolves a canonical and reports what is wrong with it; `types` restricts the target's resource type. */
function checkCanonical(run: ReferenceRun, canonical: string, path: string, types: readonly string[] | undefined, what = 'Canonical reference'): void {
  if (canonical.startsWith('#')) {
    if (canonical !== '#' && !run.localIds.has(canonical.slice(1))) add(run, 'error', 'not-found', `${what} ${canonical} names no contained resource`, path);
    return;
  }
  const reference: CanonicalReference = parseCanonical(canonical);
  const resolution = run.context.index.resolve(reference);
  if (!resolution.found) {
    const { severity, text } = unresolvedCanonical(canonical, what, reference.version, resolution.otherVersions, types, run.context.requireKnownProfiles === true);
    add(run, severity, 'not-found', text, path);
    return;
  }
  if (types !== undefined && !types.includes(resolution.resource.resourceType)) {
    add(run, 'error', 'invalid', `${what} ${canonical} resolves to a ${resolution.resource.resourceType}, expected ${types.join(' or ')}`, path);
  }
}

/** A code system url (with its version, if any) resolves to a CodeSystem; one defined outside FHIR is a warning. */
function checkSystem(run: ReferenceRun, system: string, version: string | undefined, path: string): void {
  const resolution = run.context.index.resolve({ url: system, version });
  if (resolution.found) {
    if (resolution.resource.resourceType !== 'CodeSystem') {
      add(run, 'error', 'invalid', `Code system ${system} resolves to a ${resolution.resource.resourceType}, expected CodeSystem`, path);
    }
    return;
  }
  const shown = version === undefined ? system : `${system}|${version}`;
  if (EXTERNAL_CODE_SYSTEMS.has(system) && version === undefined) {
    add(run, 'warning', 'not-found', `Code system ${shown} is defined outside FHIR and not loaded: its codes cannot be checked`, path);
    return;
  }
  add(run, 'error', 'not-found', `Code system ${shown} does not resolve (not in the package, nor in FHIR R4 core content)`, path);
}

/** Action and goal links inside a PlanDefinition. */
function checkPlanDefinitionLinks(run: ReferenceRun, plan: PlanDefinition, path: string): void {
  const goalIds = new Set((plan.goal ?? []).map((g) => g.id).filter((id): id is string => typeof id === 'string'));
  const actionIds = new Map<string, string>();
  const actions: { action: PlanDefinitionAction; at: string }[] = [];
  const collect = (list: readonly PlanDefinitionAction[] | undefined, at: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((action: PlanDefinitionAction, i) => {
      if (typeof action !== 'object' || action === null) return;
      const actionPath = `${at}.action[${i}]`;
      actions.push({ action, at: actionPath });
      if (typeof action.id === 'string') {
        const first = actionIds.get(action.id);
        if (first === undefined) actionIds.set(action.id, actionPath);
        else {
          run.issues.push(
            createIssue('uniqueness', {
              severity: 'error',
              code: 'duplicate',
              text: `Action id "${action.id}" is also the id of ${first}`,
              expression: `${actionPath}.id`,
            }),
          );
        }
      }
      collect(action.action, actionPath);
    });
  };
  collect(plan.action, path);
  for (const { action, at } of actions) {
    (Array.isArray(action.relatedAction) ? action.relatedAction : []).forEach((related, i) => {
      if (isRecord(related) && typeof related.actionId === 'string' && !actionIds.has(related.actionId)) {
        add(run, 'error', 'not-found', `relatedAction.actionId "${related.actionId}" names no action of this PlanDefinition`, `${at}.relatedAction[${i}].actionId`);
      }
    });
    (Array.isArray(action.goalId) ? action.goalId : []).forEach((goalId, i) => {
      if (typeof goalId === 'string' && !goalIds.has(goalId)) {
        add(run, 'error', 'not-found', `goalId "${goalId}" names no goal of this PlanDefinition`, `${at}.goalId[${i}]`);
      }
    });
  }
}

/** A `Reference.reference`: `#id` names a contained resource; `Type/id` is in the package (a warning otherwise). */
function checkReference(run: ReferenceRun, reference: string, path: string): void {
  if (reference.startsWith('#')) {
    if (reference !== '#' && !run.localIds.has(reference.slice(1))) add(run, 'error', 'not-found', `Reference ${reference} names no contained resource`, `${path}.reference`);
  } else if (/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(reference)) {
    const [resourceType, id] = reference.split('/');
    if (run.context.index.byTypeAndId(resourceType, id) === undefined) {
      add(run, 'warning', 'not-found', `Reference ${reference} is not in the package`, `${path}.reference`);
    }
  }
}

/** The references one element holds, by its type: canonicals, code system uris, `memberOf()` calls, References. */
function checkElement(run: ReferenceRun, visit: ElementVisit): void {
  const { type, value, path, element } = visit;
  if (type === 'canonical') {
    // Claimed profiles are resolved (and an unknown one reported) by the profile check.
    if (element.path === 'Meta.profile') return;
    if (typeof value === 'string') checkCanonical(run, value, path, allowedTargetTypes(visit));
    return;
  }
  if (type === 'uri' && typeof value === 'string') {
    const canonicalBase = run.context.canonicalBase;
    if (element.path === 'ValueSet.compose.include.system' || element.path === 'ValueSet.compose.exclude.system') {
      const version = typeof visit.parent.version === 'string' ? visit.parent.version : undefined;
      checkSystem(run, value, version, path);
    } else if (element.path === 'Coding.system' && canonicalBase !== undefined && value.startsWith(`${canonicalBase}/`)) {
      const version = typeof visit.parent.version === 'string' ? visit.parent.version : undefined;
      checkSystem(run, value, version, path);
    }
    return;
  }
  if (type === 'string' && element.path === 'Expression.expression' && typeof value === 'string') {
    for (const match of value.matchAll(MEMBER_OF)) {
      checkCanonical(run, match[1], path, ['ValueSet'], 'memberOf() value set');
    }
    return;
  }
  if (type === 'Reference' && isRecord(value) && typeof value.reference === 'string') {
    checkReference(run, value.reference, path);
  }
}

/**
 * Creates the reference check for one resource.
 */
export function createReferenceCheck(context: ReferenceCheckContext): WalkCheck & { readonly issues: ValidationIssue[] } {
  const run: ReferenceRun = { context, localIds: containedIds(context.root), issues: [] };
  return {
    issues: run.issues,
    onResource({ path, resource }: ResourceVisit): void {
      if (resource.resourceType === 'PlanDefinition') checkPlanDefinitionLinks(run, resource, path);
    },
    onElement(visit: ElementVisit): void {
      checkElement(run, visit);
    },
  };
}
