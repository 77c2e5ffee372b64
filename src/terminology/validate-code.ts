/**
 * Code validation against a value set (ValueSet/$validate-code) or a code system (CodeSystem/$validate-code,
 * through an implicit all-codes value set): membership, unknown systems and versions, version mismatches,
 * display checking (languages, whitespace), inactive / deprecated / abstract codes, case-insensitive
 * systems, fragments, and the result Parameters (result, message, issues …) with the reference server's
 * wording.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 * @see https://hl7.org/fhir/R4/codesystem-operation-validate-code.html
 */
import type { CodeableConcept, Coding, Extension, Parameters, ParametersParameter, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { splitCanonical } from '../fhir/canonical.ts';
import { DisplayCheck, DisplayList } from './designations.ts';
import { ValueSetExpander } from './expand.ts';
import { checkNotCircular, filterOp, noteRequiredSupplements, vurl } from './valueset-definition.ts';
import { IssueList, toFhirIssue } from './issues.ts';
import type { TxIssue } from './issues.ts';
import type { MessageId } from './messages.ts';
import type { CodeSystemProvider } from './provider.ts';
import { RegexSyntaxError } from '../lib/regex.ts';
import { compareVersions, presentVersionList, versionIsMoreDetailed, versionMatches } from '../fhir/versions.ts';
import { FhirError } from '../fhir/errors.ts';
import { addToPath, msg, notEvaluable, validationResult, type State } from './validate-code-result.ts';

const EXT_STANDARDS_STATUS = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status';
const EXT_VS_DEPRECATED = 'http://hl7.org/fhir/StructureDefinition/valueset-deprecated';

/**
 * How the value was given: a code (+system), a Coding or a CodeableConcept.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export type ValidationMode = 'code' | 'coding' | 'codeableConcept';

/**
 * An issue raised while preparing the check, answered as a Parameters with result = false.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export class PrepareIssue extends Error {
  readonly issue: TxIssue;
  readonly unknownSystem?: string;
  /** True when it must be answered as an OperationOutcome error with this status instead. */
  readonly asOutcomeStatus?: number;

  constructor(issue: TxIssue, options: { unknownSystem?: string; asOutcomeStatus?: number } = {}) {
    super(issue.text);
    this.name = 'PrepareIssue';
    this.issue = issue;
    this.unknownSystem = options.unknownSystem;
    this.asOutcomeStatus = options.asOutcomeStatus;
  }
}

/**
 * A value set being checked, with the checkers of the value sets it imports.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export class ValueSetChecker {
  private readonly ctx: TxContext;
  readonly vs: ValueSet;
  private readonly internallyDefined: boolean;
  private readonly others = new Map<string, ValueSetChecker>();
  private readonly stack: readonly string[];

  constructor(ctx: TxContext, vs: ValueSet, options: { internallyDefined?: boolean; stack?: readonly string[] } = {}) {
    this.ctx = ctx;
    this.vs = vs;
    this.internallyDefined = options.internallyDefined ?? false;
    this.stack = options.stack ?? [];
  }

  private get params(): TxContext['params'] {
    return this.ctx.params;
  }

  private get valueSetNameForMessages(): string {
    return this.vs.url === undefined ? '(unidentified)' : vurl(this.vs);
  }

  /** Resolves imports and checks filters (circularity, unknown value sets, filters without values). */
  prepare(): void {
    const canonical = vurl(this.vs);
    checkNotCircular(this.stack, canonical);
    if (this.stack.length === 0) this.ctx.params.seeValueSet(this.vs);
    noteRequiredSupplements(this.ctx, this.vs);
    const compose = this.vs.compose;
    if (compose === undefined) return;
    const sets: [string, ValueSetComposeInclude][] = [
      ...(compose.include ?? []).map((c, i): [string, ValueSetComposeInclude] => [`include[${i}]`, c]),
      ...(compose.exclude ?? []).map((c, i): [string, ValueSetComposeInclude] => [`exclude[${i}]`, c]),
    ];
    for (const [desc, cc] of sets) {
      for (const u of cc.valueSet ?? []) {
        const { url, version } = splitCanonical(u);
        const v = this.ctx.determineVersion(url, version, true);
        const key = v !== undefined ? `${url}|${v}` : url;
        if (this.others.has(key)) continue;
        const other = u.startsWith('#')
          ? (this.vs.contained?.find((c) => c.resourceType === 'ValueSet' && `#${c.id}` === u) as ValueSet | undefined)
          : this.ctx.findValueSet(url, v);
        if (other === undefined) {
          throw new PrepareIssue({
            severity: 'error',
            code: 'not-found',
            messageId: 'Unable_to_resolve_value_Set_',
            txCode: 'not-found',
            text: msg('Unable_to_resolve_value_Set_', key),
          });
        }
        const checker = new ValueSetChecker(this.ctx, other, { stack: [...this.stack, canonical] });
        checker.prepare();
        this.others.set(key, checker);
      }
      if (cc.system === undefined) continue;
      const v = this.ctx.determineVersion(cc.system, cc.version);
      const cs = this.ctx.findCodeSystem(cc.system, v, ['complete', 'fragment']);
      if (cs === undefined) continue;
      const provider = this.ctx.provider(cs);
      this.ctx.noteSupplementsOf(provider);
      (cc.filter ?? []).forEach((f, i) => {
        const op = filterOp(f);
        if (f.value === undefined || f.value === '') {
          throw new FhirError(400, {
            resourceType: 'OperationOutcome',
            issue: [
              toFhirIssue({
                severity: 'error',
                code: 'invalid',
                messageId: 'UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE',
                txCode: 'vs-invalid',
                path: `ValueSet.compose.${desc}.filter[${i}]`,
                text: msg('UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE', provider.url, f.property, op),
              }),
            ],
          });
        }
        if (!((f.property === 'concept' || f.property === 'code') && (op === 'is-a' || op === 'descendent-of'))) {
          let ok = true;
          try {
            ok = provider.filter(f.property, op, f.value) !== undefined;
          } catch (e) {
            if (!(e instanceof RegexSyntaxError)) throw e;
          }
          if (!ok) {
            throw new FhirError(400, {
              resourceType: 'OperationOutcome',
              issue: [
                toFhirIssue({
                  severity: 'error',
                  code: 'not-supported',
                  messageId: 'FILTER_NOT_UNDERSTOOD',
                  txCode: 'vs-invalid',
                  path: `ValueSet.compose.${desc}.filter[${i}]`,
                  text: msg('FILTER_NOT_UNDERSTOOD', f.property, op, f.value, this.vs.url, provider.url),
                }),
              ],
            });
          }
        }
      });
    }
  }

  /** Reports a reference to a deprecated / withdrawn / retired / experimental / draft resource. */
  private checkCanonicalStatus(
    op: IssueList,
    type: string,
    resource: { url?: string; version?: string; status?: string; experimental?: boolean; standardsStatus?: string; extension?: Extension[] },
    source: ValueSet | undefined,
  ): void {
    const standards = resource.standardsStatus ?? resource.extension?.find((e) => e.url === EXT_STANDARDS_STATUS)?.valueCode;
    const v = vurl(resource);
    const add = (id: MessageId): void => {
      op.add({ severity: 'information', code: 'business-rule', messageId: id, txCode: 'status-check', text: msg(id, v, '', type) });
    };
    if (standards === 'deprecated') add('MSG_DEPRECATED');
    else if (standards === 'withdrawn') add('MSG_WITHDRAWN');
    else if (resource.status === 'retired') add('MSG_RETIRED');
    else if (source !== undefined) {
      const srcStandards = source.extension?.find((e) => e.url === EXT_STANDARDS_STATUS)?.valueCode;
      if (resource.experimental === true && source.experimental !== true) add('MSG_EXPERIMENTAL');
      else if ((resource.status === 'draft' || standards === 'draft') && !(source.status === 'draft' || srcStandards === 'draft')) add('MSG_DRAFT');
    }
  }

  /** Adds a VALUESET_VERSION_CHECK error when a check-system-version rule rejects the version found. */
  private checkVersionRules(op: IssueList, system: string, version: string | undefined): void {
    for (const r of this.params.rulesFor(system)) {
      if (r.mode !== 'check') continue;
      if (version === undefined || !versionMatches(r.version, version)) {
        op.add({
          severity: 'error',
          code: 'exception',
          messageId: 'VALUESET_VERSION_CHECK',
          txCode: 'version-error',
          text: msg('VALUESET_VERSION_CHECK', system, version ?? '', r.version),
        });
      }
    }
  }

  private findProvider(system: string, version: string | undefined): CodeSystemProvider | undefined {
    const cs = this.ctx.findCodeSystem(system, version, ['complete', 'fragment']);
    if (cs === undefined) return undefined;
    const provider = this.ctx.provider(cs);
    this.ctx.noteSupplementsOf(provider);
    return provider;
  }

  /** The version to use for an include, reporting mismatches with the version in the value. */
  private determineVersion(path: string, system: string, versionVS: string | undefined, versionCoding: string | undefined, op: IssueList, st: State): string | undefined {
    const anyCs = this.ctx.findCodeSystem(system, undefined, ['complete', 'fragment']);
    let result = this.ctx.determineVersion(system, versionVS);
    if (versionCoding !== undefined && versionCoding !== '') {
      if (result !== undefined && anyCs !== undefined && versionCoding !== result && versionIsMoreDetailed(result, versionCoding)) {
        result = versionCoding;
      }
      if (result === undefined) {
        const vl = this.ctx.listVersions(system);
        if (vl.some((v) => v === versionCoding || versionIsMoreDetailed(versionCoding, v))) result = versionCoding;
      }
      const cs = this.findProvider(system, result);
      if (cs !== undefined && cs.version !== versionCoding && !versionIsMoreDetailed(versionCoding, cs.version ?? '')) {
        let severity: 'error' | 'warning' = 'error';
        let id: MessageId;
        let text: string;
        if (result === undefined) {
          severity = 'warning';
          id = 'VALUESET_VALUE_MISMATCH_DEFAULT';
          text = msg(id, system, cs.version, versionVS, versionCoding);
        } else if (result !== versionVS) {
          id = 'VALUESET_VALUE_MISMATCH_CHANGED';
          text = msg(id, system, result, versionVS ?? '', versionCoding);
        } else {
          id = 'VALUESET_VALUE_MISMATCH';
          text = msg(id, system, versionVS, versionCoding);
        }
        op.add({ severity, code: 'invalid', messageId: id, txCode: 'vs-invalid', path: addToPath(path, 'version'), text });
        if (severity === 'error') st.messages.push(text);
        if (this.findProvider(system, versionCoding) === undefined) {
          const vl = this.ctx.listVersions(system);
          st.unknownSystems.add(`${system}|${versionCoding}`);
          const t = msg('UNKNOWN_CODESYSTEM_VERSION', system, versionCoding, presentVersionList(vl));
          op.add({ severity: 'error', code: 'not-found', messageId: 'UNKNOWN_CODESYSTEM_VERSION', txCode: 'not-found', path: addToPath(path, 'system'), text: t });
          st.messages.push(t);
        }
      } else if (cs === undefined && result !== versionCoding) {
        const t = msg('VALUESET_VALUE_MISMATCH', system, result, versionCoding);
        op.add({ severity: 'error', code: 'invalid', messageId: 'VALUESET_VALUE_MISMATCH', txCode: 'vs-invalid', path: addToPath(path, 'version'), text: t });
        st.messages.push(t);
      }
    }
    return result;
  }

  /** Reports an unknown code system (or version) once per system. */
  private unknownSystemIssue(op: IssueList, path: string, system: string, version: string | undefined, st: State): string {
    let id: MessageId;
    let key: string;
    if (version === undefined || version === '') {
      id = 'UNKNOWN_CODESYSTEM';
      key = system;
    } else {
      const vl = this.ctx.listVersions(system);
      id = vl.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_NONE' : 'UNKNOWN_CODESYSTEM_VERSION';
      key = vl.length === 0 ? system : `${system}|${version}`;
    }
    const text = msg(id, system, version, presentVersionList(this.ctx.listVersions(system)));
    if (!st.unknownSystems.has(key)) {
      st.unknownSystems.add(key);
      op.add({ severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', path: addToPath(path, 'system'), text });
    }
    return text;
  }

  /** The systems a code could belong to (for inferSystem). */
  private determineSystem(code: string, systems: Set<string>): string {
    const compose = this.vs.compose;
    let needExpansion = false;
    for (const includeRule of [...(compose?.include ?? []), ...(compose?.exclude ?? [])]) {
      if (includeRule.valueSet !== undefined || includeRule.system === undefined) needExpansion = true;
    }
    if ((compose?.exclude ?? []).some((e) => e.filter !== undefined)) needExpansion = true;
    if (!needExpansion) {
      let result = '';
      for (const includeRule of compose?.include ?? []) {
        const cs = this.findProvider(includeRule.system as string, undefined);
        if (cs === undefined) return '';
        const found = includeRule.concept !== undefined ? includeRule.concept.some((c) => c.code === code) : cs.locate(code) >= 0;
        if (found) {
          systems.add(includeRule.system as string);
          if (result === '') result = includeRule.system as string;
          else if (result !== includeRule.system) {
            if (includeRule.filter !== undefined) needExpansion = true;
            else return '';
          }
        }
      }
      if (!needExpansion) return result;
    }
    const expanded = new ValueSetExpander(this.ctx, { limit: 10_000 }).expand(this.vs);
    let result = '';
    const walk = (list: readonly { system?: string; code?: string; contains?: unknown[] }[] | undefined): boolean => {
      for (const c of list ?? []) {
        if (c.code === code && c.system !== undefined) {
          systems.add(c.system);
          if (result === '') result = c.system;
          else if (result !== c.system) return false;
        }
        if (!walk(c.contains as { system?: string; code?: string; contains?: unknown[] }[] | undefined)) return false;
      }
      return true;
    };
    return walk(expanded.expansion?.contains) ? result : '';
  }

  /** Chooses among several versions of a system in the includes: the latest one where the code is valid. */
  private pickApplicableVersion(versions: Set<string>, system: string, code: string, display: string | undefined): string | undefined {
    const found: string[] = [];
    for (const v of versions) {
      const cs = this.findProvider(system, v);
      if (cs === undefined) continue;
      const c = cs.locate(code);
      if (c < 0) continue;
      if (display === undefined || cs.display(c) === display || cs.designations(c).some((d) => d.value === display)) found.push(v);
    }
    if (found.length === versions.size) return undefined;
    const sorted = (found.length > 0 ? found : [...versions]).sort((a, b) => -compareVersions(a, b));
    return sorted[0];
  }

  private useThisVersion(cc: ValueSetComposeInclude, version: string | undefined): boolean {
    if (version === undefined || version === '' || cc.version === version) return true;
    return !(this.vs.compose?.include ?? []).some((includeRule) => includeRule.version === version);
  }

  /** Checks one code against this value set; true / false, or undefined when its system is unknown. */
  check(path: string, systemIn: string | undefined, version: string | undefined, code: string, displays: DisplayList | undefined, op: IssueList, st: State, display: string | undefined): boolean | undefined {
    st.defLang = 'en';
    let system = systemIn;
    if ((system === undefined || system === '') && !this.params.inferSystem) {
      const t = msg('Coding_has_no_system__cannot_validate');
      st.messages.push(t);
      op.add({ severity: 'warning', code: 'invalid', messageId: 'Coding_has_no_system__cannot_validate', txCode: 'invalid-data', path, text: t });
      return false;
    }
    if (system === undefined || system === '') {
      const systems = new Set<string>();
      system = this.determineSystem(code, systems);
      if (system === '') {
        let t: string;
        let id: MessageId;
        if (systems.size > 1) {
          id = 'Unable_to_resolve_system__value_set_has_multiple_matches';
          t = msg(id, code, this.valueSetNameForMessages, `[${[...systems].sort().join(', ')}]`);
        } else {
          id = 'UNABLE_TO_INFER_CODESYSTEM';
          t = msg(id, code, this.valueSetNameForMessages);
        }
        st.messages.push(t);
        op.add({ severity: 'error', code: 'not-found', messageId: id, txCode: 'cannot-infer', path: 'code', text: t });
        return false;
      }
      st.impliedSystem = system;
    }
    this.checkSupplementsUsed();
    const compose = this.vs.compose;
    if (compose !== undefined) {
      let result: boolean | undefined = false;
      let determinedVersion: string | undefined;
      if (version === undefined || version === '') {
        const vset = new Set((compose.include ?? []).filter((includeRule) => includeRule.system === system && includeRule.version !== undefined).map((includeRule) => includeRule.version as string));
        if (vset.size > 1) determinedVersion = this.pickApplicableVersion(vset, system, code, display);
      }
      const includes = [...(compose.include ?? [])];
      includes.sort((a, b) => (a.system === b.system && a.version !== undefined && b.version !== undefined ? -compareVersions(a.version, b.version) : 0));
      for (const cc of includes) {
        this.ctx.checkDeadline(this.valueSetNameForMessages);
        if (cc.system === undefined) {
          result = true;
        } else if (cc.system === system && (determinedVersion === undefined || cc.version === determinedVersion) && this.useThisVersion(cc, version)) {
          const v = this.determineVersion(path, cc.system, cc.version, version, op, st);
          const cs = this.findProvider(system, v);
          if (cs === undefined) {
            if (!this.params.membershipOnly) {
              st.messages.push(this.unknownSystemIssue(op, path, system, v, st));
              return undefined;
            }
            return false;
          }
          this.checkVersionRules(op, system, cs.version);
          st.defLang = cs.language ?? 'en';
          this.checkCanonicalStatus(op, 'CodeSystem', cs, this.vs);
          st.contentMode = cs.content;
          if (cs.url === system && this.checkConceptSet(path, 'in', cs, cc, code, displays, op, st)) {
            st.ver = cs.version;
            result = true;
          } else {
            result = false;
          }
        } else {
          result = false;
        }
        for (const u of cc.valueSet ?? []) {
          const checker = this.importedChecker(u);
          this.checkCanonicalStatus(op, 'ValueSet', checker.vs, this.vs);
          if (result === true) result = checker.check(path, system, version, code, displays, op, st, display);
        }
        if (result === true) break;
      }
      if (result === true) {
        for (const cc of compose.exclude ?? []) {
          let excluded: boolean;
          if (cc.system === undefined) {
            excluded = true;
          } else {
            const cs = this.findProvider(cc.system, cc.version);
            if (cs === undefined) throw notEvaluable(this.vs, 'code system', `${cc.system}|${cc.version ?? ''}`);
            this.checkCanonicalStatus(op, 'CodeSystem', cs, this.vs);
            st.contentMode = cs.content;
            excluded = cs.url === system && this.checkConceptSet(path, 'not in', cs, cc, code, displays, op, st);
          }
          for (const u of cc.valueSet ?? []) {
            const checker = this.importedChecker(u);
            this.checkCanonicalStatus(op, 'ValueSet', checker.vs, this.vs);
            excluded = excluded && checker.check(path, system, version, code, displays, op, st, display) === true;
          }
          if (excluded) return false;
        }
      }
      return result;
    }
    if (this.vs.expansion !== undefined) {
      const found = findInExpansion(this.vs.expansion.contains, system, code);
      if (found === undefined) return false;
      const cs = this.findProvider(system, found.version ?? version);
      if (cs === undefined) {
        if (this.params.membershipOnly) return false;
        st.messages.push(this.unknownSystemIssue(op, path, system, found.version ?? version, st));
        return undefined;
      }
      st.defLang = cs.language ?? 'en';
      st.ver = cs.version;
      st.contentMode = cs.content;
      const c = cs.locate(code);
      if (c < 0) {
        op.add({ severity: 'error', code: 'code-invalid', messageId: 'Unknown_Code_in_Version', txCode: 'invalid-code', path: addToPath(path, 'code'), text: unknownCodeText(code, cs) });
        return false;
      }
      if (!this.params.abstractOk && cs.isAbstract(c)) {
        op.add({ severity: 'error', code: 'business-rule', messageId: 'ABSTRACT_CODE_NOT_ALLOWED', txCode: 'code-rule', path: addToPath(path, 'code'), text: msg('ABSTRACT_CODE_NOT_ALLOWED', cs.url, code) });
        return false;
      }
      this.noteInactive(st, cs, c, path, code);
      displays?.add(...cs.designations(c));
      if (displays !== undefined) displays.baseLanguage = cs.language;
      return true;
    }
    return false;
  }

  private checkSupplementsUsed(): void {
    const missing = this.ctx.missingSupplements();
    if (missing.length > 0) {
      throw new FhirError(422, {
        resourceType: 'OperationOutcome',
        issue: [
          toFhirIssue({
            severity: 'error',
            code: 'not-found',
            messageId: 'VALUESET_SUPPLEMENT_MISSING',
            txCode: 'not-found',
            text: msg(missing.length === 1 ? 'VALUESET_SUPPLEMENT_MISSING_one' : 'VALUESET_SUPPLEMENT_MISSING_other', String(missing.length), missing.join(',')),
          }),
        ],
      });
    }
  }

  private importedChecker(u: string): ValueSetChecker {
    const { url, version } = splitCanonical(u);
    const v = this.ctx.determineVersion(url, version, true);
    const key = v !== undefined ? `${url}|${v}` : url;
    const checker = this.others.get(key);
    if (checker === undefined) throw notEvaluable(this.vs, 'value set', key);
    return checker;
  }

  private noteInactive(st: State, cs: CodeSystemProvider, c: number, path: string, code: string): void {
    if (!st.inactive.value) {
      st.inactive = { value: cs.isInactive(c), path, code };
      st.vstatus = cs.conceptStatus(c);
    }
  }

  private excludeInactives(): boolean {
    return this.vs.compose?.inactive === false;
  }

  /** Whether a code is in one include/exclude (concepts, filters or the whole system). */
  private checkConceptSet(path: string, role: 'in' | 'not in', cs: CodeSystemProvider, cset: ValueSetComposeInclude, code: string, displays: DisplayList | undefined, op: IssueList, st: State): boolean {
    const p = this.params;
    if (cset.concept === undefined && cset.filter === undefined) {
      const c = cs.locate(code);
      if (c < 0) {
        if (!p.membershipOnly && role !== 'not in') {
          if (cs.content !== 'complete') {
            op.add({
              severity: 'warning',
              code: 'code-invalid',
              messageId: 'UNKNOWN_CODE_IN_FRAGMENT',
              txCode: 'invalid-code',
              path: addToPath(path, 'code'),
              text: msg('UNKNOWN_CODE_IN_FRAGMENT', code, cs.url, cs.version),
            });
            return true;
          }
          op.add({
            severity: 'error',
            code: 'code-invalid',
            messageId: cs.version !== undefined ? 'Unknown_Code_in_Version' : 'Unknown_Code_in',
            txCode: 'invalid-code',
            path: addToPath(path, 'code'),
            text: unknownCodeText(code, cs),
          });
        }
        return false;
      }
      const normal = cs.code(c);
      if (normal !== code) {
        this.addNormalisationIssue(op, path, code, normal, cs);
        st.normalForm = normal;
      }
      if (displays !== undefined) {
        displays.add(...cs.designations(c));
        displays.baseLanguage = cs.language;
      }
      if (!p.abstractOk && cs.isAbstract(c)) {
        if (!p.membershipOnly && role !== 'not in') {
          op.add({ severity: 'error', code: 'business-rule', messageId: 'ABSTRACT_CODE_NOT_ALLOWED', txCode: 'code-rule', path: addToPath(path, 'code'), text: msg('ABSTRACT_CODE_NOT_ALLOWED', cs.url, code) });
        }
        return false;
      }
      if ((this.excludeInactives() || p.activeOnly) && cs.isInactive(c)) {
        if (role !== 'not in') {
          const t = msg('STATUS_CODE_WARNING_CODE', 'not active', code);
          op.add({ severity: 'error', code: 'business-rule', messageId: 'STATUS_CODE_WARNING_CODE', txCode: 'code-rule', path: addToPath(path, 'code'), text: t });
          st.messages.push(t);
          if (!p.membershipOnly) {
            st.inactive = { value: true, path, code };
            st.vstatus = cs.conceptStatus(c);
          }
        }
        return false;
      }
      if (role !== 'not in') this.noteInactive(st, cs, c, path, code);
      return true;
    }
    for (const cc of cset.concept ?? []) {
      if (cc.code !== code) continue;
      const c = cs.locate(code);
      if (c < 0) continue;
      if (displays !== undefined) {
        displays.add(...cs.designations(c));
        displays.baseLanguage = cs.language;
        if (cc.display !== undefined) displays.add({ language: this.vs.language, value: cc.display.trim(), isDisplay: true });
        for (const d of cc.designation ?? []) displays.add({ language: d.language, use: d.use, value: d.value.trim() });
      }
      if (!p.abstractOk && cs.isAbstract(c)) {
        if (!p.membershipOnly) {
          op.add({ severity: 'error', code: 'business-rule', messageId: 'ABSTRACT_CODE_NOT_ALLOWED', txCode: 'code-rule', path: addToPath(path, 'code'), text: msg('ABSTRACT_CODE_NOT_ALLOWED', cs.url, code) });
        }
        continue;
      }
      if (this.excludeInactives() && cs.isInactive(c)) {
        if (!p.membershipOnly) {
          st.inactive = { value: true, path, code };
          st.vstatus = cs.conceptStatus(c);
        }
        return false;
      }
      const sstatus = cc.extension?.find((e) => e.url === EXT_STANDARDS_STATUS)?.valueCode;
      if (role !== 'not in') {
        if (sstatus === 'withdrawn' || sstatus === 'deprecated') {
          op.add({ severity: 'warning', code: 'business-rule', messageId: 'CONCEPT_DEPRECATED_IN_VALUESET', txCode: 'code-comment', path: addToPath(path, 'code'), text: msg('CONCEPT_DEPRECATED_IN_VALUESET', cs.url, code, sstatus, vurl(this.vs)) });
        } else if (cc.extension?.some((e) => e.url === EXT_VS_DEPRECATED)) {
          op.add({ severity: 'warning', code: 'business-rule', messageId: 'CONCEPT_DEPRECATED_IN_VALUESET', txCode: 'code-comment', path: addToPath(path, 'code'), text: msg('CONCEPT_DEPRECATED_IN_VALUESET', cs.url, code, 'deprecated', vurl(this.vs)) });
        }
        this.noteInactive(st, cs, c, path, code);
      }
      return true;
    }
    if (cset.filter !== undefined) {
      const c = cs.locate(code);
      if (c < 0) return false;
      for (const f of cset.filter) {
        const op2 = filterOp(f);
        let filter;
        try {
          filter = cs.filter(f.property, op2, f.value);
        } catch (e) {
          if (e instanceof RegexSyntaxError) return false;
          throw e;
        }
        if (filter === undefined || !filter.has(c)) return false;
      }
      if (displays !== undefined) {
        displays.add(...cs.designations(c));
        displays.baseLanguage = cs.language;
      }
      if (!p.abstractOk && cs.isAbstract(c)) {
        if (!p.membershipOnly) {
          op.add({ severity: 'error', code: 'business-rule', messageId: 'ABSTRACT_CODE_NOT_ALLOWED', txCode: 'code-rule', path: addToPath(path, 'code'), text: msg('ABSTRACT_CODE_NOT_ALLOWED', cs.url, code) });
        }
        return false;
      }
      if (this.excludeInactives() && cs.isInactive(c)) {
        if (!p.membershipOnly) {
          st.inactive = { value: true, path, code };
          st.vstatus = cs.conceptStatus(c);
        }
        return false;
      }
      if (role !== 'not in' && !st.inactive.value && cs.isInactive(c)) {
        st.inactive = { value: true, path, code };
        const s = cs.conceptStatus(c);
        if (s !== undefined) st.vstatus = s;
      }
      return true;
    }
    return false;
  }

  private addNormalisationIssue(op: IssueList, path: string, code: string, normal: string, cs: CodeSystemProvider): string {
    const caseOnly = normal.toLowerCase() === code.toLowerCase();
    const id: MessageId = caseOnly ? 'CODE_CASE_DIFFERENCE' : 'CODE_NOT_IN_NORMAL_FORM';
    const text = msg(id, code, normal, vurl({ url: cs.url, version: cs.version }));
    op.add({ severity: 'information', code: 'business-rule', messageId: id, txCode: 'code-rule', path: addToPath(path, 'code'), text });
    return text;
  }

  /** Display checks for a coding that is in the value set. */
  private checkDisplays(list: DisplayList, defLang: string, c: Coding, addMsg: (s: string) => void, op: IssueList, path: string): void {
    const p = this.params;
    const langs = p.workingLanguages();
    const display = c.display as string;
    const hd = list.hasDisplay(langs, undefined, display, false, DisplayCheck.CaseInsensitive);
    if (!hd.found) {
      const base: 'Display_Name_WS_for__should_be_one_of__instead_of' | 'Display_Name_for__should_be_one_of__instead_of' =
        hd.difference === 'normalised' ? 'Display_Name_WS_for__should_be_one_of__instead_of' : 'Display_Name_for__should_be_one_of__instead_of';
      let severity: 'error' | 'warning' | 'information' = p.displayWarning ? 'warning' : 'error';
      let dc = list.displayCount(langs, undefined, true);
      let mid: string = base;
      if (dc === 0) {
        severity = 'warning';
        dc = list.displayCount(langs, undefined, false);
      }
      let text: string;
      if (dc === 0) {
        const ds = list.preferredDisplay(undefined);
        if (ds === '') {
          mid = 'NO_VALID_DISPLAY_AT_ALL';
          text = msg('NO_VALID_DISPLAY_AT_ALL', display, c.system, c.code, p.langSummary());
        } else if (list.hasDisplay(langs, defLang, display, false, DisplayCheck.CaseInsensitive).found) {
          mid = 'NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK';
          text = msg('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK', display, c.system, c.code, p.langSummary(), ds);
          severity = 'information';
        } else {
          mid = 'NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR';
          text = msg('NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR', display, c.system, c.code, p.langSummary(), ds);
          severity = p.displayWarning ? 'warning' : 'error';
        }
      } else {
        const suffix = dc === 1 ? '_one' : '_other';
        text = msg(`${base}${suffix}` as MessageId, String(dc), c.system, c.code, list.present(langs, true), display, p.langSummary());
      }
      addMsg(text);
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

  /** Validates a CodeableConcept (a code or Coding is a CodeableConcept with one coding). */
  checkCodeableConcept(issuePath: string, cc: CodeableConcept, mode: ValidationMode): Parameters {
    const p = this.params;
    const op = new IssueList();
    let mt: string[] = [];
    const addMsg = (s: string | undefined, clear = false): void => {
      if (s === undefined || s === '') return;
      if (clear) mt = [];
      if (!mt.includes(s)) mt.push(s);
    };
    this.checkCanonicalStatus(op, 'ValueSet', this.vs, this.vs);
    const st: State = { unknownSystems: new Set(), inactive: { value: false }, cause: 'null', messages: mt, defLang: 'en' };
    let ok: boolean | undefined = false;
    let noCode = false;
    const matched = new Set<number>();
    let codelist = '';
    let psys: string | undefined;
    let pcode: string | undefined;
    let ppath: string | undefined;
    let pver: string | undefined;
    let pdisp: string | undefined;
    let tsys: string | undefined;
    let tcode: string | undefined;
    let tver: string | undefined;
    const ts: string[] = [];
    const result: ParametersParameter[] = [];
    const codings = cc.coding ?? [];
    for (let i = 0; i < codings.length; i++) {
      const c = codings[i];
      const path = issuePath === 'CodeableConcept' ? addToPath(issuePath, `coding[${i}]`) : issuePath;
      if (c.code === undefined || c.code === '') {
        if ((c.system === undefined || c.system === '') && !p.inferSystem) {
          const t = msg('Coding_has_no_system_or_code__cannot_validate');
          addMsg(t);
          op.add({ severity: 'warning', code: 'invalid', messageId: 'Coding_has_no_system_or_code__cannot_validate', txCode: 'invalid-data', path, text: t });
        } else {
          const t = c.system !== undefined ? `Coding has no code for system ${c.system} and cannot be validated` : 'Coding has no code and cannot be validated';
          addMsg(t);
          op.add({ severity: 'warning', code: 'invalid', txCode: 'invalid-data', path, text: t });
        }
        noCode = true;
        break;
      }
      const vsImpliedVersion = this.findVsVersionForSystem(c.system);
      const list = new DisplayList();
      st.ver = undefined;
      st.contentMode = undefined;
      const v = this.check(path, c.system, c.version, c.code, list, op, st, c.display);
      mt = st.messages;
      if (v === false) st.cause = 'code-invalid';
      if (v === true) matched.add(i);
      const ws = st.impliedSystem ?? c.system ?? '';
      if (tcode === undefined || v === true) {
        tsys = c.system;
        tcode = c.code;
        tver = c.version;
      }
      if (tver === undefined && st.ver !== undefined) tver = st.ver;
      let ccs = c.version === undefined ? `${ws}#${c.code}` : `${ws}|${c.version}#${c.code}`;
      if (c.display !== undefined) ccs = `${ccs} ('${c.display}')`;
      codelist = codelist === '' ? `'${ccs}'` : `${codelist}, '${ccs}'`;
      if (v === false && !this.internallyDefined && mode === 'codeableConcept') {
        const m = msg('None_of_the_provided_codes_are_in_the_value_set_one', '', this.valueSetNameForMessages, `'${ccs}'`);
        op.add({ severity: 'information', code: 'code-invalid', messageId: 'None_of_the_provided_codes_are_in_the_value_set_one', txCode: 'this-code-not-in-vs', path: `${issuePath}.coding[${i}].code`, text: m });
        if (st.cause === 'null') st.cause = 'unknown';
      }
      if (ok !== true && v !== false) ok = v;
      if (v === true) {
        if ((st.cause === 'not-found' && st.contentMode !== 'complete') || st.contentMode === 'example') {
          const m = `The system ${c.system} was found but did not contain enough information to properly validate the code "${c.code}" ("${c.display}") (mode = ${st.contentMode})`;
          addMsg(m);
          op.add({ severity: 'warning', code: 'not-found', txCode: 'vs-invalid', path, text: m });
        } else if (c.display !== undefined && list.designations.length > 0) {
          this.checkDisplays(list, st.defLang, c, addMsg, op, path);
        }
        if (pcode === undefined) {
          psys = c.system;
          pcode = c.code;
          ppath = path;
          if (st.ver !== undefined) pver = st.ver;
          const pd = list.preferredDisplay(p.workingLanguages());
          pdisp = pd !== '' ? pd : list.preferredDisplay(undefined) || undefined;
        }
      } else if (!p.membershipOnly && ws !== '') {
        if (!isAbsolute(ws)) {
          const m = msg('Terminology_TX_System_Relative');
          const sp = mode === 'coding' ? `${issuePath}.system` : mode === 'codeableConcept' ? `${issuePath}.coding[${i}].system` : issuePath;
          mt.push(m);
          op.add({ severity: 'error', code: 'invalid', messageId: 'Terminology_TX_System_Relative', txCode: 'invalid-data', path: sp, text: m });
        }
        const lookupVersion = c.version ?? vsImpliedVersion;
        const prov = this.findProvider(ws, lookupVersion);
        if (prov === undefined) {
          if (this.ctx.findValueSet(ws) !== undefined) {
            const m = msg('Terminology_TX_System_ValueSet2', ws);
            addMsg(m);
            op.add({ severity: 'error', code: 'invalid', messageId: 'Terminology_TX_System_ValueSet2', txCode: 'invalid-data', path: addToPath(path, 'system'), text: m });
            st.cause = 'invalid';
          } else if (this.ctx.findCodeSystem(ws, lookupVersion, ['supplement']) !== undefined) {
            const sup = this.ctx.findCodeSystem(ws, lookupVersion, ['supplement']);
            const m = msg('CODESYSTEM_CS_NO_SUPPLEMENT', vurl(sup ?? {}));
            addMsg(m);
            op.add({ severity: 'error', code: 'invalid', messageId: 'CODESYSTEM_CS_NO_SUPPLEMENT', txCode: 'invalid-data', path: addToPath(path, 'system'), text: m });
            st.cause = 'invalid';
          } else {
            const anyVersion = this.findProvider(ws, undefined);
            let m: string;
            if (anyVersion === undefined && lookupVersion === undefined) {
              // The reference server's wording of this case changed over time and the suite records both: the
              // quoted form when a code + system was checked against a value set whose own code systems are known,
              // the older unquoted form otherwise (a Coding, or a value set of unknown systems).
              const vsSystemsKnown = (this.vs.compose?.include ?? []).some((includeRule) => includeRule.system !== undefined && this.findProvider(includeRule.system, undefined) !== undefined);
              const quoted = !isAbsolute(ws) || st.unknownSystems.has(ws) || (mode === 'code' && vsSystemsKnown);
              m = quoted ? msg('UNKNOWN_CODESYSTEM', ws) : msg('UNKNOWN_CODESYSTEM_UNQUOTED', ws);
              if (!st.unknownSystems.has(ws)) {
                st.unknownSystems.add(ws);
                op.add({ severity: 'error', code: 'not-found', messageId: 'UNKNOWN_CODESYSTEM', txCode: 'not-found', path: addToPath(path, 'system'), text: m });
              }
            } else {
              const vl = this.ctx.listVersions(c.system ?? ws);
              const id: MessageId = vl.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_NONE' : 'UNKNOWN_CODESYSTEM_VERSION';
              const key = vl.length === 0 ? ws : `${ws}|${lookupVersion ?? ''}`;
              m = msg(id, ws, lookupVersion, presentVersionList(vl));
              if (!st.unknownSystems.has(key)) {
                st.unknownSystems.add(key);
                op.add({ severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', path: addToPath(path, 'system'), text: m });
              }
            }
            addMsg(m);
            st.cause = 'not-found';
          }
        } else {
          this.checkCanonicalStatus(op, 'CodeSystem', prov, this.vs);
          const ci = prov.locate(c.code);
          if (ci < 0) {
            const key = `${ws}|${prov.version ?? ''}#${c.code}`;
            if (!ts.includes(key)) {
              ts.push(key);
              if (prov.content === 'complete') {
                const m = unknownCodeText(c.code, prov);
                st.cause = 'code-invalid';
                addMsg(m);
                op.add({ severity: 'error', code: 'code-invalid', messageId: 'Unknown_Code_in_Version', txCode: 'invalid-code', path: addToPath(path, 'code'), text: m });
              } else {
                const m = msg('UNKNOWN_CODE_IN_FRAGMENT', c.code, ws, prov.version);
                st.cause = 'code-invalid';
                op.add({ severity: 'warning', code: 'code-invalid', messageId: 'UNKNOWN_CODE_IN_FRAGMENT', txCode: 'invalid-code', path: addToPath(path, 'code'), text: m });
              }
            }
          } else {
            list.add(...prov.designations(ci));
            list.baseLanguage = prov.language;
            if (!p.membershipOnly && !st.inactive.value && prov.isInactive(ci)) {
              st.inactive = { value: true, path, code: c.code };
              const s = prov.conceptStatus(ci);
              if (s !== undefined) st.vstatus = s;
            }
            const pd = list.preferredDisplay(p.workingLanguages());
            if (pd !== '') pdisp = pd;
            if (pdisp === undefined || pdisp === '') pdisp = list.preferredDisplay(undefined) || undefined;
            const defLang = prov.language ?? 'en';
            if (c.display !== undefined && list.designations.length > 0 && !list.hasDisplay(p.workingLanguages(), defLang, c.display, false, DisplayCheck.CaseInsensitive).found) {
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
              addMsg(m);
              op.add({ severity, code: 'invalid', messageId: base, txCode: 'invalid-display', path: addToPath(path, 'display'), text: m });
            }
            if (prov.version !== undefined && mode !== 'codeableConcept') result.push({ name: 'version', valueString: prov.version });
          }
        }
      }
    }

    if (issuePath === 'CodeableConcept' && matched.size > 0) {
      const notChecked = ['UNKNOWN_CODESYSTEM', 'UNKNOWN_CODESYSTEM_VERSION', 'UNKNOWN_CODESYSTEM_VERSION_NONE'];
      codings.forEach((c, j) => {
        if (matched.has(j)) return;
        const sysPath = `${issuePath}.coding[${j}].system`;
        for (const iss of [...op.items]) {
          if (iss.severity === 'error' && iss.messageId !== undefined && notChecked.includes(iss.messageId) && iss.path === sysPath) {
            const now = msg('UNKNOWN_CODESYSTEM_CODING_NOT_CHECKED', c.version !== undefined ? `${c.system}|${c.version}` : c.system);
            op.replace(iss, { ...iss, severity: 'warning', messageId: 'UNKNOWN_CODESYSTEM_CODING_NOT_CHECKED', text: now });
            mt = mt.filter((t) => t !== iss.text);
            addMsg(now);
          }
        }
      });
    }

    const noCodeSummary = noCode && (mode !== 'codeableConcept' || this.internallyDefined);
    if (ok === false && !noCodeSummary && (!this.internallyDefined || !op.hasErrors())) {
      let id: MessageId;
      let m: string;
      if (mode === 'codeableConcept') {
        id = 'TX_GENERAL_CC_ERROR_MESSAGE';
        m = msg(id, this.valueSetNameForMessages);
      } else {
        id = 'None_of_the_provided_codes_are_in_the_value_set_one';
        m = msg(id, '', this.valueSetNameForMessages, codelist);
      }
      let path: string | undefined;
      if (mode === 'codeableConcept') path = undefined;
      else if (issuePath === '') path = 'code';
      else if (issuePath !== 'CodeableConcept') path = `${issuePath}.code`;
      else path = codings.length === 1 ? `${issuePath}.coding[0].code` : issuePath;
      if (op.add({ severity: 'error', code: 'code-invalid', messageId: id, txCode: 'not-in-vs', path, text: m })) addMsg(m);
      if (st.cause === 'null') st.cause = 'unknown';
    }

    return validationResult({ ok, op, st, mode, issuePath, cc, messages: mt, result, psys, pcode, ppath, pver, pdisp, tsys, tcode, tver });
  }

  private findVsVersionForSystem(system: string | undefined): string | undefined {
    let best: string | undefined;
    for (const includeRule of this.vs.compose?.include ?? []) {
      if (includeRule.system === system && includeRule.version !== undefined) {
        if (best === undefined || compareVersions(includeRule.version, best) > 0) best = includeRule.version;
      }
    }
    return best;
  }
}

function isAbsolute(url: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url);
}

function unknownCodeText(code: string, cs: CodeSystemProvider): string {
  return cs.version !== undefined ? msg('Unknown_Code_in_Version', code, cs.url, cs.version) : msg('Unknown_Code_in', code, cs.url);
}

function findInExpansion(list: readonly { system?: string; code?: string; version?: string; contains?: unknown[] }[] | undefined, system: string, code: string): { version?: string } | undefined {
  for (const c of list ?? []) {
    if (c.system === system && c.code === code) return c;
    const inner = findInExpansion(c.contains as { system?: string; code?: string; contains?: unknown[] }[] | undefined, system, code);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/**
 * The implicit value set of a code system (for CodeSystem/$validate-code).
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export function valueSetForCodeSystem(cs: CodeSystemProvider): ValueSet {
  const include: ValueSetComposeInclude = { system: cs.url };
  if (cs.version !== undefined) include.version = cs.version;
  const vs: ValueSet = { resourceType: 'ValueSet', status: 'active', url: cs.valueSet ?? `${cs.url}/vs`, compose: { include: [include] } };
  if (cs.version !== undefined) vs.version = cs.version;
  return vs;
}

/**
 * The Parameters answer to a preparation issue (result = false, the issue, the coded value).
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export function prepareIssueResult(ctx: TxContext, e: PrepareIssue, coded: CodeableConcept | undefined, mode: ValidationMode | undefined): Parameters {
  const op = new IssueList();
  op.add(e.issue);
  const out: ParametersParameter[] = [
    { name: 'issues', resource: op.toOperationOutcome() },
    { name: 'result', valueBoolean: false },
    { name: 'message', valueString: e.issue.text },
  ];
  if (mode !== undefined && coded !== undefined) {
    if (mode === 'codeableConcept') {
      out.push({ name: 'codeableConcept', valueCodeableConcept: coded });
    } else {
      const c = coded.coding?.[0];
      if (c?.system !== undefined) out.push({ name: 'system', valueUri: c.system });
      if (c?.version !== undefined) out.push({ name: 'version', valueString: c.version });
      else if (c?.system !== undefined) {
        const cs = ctx.findCodeSystem(c.system, undefined);
        if (cs?.version !== undefined) out.push({ name: 'version', valueString: cs.version });
      }
      if (c?.code !== undefined) out.push({ name: 'code', valueCode: c.code });
    }
  }
  if (e.unknownSystem !== undefined) out.push({ name: 'x-caused-by-unknown-system', valueCanonical: e.unknownSystem });
  return { resourceType: 'Parameters', parameter: out };
}

/**
 * Validates a coded value against a value set; preparation issues become a result = false answer.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export function validateInValueSet(ctx: TxContext, vs: ValueSet, coded: CodeableConcept, mode: ValidationMode, options: { internallyDefined?: boolean } = {}): Parameters {
  const checker = new ValueSetChecker(ctx, vs, { internallyDefined: options.internallyDefined });
  const issuePath = mode === 'codeableConcept' ? 'CodeableConcept' : mode === 'coding' ? 'Coding' : '';
  try {
    checker.prepare();
  } catch (e) {
    if (e instanceof PrepareIssue) return prepareIssueResult(ctx, e, coded, mode);
    throw e;
  }
  return checker.checkCodeableConcept(issuePath, coded, mode);
}
