/**
 * `dynamicValue`s: each expression is evaluated in the apply's scope and its result set at `path` on the
 * resource (or RequestGroup action) being built, in the order they appear.
 *
 * @see https://hl7.org/fhir/R4/activitydefinition-definitions.html#ActivityDefinition.dynamicValue
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.action.dynamicValue
 */
import type { Expression } from '@medplum/fhirtypes';
import { withElementValue } from './element-paths.ts';
import { evaluateExpression, expressionError, type EvaluationScope, type ExpressionSite } from './expressions.ts';

/**
 * A dynamic value of an ActivityDefinition or a PlanDefinition action.
 */
export interface DynamicValue {
  readonly path?: string;
  readonly expression?: Expression;
}

/**
 * A copy of `target` (FHIR type `typeName`) with the dynamic values applied; a 422 naming the site for an
 * expression or a path that fails.
 * @see https://hl7.org/fhir/R4/activitydefinition.html#12.22.4.3
 */
export function applyDynamicValues<T extends object>(
  target: T,
  typeName: string,
  dynamicValues: readonly DynamicValue[] | undefined,
  siteOf: (index: number, path: string) => ExpressionSite,
  scope: EvaluationScope,
): T {
  let result = target;
  for (const [index, dynamicValue] of (dynamicValues ?? []).entries()) {
    const path = dynamicValue.path ?? '';
    const site = siteOf(index, path);
    if (path === '') throw expressionError(site, dynamicValue.expression?.expression, 'the dynamic value has no path');
    const values = evaluateExpression(dynamicValue.expression, site, scope);
    try {
      result = withElementValue(result, typeName, path, values);
    } catch (err) {
      throw expressionError(site, dynamicValue.expression?.expression, err instanceof Error ? err.message : String(err));
    }
  }
  return result;
}
