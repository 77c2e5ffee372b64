/**
 * Shared helpers of the validator tests: reading the JSON fixtures under test/fixtures/validation/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issueCheck, issueExpression } from '../../src/validation/issues.ts';

/** Folder of the validator fixtures. */
export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures', 'validation');

/** The project's content folder. */
export const CONTENT_DIR = join(import.meta.dirname, '..', '..', 'fhir-resources');

/** Canonical base of the fixtures (the project's). */
export const FIXTURE_CANONICAL_BASE = 'https://example.org/fhir/liver-cryoablation';

/** Reads a JSON fixture (path relative to test/fixtures/validation/). */
export function readFixture<T = Resource>(path: string): T {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, path), 'utf8')) as T;
}

/** The valid fixture package (test/fixtures/validation/package/). */
export function fixturePackage(): Resource[] {
  return readdirSync(join(FIXTURES_DIR, 'package'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readFixture(join('package', f)));
}

/** Errors (and fatal issues) only. */
export function errorsOf(issues: readonly OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** A compact view of an issue for assertions and failure messages. */
export function summarize(issue: OperationOutcomeIssue): { severity: string; check: string | undefined; expression: string; text: string } {
  return { severity: issue.severity, check: issueCheck(issue), expression: issueExpression(issue), text: issue.details?.text ?? '' };
}
