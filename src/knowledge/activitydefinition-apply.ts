/**
 * `ActivityDefinition/$apply`: the request resource the definition describes, for a subject, with its
 * dynamic values evaluated.
 *
 * @see https://hl7.org/fhir/R4/activitydefinition-operation-apply.html
 */
import type { ActivityDefinition, Resource } from '@medplum/fhirtypes';
import { artifactLabel, createApplyEnvironment, type ApplyEnvironment, type ApplyOptions } from './apply-environment.ts';
import type { ApplyInput } from './apply-input.ts';
import { applyDynamicValues, type DynamicValue } from './dynamic-values.ts';
import type { ExpressionSite } from './expressions.ts';
import { copyJson } from './json-copy.ts';
import { buildRequest, type RequestContext } from './request-builders.ts';

/**
 * Extras a PlanDefinition action adds when it applies an ActivityDefinition.
 */
export interface ActivityApplyExtras {
  /** Goals (local references) the request pertains to. */
  readonly goals?: RequestContext['goals'];
  /** The action's own dynamic values, applied after the definition's. */
  readonly actionDynamicValues?: readonly DynamicValue[];
  /** Where the action's dynamic values sit, for error messages. */
  readonly actionSite?: (index: number, path: string) => ExpressionSite;
}

/**
 * Applies an ActivityDefinition within an apply environment (used by PlanDefinition `$apply` too). The request
 * may share objects with `ad`; the `$apply` entry points copy their finished result.
 * @see https://hl7.org/fhir/R4/activitydefinition.html#12.22.4.3
 */
export function applyActivity(ad: ActivityDefinition, environment: ApplyEnvironment, extras: ActivityApplyExtras = {}): Resource {
  const request = buildRequest(ad, {
    subject: environment.subjectReference,
    encounter: environment.encounter,
    requester: environment.requester,
    authoredOn: environment.now,
    goals: extras.goals,
  });
  const artifact = artifactLabel(ad);
  const withDefinitionValues = applyDynamicValues(
    request,
    request.resourceType,
    ad.dynamicValue,
    (index, path) => ({ artifact, location: `ActivityDefinition.dynamicValue[${index}]`, purpose: `dynamic value of "${path}"` }),
    environment.scope,
  );
  if (extras.actionDynamicValues === undefined || extras.actionSite === undefined) return withDefinitionValues;
  return applyDynamicValues(withDefinitionValues, request.resourceType, extras.actionDynamicValues, extras.actionSite, environment.scope);
}

/**
 * `ActivityDefinition/$apply` for one subject: the request resource (transient: nothing is stored).
 */
export function applyActivityDefinition(ad: ActivityDefinition, input: ApplyInput, options: ApplyOptions): Resource {
  const request = applyActivity(ad, createApplyEnvironment(input, options));
  // The request may share objects with the (frozen) definition: the caller gets its own copy unless it waives it.
  return options.mayShareArtifacts === true ? request : copyJson(request);
}
