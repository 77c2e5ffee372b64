/**
 * Display checks of code validation: the display given against the designations found, in the working
 * languages (displayLanguage, else Accept-Language), with whitespace and case differences told apart, and
 * displays that are designations no longer current.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { Coding } from '@medplum/fhirtypes';
import { DisplayCheck, type DisplayList } from './designations.ts';
import type { IssueList } from './issues.ts';
import type { MessageId } from './messages.ts';
import type { TxParams } from './params.ts';
import type { CodeSystemProvider } from './provider.ts';
import { addToPath, msg } from './validate-code-result.ts';

type DisplayMismatch = 'Display_Name_WS_for__should_be_one_of__instead_of' | 'Display_Name_for__should_be_one_of__instead_of';

/** Where a display check reports: the issues, the messages, the path of the coding. */
export interface DisplayReport {
  readonly op: IssueList;
  readonly addMessage: (text: string) => void;
  readonly path: string;
}

/** A display none of the designations matches, but no valid display in the languages asked for: which message. */
function noDisplayInLanguages(p: TxParams, list: DisplayList, defLang: string, c: Coding, display: string): { id: MessageId; text: string; severity: 'error' | 'warning' | 'information' } {
  const ds = list.preferredDisplay(undefined);
  if (ds === '') return { id: 'NO_VALID_DISPLAY_AT_ALL', text: msg('NO_VALID_DISPLAY_AT_ALL', display, c.system, c.code, p.langSummary()), severity: 'warning' };
  if (list.hasDisplay(p.workingLanguages(), defLang, display, false, DisplayCheck.CaseInsensitive).found) {
    return { id: 'NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK', text: msg('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK', display, c.system, c.code, p.langSummary(), ds), severity: 'information' };
  }
  return { id: 'NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR', text: msg('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR', display, c.system, c.code, p.langSummary(), ds), severity: p.displayWarning ? 'warning' : 'error' };
}

/**
 * Display checks for a coding that is in the value set (`c.display` given): a display that is no
 * designation in the working languages, or one that is no longer a current designation.
 */
export function checkDisplays(p: TxParams, list: DisplayList, defLang: string, c: Coding, report: DisplayReport): void {
  const { op, path } = report;
  const langs = p.workingLanguages();
  const display = c.display as string;
  const hd = list.hasDisplay(langs, undefined, display, false, DisplayCheck.CaseInsensitive);
  if (!hd.found) {
    const base: DisplayMismatch = hd.difference === 'normalised' ? 'Display_Name_WS_for__should_be_one_of__instead_of' : 'Display_Name_for__should_be_one_of__instead_of';
    let severity: 'error' | 'warning' | 'information' = p.displayWarning ? 'warning' : 'error';
    let dc = list.displayCount(langs, undefined, true);
    if (dc === 0) {
      severity = 'warning';
      dc = list.displayCount(langs, undefined, false);
    }
    let mid: string = base;
    let text: string;
    if (dc === 0) {
      const none = noDisplayInLanguages(p, list, defLang, c, display);
      mid = none.id;
      text = none.text;
      severity = none.severity;
    } else {
      text = msg(`${base}${dc === 1 ? '_one' : '_other'}` as MessageId, String(dc), c.system, c.code, list.present(langs, true), display, p.langSummary());
    }
    report.addMessage(text);
    op.add({ severity, code: 'invalid', messageId: mid, txCode: 'invalid-display', path: addToPath(path, 'display'), text });
    return;
  }
  const hdActive = list.hasDisplay(langs, undefined, display, true, DisplayCheck.CaseInsensitive);
  if (!hdActive.found) {
    // A display that is a designation of the concept, but no longer a current one: a warning.
    const shown = list.allowedDisplays().map((a) => `"${a}"`).join(', ');
    const status = list.statusOf(display) === '' ? 'inactive' : 'deprecated';
    const text = msg('INACTIVE_DISPLAY_FOUND', display, c.code, shown, status);
    op.add({ severity: 'warning', code: 'invalid', messageId: 'INACTIVE_DISPLAY_FOUND', txCode: 'display-comment', path: addToPath(path, 'display'), text });
  }
}

/**
 * The display check of a coding that is not in the value set but is in its code system: the display given
 * against the code system's designations (the code system's language as the default).
 */
export function checkCodeSystemDisplay(p: TxParams, list: DisplayList, prov: CodeSystemProvider, c: Coding & { code: string }, report: DisplayReport): void {
  const defLang = prov.language ?? 'en';
  if (c.display === undefined || list.designations.length === 0 || list.hasDisplay(p.workingLanguages(), defLang, c.display, false, DisplayCheck.CaseInsensitive).found) return;
  const langs = p.workingLanguages();
  let base = list.hasDisplay(langs, defLang, c.display, false, DisplayCheck.CaseInsensitive).difference === 'normalised' ? 'Display_Name_WS_for__should_be_one_of__instead_of' : 'Display_Name_for__should_be_one_of__instead_of';
  let severity: 'error' | 'warning' = p.displayWarning ? 'warning' : 'error';
  const dc = list.displayCount(langs, undefined, true);
  let m: string;
  if (dc === 0) {
    severity = 'warning';
    base = 'NO_VALID_DISPLAY_AT_ALL';
    m = msg('NO_VALID_DISPLAY_AT_ALL', c.display, prov.url, c.code, p.langSummary());
  } else {
    m = msg(`${base}${dc === 1 ? '_one' : '_other'}` as MessageId, String(dc), prov.url, c.code, list.present(langs, true), c.display, p.langSummary());
  }
  report.addMessage(m);
  report.op.add({ severity, code: 'invalid', messageId: base, txCode: 'invalid-display', path: addToPath(report.path, 'display'), text: m });
}
