/**
 * Validating a CodeableConcept (a code or a Coding is checked as a CodeableConcept with one coding): each
 * coding against the value set, why one that is not in it fails (an unknown or relative system, a value set
 * or supplement given as the system, an unknown code, a wrong display), the codings left unchecked once
 * another matched, and the summary message.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { CodeableConcept, Coding, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { DisplayList } from './designations.ts';
import { IssueList } from './issues.ts';
import type { MessageId } from './messages.ts';
import type { CodeSystemProvider } from './provider.ts';
import { presentVersionList } from '../fhir/versions.ts';
import { checkCode } from './validate-code-coding.ts';
import { checkCodeSystemDisplay, checkDisplays, type DisplayReport } from './validate-code-displays.ts';
import { checkCanonicalStatus, unknownCodeText } from './validate-code-issues.ts';
import { addToPath, msg, validationResult, type State, type ValidationMode } from './validate-code-result.ts';
import { findProvider, isAbsolute, valueSetName, type CheckScope } from './validate-code-scope.ts';
import { vsVersionForSystem } from './validate-code-versions.ts';
import { vurl } from './valueset-definition.ts';

/** What the codings checked so far found: `p…` from the first that matched, `t…` from the one reported. */
interface Tally {
  ok: boolean | undefined;
  /** True when a coding without a code stopped the check. */
  noCode: boolean;
  /** The positions of the codings in the value set. */
  readonly matched: Set<number>;
  /** The codings as the summary message lists them. */
  codelist: string;
  psys?: string;
  pcode?: string;
  ppath?: string;
  pver?: string;
  pdisp?: string;
  tsys?: string;
  tcode?: string;
  tver?: string;
  /** Unknown codes already reported (`system|version#code`). */
  readonly reported: string[];
  /** Output parameters gathered (the version of the code system used). */
  readonly result: ParametersParameter[];
}

/** One CodeableConcept being validated. */
interface ConceptCheck {
  readonly scope: CheckScope;
  /** `CodeableConcept`, `Coding` or '' (a code): the FHIRPath the issues start from. */
  readonly issuePath: string;
  readonly mode: ValidationMode;
  readonly op: IssueList;
  readonly st: State;
  readonly tally: Tally;
}

type CodedCoding = Coding & { readonly code: string };

/** Adds a message once (empty ones are not messages). */
function addMessage(k: ConceptCheck, text: string | undefined): void {
  if (text === undefined || text === '') return;
  if (!k.st.messages.includes(text)) k.st.messages.push(text);
}

function reportOf(k: ConceptCheck, path: string): DisplayReport {
  return { op: k.op, path, addMessage: (text) => addMessage(k, text) };
}

/** A coding without a code cannot be validated: a warning. */
function reportNoCode(k: ConceptCheck, c: Coding, path: string): void {
  if ((c.system === undefined || c.system === '') && !k.scope.ctx.params.inferSystem) {
    const t = msg('Coding_has_no_system_or_code__cannot_validate');
    addMessage(k, t);
    k.op.add({ severity: 'warning', code: 'invalid', messageId: 'Coding_has_no_system_or_code__cannot_validate', txCode: 'invalid-data', path, text: t });
    return;
  }
  const t = c.system !== undefined ? `Coding has no code for system ${c.system} and cannot be validated` : 'Coding has no code and cannot be validated';
  addMessage(k, t);
  k.op.add({ severity: 'warning', code: 'invalid', txCode: 'invalid-data', path, text: t });
}

/** A coding in the value set: too little content to be sure, or its display checked; the first one gives the answer's values. */
function acceptMatched(k: ConceptCheck, c: CodedCoding, list: DisplayList, path: string): void {
  const { st, tally } = k;
  const p = k.scope.ctx.params;
  if ((st.cause === 'not-found' && st.contentMode !== 'complete') || st.contentMode === 'example') {
    const m = `The system ${c.system} was found but did not contain enough information to properly validate the code "${c.code}" ("${c.display}") (mode = ${st.contentMode})`;
    addMessage(k, m);
    k.op.add({ severity: 'warning', code: 'not-found', txCode: 'vs-invalid', path, text: m });
  } else if (c.display !== undefined && list.designations.length > 0) {
    checkDisplays(p, list, st.defLang, c, reportOf(k, path));
  }
  if (tally.pcode === undefined) {
    tally.psys = c.system;
    tally.pcode = c.code;
    tally.ppath = path;
    if (st.ver !== undefined) tally.pver = st.ver;
    const pd = list.preferredDisplay(p.workingLanguages());
    tally.pdisp = pd !== '' ? pd : list.preferredDisplay(undefined) || undefined;
  }
}

/** The system of a coding not in the value set is not a known code system: a value set, a supplement, or unknown. */
function explainUnknownSystem(k: ConceptCheck, c: CodedCoding, ws: string, lookupVersion: string | undefined, path: string): void {
  const { scope, op, st } = k;
  const ctx = scope.ctx;
  const sysPath = addToPath(path, 'system');
  if (ctx.findValueSet(ws) !== undefined) {
    const m = msg('Terminology_TX_System_ValueSet2', ws);
    addMessage(k, m);
    op.add({ severity: 'error', code: 'invalid', messageId: 'Terminology_TX_System_ValueSet2', txCode: 'invalid-data', path: sysPath, text: m });
    st.cause = 'invalid';
    return;
  }
  const sup = ctx.findCodeSystem(ws, lookupVersion, ['supplement']);
  if (sup !== undefined) {
    const m = msg('CODESYSTEM_CS_NO_SUPPLEMENT', vurl(sup));
    addMessage(k, m);
    op.add({ severity: 'error', code: 'invalid', messageId: 'CODESYSTEM_CS_NO_SUPPLEMENT', txCode: 'invalid-data', path: sysPath, text: m });
    st.cause = 'invalid';
    return;
  }
  let m: string;
  if (findProvider(ctx, ws, undefined) === undefined && lookupVersion === undefined) {
    // The reference server's wording of this case changed over time and the suite records both: the
    // quoted form when a code + system was checked against a value set whose own code systems are known,
    // the older unquoted form otherwise (a Coding, or a value set of unknown systems).
    const vsSystemsKnown = (scope.vs.compose?.include ?? []).some((includeRule) => includeRule.system !== undefined && findProvider(ctx, includeRule.system, undefined) !== undefined);
    const quoted = !isAbsolute(ws) || st.unknownSystems.has(ws) || (k.mode === 'code' && vsSystemsKnown);
    m = quoted ? msg('UNKNOWN_CODESYSTEM', ws) : msg('UNKNOWN_CODESYSTEM_UNQUOTED', ws);
    if (!st.unknownSystems.has(ws)) {
      st.unknownSystems.add(ws);
      op.add({ severity: 'error', code: 'not-found', messageId: 'UNKNOWN_CODESYSTEM', txCode: 'not-found', path: sysPath, text: m });
    }
  } else {
    const vl = ctx.listVersions(c.system ?? ws);
    const id: MessageId = vl.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_NONE' : 'UNKNOWN_CODESYSTEM_VERSION';
    const key = vl.length === 0 ? ws : `${ws}|${lookupVersion ?? ''}`;
    m = msg(id, ws, lookupVersion, presentVersionList(vl));
    if (!st.unknownSystems.has(key)) {
      st.unknownSystems.add(key);
      op.add({ severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', path: sysPath, text: m });
    }
  }
  addMessage(k, m);
  st.cause = 'not-found';
}

/** A code not in its code system, reported once: an error, or a warning for a fragment. */
function reportUnknownCode(k: ConceptCheck, c: CodedCoding, ws: string, prov: CodeSystemProvider, path: string): void {
  const key = `${ws}|${prov.version ?? ''}#${c.code}`;
  if (k.tally.reported.includes(key)) return;
  k.tally.reported.push(key);
  k.st.cause = 'code-invalid';
  if (prov.content === 'complete') {
    const m = unknownCodeText(c.code, prov);
    addMessage(k, m);
    k.op.add({ severity: 'error', code: 'code-invalid', messageId: 'Unknown_Code_in_Version', txCode: 'invalid-code', path: addToPath(path, 'code'), text: m });
  } else {
    const m = msg('UNKNOWN_CODE_IN_FRAGMENT', c.code, ws, prov.version);
    k.op.add({ severity: 'warning', code: 'code-invalid', messageId: 'UNKNOWN_CODE_IN_FRAGMENT', txCode: 'invalid-code', path: addToPath(path, 'code'), text: m });
  }
}

/** A coding not in the value set, checked against its own code system: the code, its status, its display. */
function checkInCodeSystem(k: ConceptCheck, c: CodedCoding, ws: string, prov: CodeSystemProvider, list: DisplayList, path: string): void {
  const { st, tally } = k;
  const p = k.scope.ctx.params;
  checkCanonicalStatus(k.op, 'CodeSystem', prov, k.scope.vs);
  const ci = prov.locate(c.code);
  if (ci < 0) {
    reportUnknownCode(k, c, ws, prov, path);
    return;
  }
  list.add(...prov.designations(ci));
  list.baseLanguage = prov.language;
  if (!p.membershipOnly && !st.inactive.value && prov.isInactive(ci)) {
    st.inactive = { value: true, path, code: c.code };
    const s = prov.conceptStatus(ci);
    if (s !== undefined) st.vstatus = s;
  }
  const pd = list.preferredDisplay(p.workingLanguages());
  if (pd !== '') tally.pdisp = pd;
  if (tally.pdisp === undefined || tally.pdisp === '') tally.pdisp = list.preferredDisplay(undefined) || undefined;
  checkCodeSystemDisplay(p, list, prov, c, reportOf(k, path));
  if (prov.version !== undefined && k.mode !== 'codeableConcept') tally.result.push({ name: 'version', valueString: prov.version });
}

/** Why a coding (at position `i`, in system `ws`) is not in the value set. */
function explainUnmatched(k: ConceptCheck, c: CodedCoding, i: number, ws: string, list: DisplayList, path: string): void {
  const { issuePath, mode } = k;
  if (!isAbsolute(ws)) {
    const m = msg('Terminology_TX_System_Relative');
    const sp = mode === 'coding' ? `${issuePath}.system` : mode === 'codeableConcept' ? `${issuePath}.coding[${i}].system` : issuePath;
    k.st.messages.push(m);
    k.op.add({ severity: 'error', code: 'invalid', messageId: 'Terminology_TX_System_Relative', txCode: 'invalid-data', path: sp, text: m });
  }
  const lookupVersion = c.version ?? vsVersionForSystem(k.scope.vs, c.system);
  const prov = findProvider(k.scope.ctx, ws, lookupVersion);
  if (prov === undefined) explainUnknownSystem(k, c, ws, lookupVersion, path);
  else checkInCodeSystem(k, c, ws, prov, list, path);
}

/** Checks the coding at position `i` against the value set and records what it found. */
function checkCoding(k: ConceptCheck, c: CodedCoding, i: number, path: string): void {
  const { scope, issuePath, mode, op, st, tally } = k;
  const list = new DisplayList();
  st.ver = undefined;
  st.contentMode = undefined;
  const v = checkCode(scope, { path, system: c.system, version: c.version, code: c.code, display: c.display, displays: list, op, st });
  if (v === false) st.cause = 'code-invalid';
  if (v === true) tally.matched.add(i);
  const ws = st.impliedSystem ?? c.system ?? '';
  if (tally.tcode === undefined || v === true) {
    tally.tsys = c.system;
    tally.tcode = c.code;
    tally.tver = c.version;
  }
  if (tally.tver === undefined && st.ver !== undefined) tally.tver = st.ver;
  let ccs = c.version === undefined ? `${ws}#${c.code}` : `${ws}|${c.version}#${c.code}`;
  if (c.display !== undefined) ccs = `${ccs} ('${c.display}')`;
  tally.codelist = tally.codelist === '' ? `'${ccs}'` : `${tally.codelist}, '${ccs}'`;
  if (v === false && !scope.internallyDefined && mode === 'codeableConcept') {
    const m = msg('None_of_the_provided_codes_are_in_the_value_set_one', '', valueSetName(scope.vs), `'${ccs}'`);
    op.add({ severity: 'information', code: 'code-invalid', messageId: 'None_of_the_provided_codes_are_in_the_value_set_one', txCode: 'this-code-not-in-vs', path: `${issuePath}.coding[${i}].code`, text: m });
    if (st.cause === 'null') st.cause = 'unknown';
  }
  if (tally.ok !== true && v !== false) tally.ok = v;
  if (v === true) acceptMatched(k, c, list, path);
  else if (!scope.ctx.params.membershipOnly && ws !== '') explainUnmatched(k, c, i, ws, list, path);
}

/** Once one coding of a CodeableConcept matched, the unknown systems of the others are warnings: those codings were not checked. */
function downgradeUncheckedSystems(k: ConceptCheck, codings: readonly Coding[]): void {
  if (k.issuePath !== 'CodeableConcept' || k.tally.matched.size === 0) return;
  const notChecked = ['UNKNOWN_CODESYSTEM', 'UNKNOWN_CODESYSTEM_VERSION', 'UNKNOWN_CODESYSTEM_VERSION_NONE'];
  const messages = k.st.messages;
  codings.forEach((c, j) => {
    if (k.tally.matched.has(j)) return;
    const sysPath = `${k.issuePath}.coding[${j}].system`;
    for (const iss of [...k.op.items]) {
      if (iss.severity === 'error' && iss.messageId !== undefined && notChecked.includes(iss.messageId) && iss.path === sysPath) {
        const now = msg('UNKNOWN_CODESYSTEM_CODING_NOT_CHECKED', c.version !== undefined ? `${c.system}|${c.version}` : c.system);
        k.op.replace(iss, { ...iss, severity: 'warning', messageId: 'UNKNOWN_CODESYSTEM_CODING_NOT_CHECKED', text: now });
        for (let m = messages.length - 1; m >= 0; m--) if (messages[m] === iss.text) messages.splice(m, 1);
        addMessage(k, now);
      }
    }
  });
}

/** The error when no coding is in the value set (unless a coding without code, or an issue of the code system, says it already). */
function summariseNotInValueSet(k: ConceptCheck, codingCount: number): void {
  const { scope, issuePath, mode, op, st, tally } = k;
  const noCodeSummary = tally.noCode && (mode !== 'codeableConcept' || scope.internallyDefined);
  if (tally.ok !== false || noCodeSummary || (scope.internallyDefined && op.hasErrors())) return;
  const id: MessageId = mode === 'codeableConcept' ? 'TX_GENERAL_CC_ERROR_MESSAGE' : 'None_of_the_provided_codes_are_in_the_value_set_one';
  const m = mode === 'codeableConcept' ? msg(id, valueSetName(scope.vs)) : msg(id, '', valueSetName(scope.vs), tally.codelist);
  let path: string | undefined;
  if (mode === 'codeableConcept') path = undefined;
  else if (issuePath === '') path = 'code';
  else if (issuePath !== 'CodeableConcept') path = `${issuePath}.code`;
  else path = codingCount === 1 ? `${issuePath}.coding[0].code` : issuePath;
  if (op.add({ severity: 'error', code: 'code-invalid', messageId: id, txCode: 'not-in-vs', path, text: m })) addMessage(k, m);
  if (st.cause === 'null') st.cause = 'unknown';
}

/**
 * Validates a CodeableConcept against a value set (a code or Coding is a CodeableConcept with one coding);
 * `issuePath` is `CodeableConcept`, `Coding` or '' (a code).
 */
export function checkCodeableConcept(scope: CheckScope, issuePath: string, cc: CodeableConcept, mode: ValidationMode): Parameters {
  const op = new IssueList();
  const messages: string[] = [];
  checkCanonicalStatus(op, 'ValueSet', scope.vs, scope.vs);
  const st: State = { unknownSystems: new Set(), inactive: { value: false }, cause: 'null', messages, defLang: 'en' };
  const tally: Tally = { ok: false, noCode: false, matched: new Set(), codelist: '', reported: [], result: [] };
  const k: ConceptCheck = { scope, issuePath, mode, op, st, tally };
  const codings = cc.coding ?? [];
  for (let i = 0; i < codings.length; i++) {
    const c = codings[i];
    const path = issuePath === 'CodeableConcept' ? addToPath(issuePath, `coding[${i}]`) : issuePath;
    if (c.code === undefined || c.code === '') {
      reportNoCode(k, c, path);
      tally.noCode = true;
      break;
    }
    checkCoding(k, c as CodedCoding, i, path);
  }
  downgradeUncheckedSystems(k, codings);
  summariseNotInValueSet(k, codings.length);
  const { ok, result, psys, pcode, ppath, pver, pdisp, tsys, tcode, tver } = tally;
  return validationResult({ ok, op, st, mode, issuePath, cc, messages, result, psys, pcode, ppath, pver, pdisp, tsys, tcode, tver });
}
