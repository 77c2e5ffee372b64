/**
 * Issues of code validation that several checks raise alike: the status of a resource used, unknown code
 * systems and codes, abstract codes, codes not in normal form, supplements never used.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { Extension, ValueSet } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { supplementsMissingError } from './issues.ts';
import type { IssueList, TxIssue } from './issues.ts';
import type { MessageId } from './messages.ts';
import type { CodeSystemProvider } from './provider.ts';
import { presentVersionList } from '../fhir/versions.ts';
import { addToPath, msg, type State } from './validate-code-result.ts';
import { vurl } from './valueset-definition.ts';
import { standardsStatusOf } from './standards-status.ts';

/**
 * The standards-status extension (deprecated, withdrawn, draft … of a resource or a value set concept).
 *
 * @see https://hl7.org/fhir/R4/extension-structuredefinition-standards-status.html
 */

/**
 * Reports a reference to a deprecated / withdrawn / retired resource, or an experimental / draft one used
 * by a value set (`source`) that is not so itself.
 */
export function checkCanonicalStatus(
  op: IssueList,
  type: string,
  resource: { url?: string; version?: string; status?: string; experimental?: boolean; standardsStatus?: string; extension?: Extension[] },
  source: ValueSet | undefined,
): void {
  const standards = resource.standardsStatus ?? standardsStatusOf(resource);
  const v = vurl(resource);
  const add = (id: MessageId): void => {
    op.add({ severity: 'information', code: 'business-rule', messageId: id, txCode: 'status-check', text: msg(id, v, '', type) });
  };
  if (standards === 'deprecated') add('MSG_DEPRECATED');
  else if (standards === 'withdrawn') add('MSG_WITHDRAWN');
  else if (resource.status === 'retired') add('MSG_RETIRED');
  else if (source !== undefined) {
    const srcStandards = standardsStatusOf(source);
    if (resource.experimental === true && source.experimental !== true) add('MSG_EXPERIMENTAL');
    else if ((resource.status === 'draft' || standards === 'draft') && !(source.status === 'draft' || srcStandards === 'draft')) add('MSG_DRAFT');
  }
}

/** Reports an unknown code system (or version) once per system; returns the message. */
export function unknownSystemIssue(ctx: TxContext, op: IssueList, path: string, system: string, version: string | undefined, st: State): string {
  let id: MessageId;
  let key: string;
  if (version === undefined || version === '') {
    id = 'UNKNOWN_CODESYSTEM';
    key = system;
  } else {
    const vl = ctx.listVersions(system);
    id = vl.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_NONE' : 'UNKNOWN_CODESYSTEM_VERSION';
    key = vl.length === 0 ? system : `${system}|${version}`;
  }
  const text = msg(id, system, version, presentVersionList(ctx.listVersions(system)));
  if (!st.unknownSystems.has(key)) {
    st.unknownSystems.add(key);
    op.add({ severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', path: addToPath(path, 'system'), text });
  }
  return text;
}

/** The message of a code not found in a code system (with its version when it has one). */
export function unknownCodeText(code: string, cs: CodeSystemProvider): string {
  return cs.version !== undefined ? msg('Unknown_Code_in_Version', code, cs.url, cs.version) : msg('Unknown_Code_in', code, cs.url);
}

/** ABSTRACT_CODE_NOT_ALLOWED: an abstract code where abstract codes are not allowed. */
export function abstractCodeIssue(path: string, cs: CodeSystemProvider, code: string): TxIssue {
  return { severity: 'error', code: 'business-rule', messageId: 'ABSTRACT_CODE_NOT_ALLOWED', txCode: 'code-rule', path: addToPath(path, 'code'), text: msg('ABSTRACT_CODE_NOT_ALLOWED', cs.url, code) };
}

/** Reports a code given in another case or form than the code system's own (CODE_CASE_DIFFERENCE, CODE_NOT_IN_NORMAL_FORM). */
export function addNormalisationIssue(op: IssueList, path: string, code: string, normal: string, cs: CodeSystemProvider): void {
  const caseOnly = normal.toLowerCase() === code.toLowerCase();
  const id: MessageId = caseOnly ? 'CODE_CASE_DIFFERENCE' : 'CODE_NOT_IN_NORMAL_FORM';
  const text = msg(id, code, normal, vurl({ url: cs.url, version: cs.version }));
  op.add({ severity: 'information', code: 'business-rule', messageId: id, txCode: 'code-rule', path: addToPath(path, 'code'), text });
}

/** 422 when supplements the request or the value set asked for were not used by the code systems found. */
export function checkSupplementsUsed(ctx: TxContext): void {
  const missing = ctx.missingSupplements();
  if (missing.length > 0) throw supplementsMissingError(missing);
}
