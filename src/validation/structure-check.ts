/**
 * The structure, invariant and profile checks, by `@medplum/core`'s `validateResource`: cardinality, element
 * types, primitive formats, unknown properties and the error-level FHIRPath invariants of the R4
 * StructureDefinitions, then the same against each profile (e.g. the R4 `shareable*` profiles).
 *
 * `validateResource` needs the R4 StructureDefinitions indexed first (done once, shared with the server). It
 * throws an `OperationOutcomeError` holding every issue when one of them is an error, and returns the issues
 * (warnings) otherwise; both are mapped here. It does not check terminology bindings (see the binding check),
 * it skips `ele-1`, `dom-3` and warning-level invariants, and it reports two values of one choice element
 * only as a warning without location (the validator reports that itself, as an error).
 *
 * @see https://hl7.org/fhir/R4/validation.html
 * @see https://hl7.org/fhir/R4/profiling.html
 */
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { appendAll } from '../lib/arrays.ts';
import { normalizeElementPath } from './fhir-path-location.ts';
import { createIssue, tagIssue } from './issues.ts';
import { ensureCoreStructures } from './r4-core.ts';
import type { ValidationIssue } from './types.ts';

/** Text of the `@medplum/core` warning replaced by the validator's own choice-element check. */
const CONFLICTING_CHOICE_PREFIX = 'Conflicting choice of type properties';

function runValidateResource(resource: Resource, profile: StructureDefinition | undefined): OperationOutcomeIssue[] {
  try {
    return validateResource(resource, profile === undefined ? undefined : { profile });
  } catch (err: unknown) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
}

function mapIssues(resource: Resource, issues: readonly OperationOutcomeIssue[], check: 'structure' | 'profile', profileLabel?: string): ValidationIssue[] {
  const result: ValidationIssue[] = [];
  for (const issue of issues) {
    const text = issue.details?.text ?? '';
    if (text.startsWith(CONFLICTING_CHOICE_PREFIX)) continue;
    const raw = issue.expression?.[0];
    const expression = raw === undefined ? undefined : normalizeElementPath(resource, raw);
    const layer = check === 'profile' ? 'profile' : issue.code === 'invariant' ? 'invariant' : 'structure';
    const described = describe(text, raw);
    result.push(tagIssue(issue, layer, { expression, text: profileLabel === undefined ? described : `${described} (profile ${profileLabel})` }));
  }
  return result;
}

/** Names the element in `@medplum/core` messages that only make sense next to their location. */
function describe(text: string, path: string | undefined): string {
  const element = path?.split('.').pop()?.replace(/\[\d+\]$/, '').replace('[x]', '');
  if (element === undefined) return text;
  if (text === 'Missing required property') return `Missing required element "${element}"`;
  if (text.startsWith('Invalid number of values')) return `${text} for "${element}"`;
  return text;
}

function issueKey(issue: OperationOutcomeIssue): string {
  return `${issue.severity}|${issue.code}|${issue.expression?.[0] ?? ''}|${issue.details?.text ?? ''}`;
}

/**
 * Validates a resource of a known R4 type against the base definitions and then against each profile;
 * profile issues are those the base validation did not already report.
 */
export function checkStructure(resource: Resource, profiles: readonly StructureDefinition[]): ValidationIssue[] {
  ensureCoreStructures();
  let baseIssues: OperationOutcomeIssue[];
  try {
    baseIssues = runValidateResource(resource, undefined);
  } catch (err: unknown) {
    return [
      createIssue('structure', {
        severity: 'error',
        code: 'processing',
        text: `Structure validation failed: ${err instanceof Error ? err.message : String(err)}`,
      }),
    ];
  }
  const issues = mapIssues(resource, baseIssues, 'structure');
  const known = new Set(baseIssues.map(issueKey));
  for (const profile of profiles) {
    const label = profile.name ?? profile.url;
    let profileIssues: OperationOutcomeIssue[];
    try {
      profileIssues = runValidateResource(resource, profile);
    } catch (err: unknown) {
      issues.push(
        createIssue('profile', {
          severity: 'warning',
          code: 'not-supported',
          text: `Cannot validate against profile ${profile.url}: ${err instanceof Error ? err.message : String(err)}`,
        }),
      );
      continue;
    }
    appendAll(issues, mapIssues(resource, profileIssues.filter((i) => !known.has(issueKey(i))), 'profile', label));
  }
  return issues;
}
