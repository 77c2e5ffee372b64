/**
 * Checking one code (system, version, code) against a value set: the system given or inferred, the
 * includes tried in order (the applicable version of each, its code system, its concept set, the value
 * sets it imports), then the excludes; or, for a value set given only as an expansion, its entries.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { ValueSetCompose, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { DisplayList } from './designations.ts';
import { ValueSetExpander } from './expand.ts';
import type { IssueList } from './issues.ts';
import type { MessageId } from './messages.ts';
import { checkConceptSet, noteInactive } from './validate-code-concepts.ts';
import { abstractCodeIssue, checkCanonicalStatus, checkSupplementsUsed, unknownCodeText, unknownSystemIssue } from './validate-code-issues.ts';
import { addToPath, msg, notEvaluable, type State } from './validate-code-result.ts';
import { findProvider, valueSetName, type CheckScope } from './validate-code-scope.ts';
import { checkVersionRules, includeVersion, pickApplicableVersion, useThisVersion } from './validate-code-versions.ts';
import { latestVersionFirst } from './valueset-definition.ts';

/**
 * One code to check, and where its findings go.
 */
export interface CodeCheck {
  readonly path: string;
  readonly system: string | undefined;
  readonly version: string | undefined;
  readonly code: string;
  readonly display: string | undefined;
  /** Collects the designations of the code found, for the display checks. */
  readonly displays: DisplayList | undefined;
  readonly op: IssueList;
  readonly st: State;
}

/** A CodeCheck whose system is known. */
type SystemCheck = CodeCheck & { readonly system: string };

type ExpansionEntry = { system?: string; code?: string; version?: string; contains?: unknown[] };

function findInExpansion(list: readonly ExpansionEntry[] | undefined, system: string, code: string): { version?: string } | undefined {
  for (const c of list ?? []) {
    if (c.system === system && c.code === code) return c;
    const inner = findInExpansion(c.contains as ExpansionEntry[] | undefined, system, code);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/**
 * The one system of the includes where the code is found without expanding: '' when none or several,
 * undefined when an expansion must tell (two systems, one of them by filter).
 */
function systemFromIncludes(scope: CheckScope, compose: ValueSetCompose | undefined, code: string, systems: Set<string>): string | undefined {
  let result = '';
  let needExpansion = false;
  for (const includeRule of compose?.include ?? []) {
    const cs = findProvider(scope.ctx, includeRule.system as string, undefined);
    if (cs === undefined) return '';
    const found = includeRule.concept !== undefined ? includeRule.concept.some((c) => c.code === code) : cs.locate(code) >= 0;
    if (!found) continue;
    systems.add(includeRule.system as string);
    if (result === '') result = includeRule.system as string;
    else if (result !== includeRule.system) {
      if (includeRule.filter !== undefined) needExpansion = true;
      else return '';
    }
  }
  return needExpansion ? undefined : result;
}

/** The system a code given without one belongs to (inferSystem): '' when none or several; `systems` gets the candidates. */
function determineSystem(scope: CheckScope, code: string, systems: Set<string>): string {
  const compose = scope.vs.compose;
  const rules = [...(compose?.include ?? []), ...(compose?.exclude ?? [])];
  const needExpansion = rules.some((r) => r.valueSet !== undefined || r.system === undefined) || (compose?.exclude ?? []).some((e) => e.filter !== undefined);
  if (!needExpansion) {
    const found = systemFromIncludes(scope, compose, code, systems);
    if (found !== undefined) return found;
  }
  const expanded = new ValueSetExpander(scope.ctx, { limit: 10_000 }).expand(scope.vs);
  let result = '';
  const walk = (list: readonly ExpansionEntry[] | undefined): boolean => {
    for (const c of list ?? []) {
      if (c.code === code && c.system !== undefined) {
        systems.add(c.system);
        if (result === '') result = c.system;
        else if (result !== c.system) return false;
      }
      if (!walk(c.contains as ExpansionEntry[] | undefined)) return false;
    }
    return true;
  };
  return walk(expanded.expansion?.contains) ? result : '';
}

/** The system of a code given without one; undefined (with the issue reported) when it cannot be told. */
function inferSystem(scope: CheckScope, k: CodeCheck): string | undefined {
  const systems = new Set<string>();
  const system = determineSystem(scope, k.code, systems);
  if (system !== '') {
    k.st.impliedSystem = system;
    return system;
  }
  const multiple = systems.size > 1;
  const id: MessageId = multiple ? 'Unable_to_resolve_system__value_set_has_multiple_matches' : 'UNABLE_TO_INFER_CODESYSTEM';
  const t = multiple ? msg(id, k.code, valueSetName(scope.vs), `[${[...systems].sort().join(', ')}]`) : msg(id, k.code, valueSetName(scope.vs));
  k.st.messages.push(t);
  k.op.add({ severity: 'error', code: 'not-found', messageId: id, txCode: 'cannot-infer', path: 'code', text: t });
  return undefined;
}

/** One include whose system is the code's: its version, code system and concept set; undefined when that code system is unknown. */
function inInclude(scope: CheckScope, k: SystemCheck, cc: ValueSetComposeInclude & { system: string }): boolean | undefined {
  const { ctx, vs } = scope;
  const { op, st } = k;
  const v = includeVersion(ctx, k.path, cc.system, cc.version, k.version, op, st);
  const cs = findProvider(ctx, k.system, v);
  if (cs === undefined) {
    if (!ctx.params.membershipOnly) st.messages.push(unknownSystemIssue(ctx, op, k.path, k.system, v, st));
    return undefined;
  }
  checkVersionRules(ctx, op, k.system, cs.version);
  st.defLang = cs.language ?? 'en';
  checkCanonicalStatus(op, 'CodeSystem', cs, vs);
  st.contentMode = cs.content;
  const inSet = cs.url === k.system && checkConceptSet({ params: ctx.params, vs, path: k.path, role: 'in', cs, code: k.code, displays: k.displays, op, st }, cc);
  if (inSet) st.ver = cs.version;
  return inSet;
}

/** Tries the includes in order (latest version first); true at the first that has the code. */
function inIncludes(scope: CheckScope, k: SystemCheck, compose: ValueSetCompose): boolean | undefined {
  let result: boolean | undefined = false;
  let determinedVersion: string | undefined;
  if (k.version === undefined || k.version === '') {
    const vset = new Set((compose.include ?? []).filter((includeRule) => includeRule.system === k.system && includeRule.version !== undefined).map((includeRule) => includeRule.version as string));
    if (vset.size > 1) determinedVersion = pickApplicableVersion(scope.ctx, vset, k.system, k.code, k.display);
  }
  for (const cc of latestVersionFirst(compose.include)) {
    scope.ctx.checkDeadline(valueSetName(scope.vs));
    if (cc.system === undefined) {
      result = true;
    } else if (cc.system === k.system && (determinedVersion === undefined || cc.version === determinedVersion) && useThisVersion(scope.vs, cc, k.version)) {
      result = inInclude(scope, k, cc as ValueSetComposeInclude & { system: string });
      // An unknown code system ends the check: unknown, or simply not a member when only membership is asked.
      if (result === undefined) return scope.ctx.params.membershipOnly ? false : undefined;
    } else {
      result = false;
    }
    for (const u of cc.valueSet ?? []) {
      const imported = scope.imported(u);
      checkCanonicalStatus(k.op, 'ValueSet', imported.vs, scope.vs);
      if (result === true) result = checkCode(imported, k);
    }
    if (result === true) break;
  }
  return result;
}

/** True when an exclude removes the code (its concept set and every value set it imports have it). */
function inExclude(scope: CheckScope, k: SystemCheck, cc: ValueSetComposeInclude): boolean {
  let excluded: boolean;
  if (cc.system === undefined) {
    excluded = true;
  } else {
    const cs = findProvider(scope.ctx, cc.system, cc.version);
    if (cs === undefined) throw notEvaluable(scope.vs, 'code system', `${cc.system}|${cc.version ?? ''}`);
    checkCanonicalStatus(k.op, 'CodeSystem', cs, scope.vs);
    k.st.contentMode = cs.content;
    excluded = cs.url === k.system && checkConceptSet({ params: scope.ctx.params, vs: scope.vs, path: k.path, role: 'not in', cs, code: k.code, displays: k.displays, op: k.op, st: k.st }, cc);
  }
  for (const u of cc.valueSet ?? []) {
    const imported = scope.imported(u);
    checkCanonicalStatus(k.op, 'ValueSet', imported.vs, scope.vs);
    excluded = excluded && checkCode(imported, k) === true;
  }
  return excluded;
}

/** A value set given only as an expansion: the code is among its entries and valid in its code system. */
function inExpansion(scope: CheckScope, k: SystemCheck): boolean | undefined {
  const { ctx } = scope;
  const { path, code, op, st } = k;
  const found = findInExpansion(scope.vs.expansion?.contains, k.system, code);
  if (found === undefined) return false;
  const cs = findProvider(ctx, k.system, found.version ?? k.version);
  if (cs === undefined) {
    if (ctx.params.membershipOnly) return false;
    st.messages.push(unknownSystemIssue(ctx, op, path, k.system, found.version ?? k.version, st));
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
  if (!ctx.params.abstractOk && cs.isAbstract(c)) {
    op.add(abstractCodeIssue(path, cs, code));
    return false;
  }
  noteInactive(st, cs, c, path, code);
  k.displays?.add(...cs.designations(c));
  if (k.displays !== undefined) k.displays.baseLanguage = cs.language;
  return true;
}

/**
 * Checks one code against a value set: true / false, or undefined when its system is unknown.
 */
export function checkCode(scope: CheckScope, k: CodeCheck): boolean | undefined {
  const { ctx, vs } = scope;
  k.st.defLang = 'en';
  let system = k.system;
  if ((system === undefined || system === '') && !ctx.params.inferSystem) {
    const t = msg('Coding_has_no_system__cannot_validate');
    k.st.messages.push(t);
    k.op.add({ severity: 'warning', code: 'invalid', messageId: 'Coding_has_no_system__cannot_validate', txCode: 'invalid-data', path: k.path, text: t });
    return false;
  }
  if (system === undefined || system === '') {
    system = inferSystem(scope, k);
    if (system === undefined) return false;
  }
  checkSupplementsUsed(ctx);
  const withSystem: SystemCheck = { ...k, system };
  const compose = vs.compose;
  if (compose !== undefined) {
    const result = inIncludes(scope, withSystem, compose);
    if (result !== true) return result;
    for (const cc of compose.exclude ?? []) if (inExclude(scope, withSystem, cc)) return false;
    return true;
  }
  if (vs.expansion !== undefined) return inExpansion(scope, withSystem);
  return false;
}
