/**
 * The result of one code validation: the `result`, `system`, `code`, `version`, `display`, `inactive`,
 * `status`, `message` and `issues` output parameters, from what the checks found.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { CodeableConcept, Parameters, ParametersParameter, ValueSet } from '@medplum/fhirtypes';
import { fhirError, type FhirError } from '../fhir/errors.ts';
import type { IssueList } from './issues.ts';
import { formatMessage } from './messages.ts';
import type { MessageId } from './messages.ts';

/**
 * How the value was given: a code (+system), a Coding or a CodeableConcept.
 */
export type ValidationMode = 'code' | 'coding' | 'codeableConcept';

/** The path of a child element. */
export function addToPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** The text of a catalogue message with its arguments. */
export function msg(id: MessageId, ...args: (string | number | undefined)[]): string {
  return formatMessage(id, args);
}

/** Mutable state of one validation (shared across codings and imported value sets). */
export interface State {
  unknownSystems: Set<string>;
  inactive: { value: boolean; path?: string; code?: string };
  normalForm?: string;
  vstatus?: string;
  cause: string;
  contentMode?: string;
  impliedSystem?: string;
  messages: string[];
  defLang: string;
  ver?: string;
}

/** What the checks of one validation found (the `p…` values from the matching coding, the `t…` from the last one tried). */
export interface ValidationFindings {
  readonly ok: boolean | undefined;
  readonly op: IssueList;
  readonly st: State;
  readonly mode: ValidationMode;
  readonly issuePath: string;
  readonly cc: CodeableConcept;
  /** Messages so far; the final ones are added to it. */
  readonly messages: string[];
  /** Output parameters gathered while checking (e.g. the version of the code system used). */
  readonly result: readonly ParametersParameter[];
  readonly psys?: string;
  readonly pcode?: string;
  readonly ppath?: string;
  readonly pver?: string;
  readonly pdisp?: string;
  readonly tsys?: string;
  readonly tcode?: string;
  readonly tver?: string;
}

/** Builds the output Parameters of a validation, adding the inactive/deprecated warnings. */
export function validationResult(f: ValidationFindings): Parameters {
  const { ok, op, st, mode, issuePath, cc, result, psys, pcode, ppath, pver, pdisp, tsys, tcode, tver } = f;
  const mt = f.messages;
  const addMsg = (s: string | undefined): void => {
    if (s === undefined || s === '') return;
    if (!mt.includes(s)) mt.push(s);
  };
  const valid = ok === true && !op.hasErrors();
  const out: ParametersParameter[] = [{ name: 'result', valueBoolean: valid }];
  if (psys !== undefined) out.push({ name: 'system', valueUri: psys });
  else if (ok === true && st.impliedSystem !== undefined) out.push({ name: 'system', valueUri: st.impliedSystem });
  else if (tsys !== undefined && mode !== 'codeableConcept') out.push({ name: 'system', valueUri: tsys });
  for (const us of st.unknownSystems) {
    if (ok === false) out.push({ name: 'x-unknown-system', valueCanonical: us });
    else if (!valid) out.push({ name: 'x-caused-by-unknown-system', valueCanonical: us });
  }
  if (st.normalForm !== undefined) out.push({ name: 'normalized-code', valueCode: st.normalForm });
  if (pcode !== undefined) out.push({ name: 'code', valueCode: pcode });
  else if (tcode !== undefined && mode !== 'codeableConcept') out.push({ name: 'code', valueCode: tcode });
  if (pver !== undefined) out.push({ name: 'version', valueString: pver });
  else if (tver !== undefined && mode !== 'codeableConcept') out.push({ name: 'version', valueString: tver });
  else out.push(...result);
  if (pdisp !== undefined && pdisp !== '' && (pcode !== undefined || (tcode !== undefined && mode !== 'codeableConcept'))) {
    out.push({ name: 'display', valueString: pdisp });
  }
  if (st.inactive.value) {
    if (mode !== 'codeableConcept' || (pcode !== undefined && st.inactive.path === ppath)) {
      out.push({ name: 'inactive', valueBoolean: true });
      if (st.vstatus !== undefined && st.vstatus !== 'inactive') out.push({ name: 'status', valueCode: st.vstatus });
    }
    const mpath = st.inactive.path !== undefined && st.inactive.path !== '' ? st.inactive.path : 'code';
    const isPlain = st.vstatus === 'inactive' || st.vstatus === 'DISCOURAGED';
    const m = isPlain
      ? msg('INACTIVE_CONCEPT_FOUND', st.vstatus, st.inactive.code ?? tcode)
      : msg('INACTIVE_CONCEPT_FOUND_ADD', st.vstatus ?? '', st.inactive.code ?? tcode, 'inactive');
    addMsg(m);
    op.add({ severity: 'warning', code: 'business-rule', messageId: 'INACTIVE_CONCEPT_FOUND', txCode: 'code-comment', path: mpath, text: m });
  } else if (st.vstatus !== undefined && st.vstatus.toLowerCase() === 'deprecated') {
    out.push({ name: 'status', valueCode: 'deprecated' });
    const m = msg('DEPRECATED_CONCEPT_FOUND', st.vstatus, tcode);
    addMsg(m);
    op.add({ severity: 'warning', code: 'business-rule', messageId: 'DEPRECATED_CONCEPT_FOUND', txCode: 'code-comment', path: issuePath, text: m });
  }
  for (const iss of op.items) {
    if (iss.severity === 'error' && !mt.includes(iss.text)) mt.push(iss.text);
  }
  if (mt.length > 0) {
    out.push({ name: 'message', valueString: [...mt].sort().join('; ') });
  }
  if (mode === 'codeableConcept') out.push({ name: 'codeableConcept', valueCodeableConcept: cc });
  if (!op.isEmpty) out.push({ name: 'issues', resource: op.toOperationOutcome() });
  return { resourceType: 'Parameters', parameter: out };
}

/** 422: a value set's compose names a code system or value set that was not resolved when it was prepared. */
export function notEvaluable(vs: ValueSet, kind: 'code system' | 'value set', canonical: string): FhirError {
  return fhirError(422, 'not-found', `The value set ${vs.url ?? vs.id ?? ''} cannot be evaluated: the ${kind} ${canonical} was not found`);
}
