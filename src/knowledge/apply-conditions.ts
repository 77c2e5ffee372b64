/**
 * Applicability conditions of PlanDefinition actions, and the messages of an apply. A condition that cannot
 * be evaluated counts as not met and is reported in the result (a contained OperationOutcome the CarePlan's
 * `cqf-messages` extension points at) rather than failing the whole apply — the CPG convention.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.action.condition
 * @see https://hl7.org/fhir/extensions/StructureDefinition-cqf-messages.html
 */
import type { OperationOutcome, OperationOutcomeIssue, PlanDefinitionAction } from '@medplum/fhirtypes';
import { isFhirError } from '../fhir/errors.ts';
import { evaluateCondition, type EvaluationScope, type ExpressionSite } from './expressions.ts';
import type { LocalIds } from './local-ids.ts';

/**
 * The extension pointing a result at the OperationOutcome of the messages its processing produced.
 */
export const MESSAGES_EXTENSION_URL = 'http://hl7.org/fhir/StructureDefinition/cqf-messages';

/**
 * True when every applicability condition of the action holds; a condition that cannot be evaluated is not
 * met and its issue is added to `messages`.
 */
export function conditionsMet(
  action: PlanDefinitionAction,
  location: string,
  artifact: string,
  scope: EvaluationScope,
  messages: OperationOutcomeIssue[],
): boolean {
  for (const [index, condition] of (action.condition ?? []).entries()) {
    if (condition.kind !== 'applicability') continue;
    const site: ExpressionSite = { artifact, actionId: action.id, location: `${location}.condition[${index}]`, purpose: 'applicability condition' };
    try {
      if (!evaluateCondition(condition.expression, site, scope)) return false;
    } catch (err) {
      if (!isFhirError(err) || err.status !== 422) throw err;
      for (const issue of err.outcome.issue ?? []) {
        messages.push({ ...issue, severity: 'error', diagnostics: 'The action was left out: its applicability condition could not be evaluated.' });
      }
      return false;
    }
  }
  return true;
}

/**
 * The OperationOutcome of an apply's messages (under a local id), or undefined when there were none.
 */
export function messagesOutcome(messages: readonly OperationOutcomeIssue[], ids: LocalIds): OperationOutcome | undefined {
  if (messages.length === 0) return undefined;
  return { resourceType: 'OperationOutcome', id: ids.allocate('messages'), issue: [...messages] };
}
