/**
 * Whether a code is in one include or exclude of a value set: the whole code system, a concept list (with
 * the value set's displays, designations and deprecation marks) or filters — abstract and inactive codes,
 * codes in another case or form, and the inactive status found on the way.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 * @see https://hl7.org/fhir/R4/valueset.html#compose
 */
import type { ValueSet, ValueSetComposeInclude, ValueSetComposeIncludeConcept } from '@medplum/fhirtypes';
import type { DisplayList } from './designations.ts';
import type { IssueList } from './issues.ts';
import type { TxParams } from './params.ts';
import type { CodeSystemProvider } from './provider.ts';
import { RegexSyntaxError } from '../lib/regex.ts';
import { abstractCodeIssue, addNormalisationIssue, unknownCodeText } from './validate-code-issues.ts';
import { addToPath, msg, type State } from './validate-code-result.ts';
import { filterOp, vurl } from './valueset-definition.ts';
import { standardsStatusOf } from './standards-status.ts';

const EXT_VS_DEPRECATED = 'http://hl7.org/fhir/StructureDefinition/valueset-deprecated';

/** One code checked against one include or exclude. */
export interface ConceptSetCheck {
  readonly params: TxParams;
  readonly vs: ValueSet;
  readonly path: string;
  /** `in` for an include, `not in` for an exclude (which reports nothing about the code). */
  readonly role: 'in' | 'not in';
  readonly cs: CodeSystemProvider;
  readonly code: string;
  /** Collects the designations of the code found, for the display checks. */
  readonly displays: DisplayList | undefined;
  readonly op: IssueList;
  readonly st: State;
}

/** Notes the code's inactive status unless one was noted already. */
export function noteInactive(st: State, cs: CodeSystemProvider, c: number, path: string, code: string): void {
  if (!st.inactive.value) {
    st.inactive = { value: cs.isInactive(c), path, code };
    st.vstatus = cs.conceptStatus(c);
  }
}

/** Marks the code as inactive (it is rejected for that). */
function markInactive(st: State, cs: CodeSystemProvider, c: number, path: string, code: string): void {
  st.inactive = { value: true, path, code };
  st.vstatus = cs.conceptStatus(c);
}

function addDesignations(k: ConceptSetCheck, c: number): void {
  if (k.displays === undefined) return;
  k.displays.add(...k.cs.designations(c));
  k.displays.baseLanguage = k.cs.language;
}

/** The compose says inactive codes are not in the value set. */
function excludesInactive(vs: ValueSet): boolean {
  return vs.compose?.inactive === false;
}

/** A code not in the code system: an error, or a warning when the code system is only a fragment (then it passes). */
function codeNotFound(k: ConceptSetCheck): boolean {
  const { cs, code, op, path } = k;
  if (k.params.membershipOnly || k.role === 'not in') return false;
  if (cs.content !== 'complete') {
    op.add({ severity: 'warning', code: 'code-invalid', messageId: 'UNKNOWN_CODE_IN_FRAGMENT', txCode: 'invalid-code', path: addToPath(path, 'code'), text: msg('UNKNOWN_CODE_IN_FRAGMENT', code, cs.url, cs.version) });
    return true;
  }
  op.add({ severity: 'error', code: 'code-invalid', messageId: cs.version !== undefined ? 'Unknown_Code_in_Version' : 'Unknown_Code_in', txCode: 'invalid-code', path: addToPath(path, 'code'), text: unknownCodeText(code, cs) });
  return false;
}

/** An include of a whole code system: every code of it, but abstract ones and (when asked) inactive ones. */
function inWholeSystem(k: ConceptSetCheck): boolean {
  const { params: p, cs, code, op, path, st } = k;
  const c = cs.locate(code);
  if (c < 0) return codeNotFound(k);
  const normal = cs.code(c);
  if (normal !== code) {
    addNormalisationIssue(op, path, code, normal, cs);
    st.normalForm = normal;
  }
  addDesignations(k, c);
  if (!p.abstractOk && cs.isAbstract(c)) {
    if (!p.membershipOnly && k.role !== 'not in') op.add(abstractCodeIssue(path, cs, code));
    return false;
  }
  if ((excludesInactive(k.vs) || p.activeOnly) && cs.isInactive(c)) {
    if (k.role !== 'not in') {
      const t = msg('STATUS_CODE_WARNING_CODE', 'not active', code);
      op.add({ severity: 'error', code: 'business-rule', messageId: 'STATUS_CODE_WARNING_CODE', txCode: 'code-rule', path: addToPath(path, 'code'), text: t });
      st.messages.push(t);
      if (!p.membershipOnly) markInactive(st, cs, c, path, code);
    }
    return false;
  }
  if (k.role !== 'not in') noteInactive(st, cs, c, path, code);
  return true;
}

/** Warns when the value set marks a concept of its list as deprecated or withdrawn. */
function checkListedStatus(k: ConceptSetCheck, concept: ValueSetComposeIncludeConcept): void {
  const { cs, code, op, path } = k;
  const sstatus = standardsStatusOf(concept);
  const status = sstatus === 'withdrawn' || sstatus === 'deprecated' ? sstatus : concept.extension?.some((e) => e.url === EXT_VS_DEPRECATED) ? 'deprecated' : undefined;
  if (status === undefined) return;
  op.add({ severity: 'warning', code: 'business-rule', messageId: 'CONCEPT_DEPRECATED_IN_VALUESET', txCode: 'code-comment', path: addToPath(path, 'code'), text: msg('CONCEPT_DEPRECATED_IN_VALUESET', cs.url, code, status, vurl(k.vs)) });
}

/** An include's concept list; undefined when the code is not listed (or listed only as abstract). */
function inConceptList(k: ConceptSetCheck, concepts: readonly ValueSetComposeIncludeConcept[]): boolean | undefined {
  const { params: p, cs, code, op, path, st } = k;
  for (const concept of concepts) {
    if (concept.code !== code) continue;
    const c = cs.locate(code);
    if (c < 0) continue;
    if (k.displays !== undefined) {
      addDesignations(k, c);
      if (concept.display !== undefined) k.displays.add({ language: k.vs.language, value: concept.display.trim(), isDisplay: true });
      for (const d of concept.designation ?? []) k.displays.add({ language: d.language, use: d.use, value: d.value.trim() });
    }
    if (!p.abstractOk && cs.isAbstract(c)) {
      if (!p.membershipOnly) op.add(abstractCodeIssue(path, cs, code));
      continue;
    }
    if (excludesInactive(k.vs) && cs.isInactive(c)) {
      if (!p.membershipOnly) markInactive(st, cs, c, path, code);
      return false;
    }
    if (k.role !== 'not in') {
      checkListedStatus(k, concept);
      noteInactive(st, cs, c, path, code);
    }
    return true;
  }
  return undefined;
}

/** An include's filters: the code passes every one (a filter with a bad regex passes none). */
function inFilters(k: ConceptSetCheck, filters: NonNullable<ValueSetComposeInclude['filter']>): boolean {
  const { params: p, cs, code, op, path, st } = k;
  const c = cs.locate(code);
  if (c < 0) return false;
  for (const f of filters) {
    let filter;
    try {
      filter = cs.filter(f.property, filterOp(f), f.value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) return false;
      throw e;
    }
    if (filter === undefined || !filter.has(c)) return false;
  }
  addDesignations(k, c);
  if (!p.abstractOk && cs.isAbstract(c)) {
    if (!p.membershipOnly) op.add(abstractCodeIssue(path, cs, code));
    return false;
  }
  if (excludesInactive(k.vs) && cs.isInactive(c)) {
    if (!p.membershipOnly) markInactive(st, cs, c, path, code);
    return false;
  }
  if (k.role !== 'not in' && !st.inactive.value && cs.isInactive(c)) {
    st.inactive = { value: true, path, code };
    const s = cs.conceptStatus(c);
    if (s !== undefined) st.vstatus = s;
  }
  return true;
}

/**
 * Whether a code is in one include/exclude (concepts, filters or the whole system).
 */
export function checkConceptSet(k: ConceptSetCheck, cset: ValueSetComposeInclude): boolean {
  if (cset.concept === undefined && cset.filter === undefined) return inWholeSystem(k);
  const listed = inConceptList(k, cset.concept ?? []);
  if (listed !== undefined) return listed;
  if (cset.filter !== undefined) return inFilters(k, cset.filter);
  return false;
}
