/**
 * Evaluation of the `Expression`s of knowledge artifacts (applicability conditions, dynamic values), with
 * errors that name the artifact, the action and the expression — a 4xx OperationOutcome, never a 5xx.
 *
 * @see https://hl7.org/fhir/R4/metadatatypes.html#Expression
 * @see https://hl7.org/fhir/R4/plandefinition.html#12.18.3.3
 */
import type { TypedValue } from '@medplum/core';
import type { Expression } from '@medplum/fhirtypes';
import { unprocessable, type FhirError } from '../fhir/errors.ts';
import { compileFhirPath, evaluateFhirPath, fhirPathErrorMessage } from './fhirpath.ts';

/**
 * The only expression language the engine evaluates.
 */
export const FHIRPATH_LANGUAGE = 'text/fhirpath';

/**
 * CQL named by its definition in the artifact's library (the condition language CPG content uses).
 * @see https://hl7.org/fhir/R5/valueset-expression-language.html
 */
export const CQL_IDENTIFIER_LANGUAGE = 'text/cql-identifier';

/**
 * The extension giving an Expression an equivalent form in another language.
 * @see https://hl7.org/fhir/extensions/StructureDefinition-cqf-alternativeExpression.html
 */
export const ALTERNATIVE_EXPRESSION_URL = 'http://hl7.org/fhir/StructureDefinition/cqf-alternativeExpression';

/**
 * The FHIRPath form of an Expression: the Expression itself when it is FHIRPath, else its
 * `cqf-alternativeExpression` in FHIRPath (how content pairs a CQL definition, which other engines run, with the
 * FHIRPath this engine evaluates); undefined when it has neither.
 */
export function fhirPathForm(expression: Expression | undefined): Expression | undefined {
  if (expression === undefined) return undefined;
  if (expression.language === FHIRPATH_LANGUAGE) return expression;
  for (const extension of expression.extension ?? []) {
    if (extension.url === ALTERNATIVE_EXPRESSION_URL && extension.valueExpression?.language === FHIRPATH_LANGUAGE) return extension.valueExpression;
  }
  return undefined;
}

/**
 * Where an expression sits, for error messages.
 */
export interface ExpressionSite {
  /** The artifact, e.g. `PlanDefinition/liver-tumor-cryoablation` or its canonical. */
  readonly artifact: string;
  /** The PlanDefinition action id, when the expression belongs to an action. */
  readonly actionId?: string;
  /** FHIRPath location of the `Expression` element, e.g. `PlanDefinition.action[0].condition[0].expression`. */
  readonly location: string;
  /** What the expression computes, e.g. `applicability condition` or `dynamic value of status`. */
  readonly purpose: string;
}

/**
 * What an expression is evaluated on: the focus (`$this`) and the `%`-variables.
 */
export interface EvaluationScope {
  readonly focus: readonly TypedValue[];
  readonly variables: Readonly<Record<string, TypedValue>>;
}

function where(site: ExpressionSite): string {
  return site.actionId === undefined ? site.artifact : `Action "${site.actionId}" of ${site.artifact}`;
}

/**
 * A 422 naming the artifact, the action, the expression and the reason.
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 */
export function expressionError(site: ExpressionSite, text: string | undefined, reason: string): FhirError {
  const quoted = text === undefined ? '' : ` "${text.length > 300 ? `${text.slice(0, 300)}…` : text}"`;
  return unprocessable(`${where(site)}: the ${site.purpose} expression${quoted} cannot be evaluated: ${reason}`, {
    expression: `${site.location}.expression`,
  });
}

/**
 * The FHIRPath text of an Expression, or a 422 when it is not a FHIRPath expression the engine can run.
 */
export function fhirPathText(expression: Expression | undefined, site: ExpressionSite): string {
  if (expression === undefined) throw expressionError(site, undefined, 'the element has no expression');
  const form = fhirPathForm(expression);
  if (form === undefined) {
    throw expressionError(
      site,
      expression.expression,
      `language "${String(expression.language)}" is not supported and the Expression has no ${FHIRPATH_LANGUAGE} alternative (${ALTERNATIVE_EXPRESSION_URL}); this engine evaluates ${FHIRPATH_LANGUAGE} only`,
    );
  }
  if (typeof form.expression !== 'string' || form.expression.trim() === '') {
    throw expressionError(site, undefined, 'the Expression has no expression text (references to libraries are not supported)');
  }
  return form.expression;
}

/**
 * Evaluates an Expression; any parse or evaluation failure becomes a 422 naming the site.
 */
export function evaluateExpression(expression: Expression | undefined, site: ExpressionSite, scope: EvaluationScope): TypedValue[] {
  const text = fhirPathText(expression, site);
  try {
    return evaluateFhirPath(compileFhirPath(text), scope.focus, scope.variables);
  } catch (err) {
    throw expressionError(site, text, fhirPathErrorMessage(err));
  }
}

/**
 * Evaluates an applicability condition: true for a single `true`, false for a single `false` or an empty
 * result; any other result is a 422.
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.action.condition.expression
 */
export function evaluateCondition(expression: Expression | undefined, site: ExpressionSite, scope: EvaluationScope): boolean {
  const result = evaluateExpression(expression, site, scope);
  if (result.length === 0) return false;
  if (result.length === 1 && typeof result[0].value === 'boolean') return result[0].value;
  const text = fhirPathForm(expression)?.expression;
  if (result.length > 1) throw expressionError(site, text, `it must return one boolean, but returned ${result.length} items`);
  throw expressionError(site, text, `it must return a boolean, but returned a ${result[0].type}`);
}
