/**
 * Named limits of the knowledge engine. Every loop over content checks the request deadline as well; these
 * bound what a single request may build even before the deadline is reached.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */

/**
 * Deepest chain of PlanDefinitions applied through `action.definitionCanonical` (a cycle stops earlier).
 */
export const MAX_PLAN_NESTING_DEPTH = 16;

/**
 * Most actions one `$apply` evaluates, nested PlanDefinitions included.
 */
export const MAX_APPLIED_ACTIONS = 5_000;

/**
 * Most resources one `$package` Bundle may hold.
 */
export const MAX_PACKAGE_RESOURCES = 5_000;

/**
 * Parsed FHIRPath expressions kept in memory (keyed by expression text).
 */
export const MAX_CACHED_EXPRESSIONS = 2_000;

/**
 * Longest FHIRPath expression accepted (characters).
 */
export const MAX_EXPRESSION_LENGTH = 10_000;
