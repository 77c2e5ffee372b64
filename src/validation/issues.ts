/**
 * Building, tagging, de-duplicating and ordering validation issues.
 *
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ValidationCheck, ValidationIssue } from './types.ts';
import { VALIDATION_CHECK_SYSTEM } from './types.ts';

/**
 * Issue type codes of http://hl7.org/fhir/issue-type.
 * @see https://hl7.org/fhir/R4/valueset-issue-type.html
 */
export type IssueCode = OperationOutcomeIssue['code'];
/**
 * Issue severities of http://hl7.org/fhir/issue-severity.
 * @see https://hl7.org/fhir/R4/valueset-issue-severity.html
 */
export type IssueSeverity = OperationOutcomeIssue['severity'];

/**
 * What a check reports: the parts of an issue that vary.
 */
export interface IssueInput {
  readonly severity: IssueSeverity;
  readonly code: IssueCode;
  readonly text: string;
  /** FHIRPath location; omitted for issues about the whole input. */
  readonly expression?: string;
  readonly diagnostics?: string;
}

/**
 * Builds an issue tagged with the check that raised it.
 * @see https://hl7.org/fhir/R4/operationoutcome-definitions.html#OperationOutcome.issue
 */
export function createIssue(check: ValidationCheck, input: IssueInput): ValidationIssue {
  const issue: ValidationIssue = {
    severity: input.severity,
    code: input.code,
    details: { coding: [{ system: VALIDATION_CHECK_SYSTEM, code: check }], text: input.text },
  };
  if (input.diagnostics !== undefined) issue.diagnostics = input.diagnostics;
  if (input.expression !== undefined) issue.expression = [input.expression];
  return issue;
}

/**
 * Re-tags an issue produced elsewhere (e.g. by `@medplum/core`) with a check and, optionally, a new location
 * and text. Never mutates the input.
 */
export function tagIssue(
  issue: OperationOutcomeIssue,
  check: ValidationCheck,
  overrides: { readonly expression?: string; readonly text?: string; readonly severity?: IssueSeverity } = {},
): ValidationIssue {
  const expression = overrides.expression ?? issue.expression?.[0];
  return createIssue(check, {
    severity: overrides.severity ?? issue.severity,
    code: issue.code,
    text: overrides.text ?? issue.details?.text ?? issue.diagnostics ?? 'Invalid content',
    expression,
    diagnostics: issue.diagnostics,
  });
}

/**
 * The check that raised an issue (from its `details.coding`), if the validator raised it.
 */
export function issueCheck(issue: OperationOutcomeIssue): ValidationCheck | undefined {
  return issue.details?.coding?.find((c) => c.system === VALIDATION_CHECK_SYSTEM)?.code as ValidationCheck | undefined;
}

/**
 * The FHIRPath location of an issue, or '' when it has none.
 */
export function issueExpression(issue: OperationOutcomeIssue): string {
  return issue.expression?.[0] ?? '';
}

function issueKey(issue: OperationOutcomeIssue): string {
  return `${issue.severity}|${issue.code}|${issueExpression(issue)}|${issue.details?.text ?? ''}`;
}

/**
 * Drops exact repeats (same severity, code, location and text), keeping the first.
 */
export function dedupeIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  const result: ValidationIssue[] = [];
  for (const issue of issues) {
    const key = issueKey(issue);
    if (!seen.has(key)) {
      seen.add(key);
      result.push(issue);
    }
  }
  return result;
}

const SEVERITY_RANK: Readonly<Record<IssueSeverity, number>> = { fatal: 0, error: 1, warning: 2, information: 3 };

/**
 * Orders issues by severity (most severe first), keeping the check order within a severity.
 */
export function sortIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues
    .map((issue, position) => ({ issue, position }))
    .sort((a, b) => SEVERITY_RANK[a.issue.severity] - SEVERITY_RANK[b.issue.severity] || a.position - b.position)
    .map((entry) => entry.issue);
}

/**
 * True for `error` and `fatal` issues: the ones that make content invalid.
 */
export function isErrorIssue(issue: OperationOutcomeIssue): boolean {
  return issue.severity === 'error' || issue.severity === 'fatal';
}

/**
 * Counts issues by severity.
 */
export function countIssues(issues: readonly OperationOutcomeIssue[]): { errors: number; warnings: number; information: number } {
  let errors = 0;
  let warnings = 0;
  let information = 0;
  for (const issue of issues) {
    if (isErrorIssue(issue)) errors++;
    else if (issue.severity === 'warning') warnings++;
    else information++;
  }
  return { errors, warnings, information };
}

/**
 * Most issues one validation reports: past it, one final issue says how many were left out. Listing 80,000
 * copies of one mistake helps nobody and costs seconds of work and megabytes of answer.
 */
export const MAX_ISSUES = 500;

/**
 * The final issue of a capped list: how many issues were left out.
 * @see https://hl7.org/fhir/R4/valueset-issue-type.html (too-costly)
 */
export function omittedIssue(check: ValidationCheck, omitted: number): ValidationIssue {
  return createIssue(check, {
    severity: 'warning',
    code: 'too-costly',
    text: `${omitted} more issue${omitted === 1 ? '' : 's'} not listed: only the first ${MAX_ISSUES} are reported`,
  });
}

/**
 * The first {@link MAX_ISSUES} issues (already ordered), plus one issue saying how many were left out.
 */
export function capIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  if (issues.length <= MAX_ISSUES) return [...issues];
  const omitted = issues.length - MAX_ISSUES;
  const first = issues.slice(0, MAX_ISSUES);
  const already = first.findIndex((i) => i.code === 'too-costly' && i.details?.text?.includes('not listed'));
  if (already >= 0) return first;
  first.push(omittedIssue(issueCheck(issues[MAX_ISSUES] as ValidationIssue) ?? 'schema', omitted));
  return first;
}

/**
 * Wraps issues in an OperationOutcome; with no issue, one `informational` issue says all is well (an
 * OperationOutcome needs at least one issue).
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */
export function toOperationOutcome(issues: readonly ValidationIssue[]): OperationOutcome {
  if (issues.length === 0) {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text: 'No issues found' } }],
    };
  }
  return { resourceType: 'OperationOutcome', issue: [...issues] };
}
