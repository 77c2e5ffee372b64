/**
 * OperationOutcome issues as terminology operations report them: a message id extension, an issue type,
 * a `tx-issue-type` coding, the text and the FHIRPath of the element concerned.
 *
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/CodeSystem-tx-issue-type.html
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { FhirError } from '../fhir/errors.ts';
import type { IssueSeverity, IssueType } from '../fhir/errors.ts';
import { formatMessage } from './messages.ts';

/**
 * URL of the extension naming the message id of an issue.
 */
export const MESSAGE_ID_URL = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id';
/**
 * The code system of terminology issue types.
 */
export const TX_ISSUE_TYPE_SYSTEM = 'http://hl7.org/fhir/tools/CodeSystem/tx-issue-type';

/**
 * One issue to report.
 */
export interface TxIssue {
  readonly severity: IssueSeverity;
  readonly code: IssueType;
  /** `tx-issue-type` code (not-in-vs, invalid-code, …). */
  readonly txCode?: string;
  /** Message id (the catalogue key). */
  readonly messageId?: string;
  readonly text: string;
  /** FHIRPath of the element, reported as `expression` (never as the deprecated `location`). */
  readonly path?: string;
  readonly diagnostics?: string;
}

/**
 * Converts a TxIssue to a FHIR issue.
 */
export function toFhirIssue(issue: TxIssue): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = { severity: issue.severity, code: issue.code };
  if (issue.messageId !== undefined) {
    out.extension = [{ url: MESSAGE_ID_URL, valueString: issue.messageId }];
  }
  out.details =
    issue.txCode !== undefined
      ? { coding: [{ system: TX_ISSUE_TYPE_SYSTEM, code: issue.txCode }], text: issue.text }
      : { text: issue.text };
  if (issue.diagnostics !== undefined) out.diagnostics = issue.diagnostics;
  // Only `expression`, never `location`: R4 deprecates `location` (an XPath) in favour of `expression`.
  // The HL7 terminology test runner never requires `location` (an expected array of strings that the
  // actual lacks is not a difference), but it rejects one the expected file does not list.
  if (issue.path !== undefined && issue.path !== '') out.expression = [issue.path];
  return out;
}

/**
 * An ordered, de-duplicating list of issues that becomes an OperationOutcome.
 */
export class IssueList {
  private readonly list: TxIssue[] = [];

  /** Adds an issue; returns false when an identical one is already there. */
  add(issue: TxIssue): boolean {
    if (this.list.some((i) => i.severity === issue.severity && i.text === issue.text && i.path === issue.path)) {
      return false;
    }
    this.list.push(issue);
    return true;
  }

  /** The issues so far. */
  get items(): readonly TxIssue[] {
    return this.list;
  }

  /** Replaces an issue (same position). */
  replace(old: TxIssue, issue: TxIssue): void {
    const i = this.list.indexOf(old);
    if (i >= 0) this.list[i] = issue;
  }

  /** True when an error (or fatal) issue was added. */
  hasErrors(): boolean {
    return this.list.some((i) => i.severity === 'error' || i.severity === 'fatal');
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** The OperationOutcome of these issues. */
  toOperationOutcome(): OperationOutcome {
    return { resourceType: 'OperationOutcome', issue: this.list.map(toFhirIssue) };
  }
}

/**
 * A FhirError carrying a single terminology issue.
 */
export function txError(status: number, issue: TxIssue): FhirError {
  return new FhirError(status, { resourceType: 'OperationOutcome', issue: [toFhirIssue(issue)] });
}

/**
 * 422: supplements the request or the value set asked for were not found or not used (VALUESET_SUPPLEMENT_MISSING).
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 */
export function supplementsMissingError(missing: readonly string[]): FhirError {
  return txError(422, {
    severity: 'error',
    code: 'not-found',
    messageId: 'VALUESET_SUPPLEMENT_MISSING',
    txCode: 'not-found',
    text: formatMessage(missing.length === 1 ? 'VALUESET_SUPPLEMENT_MISSING_one' : 'VALUESET_SUPPLEMENT_MISSING_other', [String(missing.length), missing.join(',')]),
  });
}
