/**
 * Which version of a code system a code is checked against: the version an include names (version rules
 * applied) against the version the coding gives, the mismatches between them, the latest applicable
 * version when includes name several, and check-system-version rules.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/
 */
import type { ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import type { IssueList } from './issues.ts';
import type { MessageId } from './messages.ts';
import { compareVersions, presentVersionList, versionIsMoreDetailed, versionMatches } from '../fhir/versions.ts';
import { addToPath, msg, type State } from './validate-code-result.ts';
import { findProvider } from './validate-code-scope.ts';

/** Adds a VALUESET_VERSION_CHECK error when a check-system-version rule rejects the version found. */
export function checkVersionRules(ctx: TxContext, op: IssueList, system: string, version: string | undefined): void {
  for (const r of ctx.params.rulesFor(system)) {
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

/** The versions an include and a coding name, for one system at one path. */
interface VersionsAsked {
  readonly path: string;
  readonly system: string;
  /** The version the include names. */
  readonly versionVS: string | undefined;
  /** The version the coding gives (not empty). */
  readonly versionCoding: string;
}

/** The version chosen from the include's (rules applied) and the coding's: the coding's when it is more detailed or the only known one. */
function chooseVersion(ctx: TxContext, asked: VersionsAsked): string | undefined {
  const { system, versionVS, versionCoding } = asked;
  const anyCs = ctx.findCodeSystem(system, undefined, ['complete', 'fragment']);
  let result = ctx.determineVersion(system, versionVS);
  if (result !== undefined && anyCs !== undefined && versionCoding !== result && versionIsMoreDetailed(result, versionCoding)) {
    result = versionCoding;
  }
  if (result === undefined) {
    const vl = ctx.listVersions(system);
    if (vl.some((v) => v === versionCoding || versionIsMoreDetailed(versionCoding, v))) result = versionCoding;
  }
  return result;
}

/** Reports a coding version that the version found does not match (and an unknown coding version). */
function reportMismatch(ctx: TxContext, asked: VersionsAsked, result: string | undefined, foundVersion: string | undefined, op: IssueList, st: State): void {
  const { path, system, versionVS, versionCoding } = asked;
  let severity: 'error' | 'warning' = 'error';
  let id: MessageId;
  let text: string;
  if (result === undefined) {
    severity = 'warning';
    id = 'VALUESET_VALUE_MISMATCH_DEFAULT';
    text = msg(id, system, foundVersion, versionVS, versionCoding);
  } else if (result !== versionVS) {
    id = 'VALUESET_VALUE_MISMATCH_CHANGED';
    text = msg(id, system, result, versionVS ?? '', versionCoding);
  } else {
    id = 'VALUESET_VALUE_MISMATCH';
    text = msg(id, system, versionVS, versionCoding);
  }
  op.add({ severity, code: 'invalid', messageId: id, txCode: 'vs-invalid', path: addToPath(path, 'version'), text });
  if (severity === 'error') st.messages.push(text);
  if (findProvider(ctx, system, versionCoding) === undefined) {
    const vl = ctx.listVersions(system);
    st.unknownSystems.add(`${system}|${versionCoding}`);
    const t = msg('UNKNOWN_CODESYSTEM_VERSION', system, versionCoding, presentVersionList(vl));
    op.add({ severity: 'error', code: 'not-found', messageId: 'UNKNOWN_CODESYSTEM_VERSION', txCode: 'not-found', path: addToPath(path, 'system'), text: t });
    st.messages.push(t);
  }
}

/** The version to use for an include, reporting mismatches with the version in the value. */
export function includeVersion(ctx: TxContext, path: string, system: string, versionVS: string | undefined, versionCoding: string | undefined, op: IssueList, st: State): string | undefined {
  if (versionCoding === undefined || versionCoding === '') return ctx.determineVersion(system, versionVS);
  const asked: VersionsAsked = { path, system, versionVS, versionCoding };
  const result = chooseVersion(ctx, asked);
  const cs = findProvider(ctx, system, result);
  if (cs !== undefined && cs.version !== versionCoding && !versionIsMoreDetailed(versionCoding, cs.version ?? '')) {
    reportMismatch(ctx, asked, result, cs.version, op, st);
  } else if (cs === undefined && result !== versionCoding) {
    const t = msg('VALUESET_VALUE_MISMATCH', system, result, versionCoding);
    op.add({ severity: 'error', code: 'invalid', messageId: 'VALUESET_VALUE_MISMATCH', txCode: 'vs-invalid', path: addToPath(path, 'version'), text: t });
    st.messages.push(t);
  }
  return result;
}

/** Chooses among several versions of a system in the includes: the latest one where the code is valid. */
export function pickApplicableVersion(ctx: TxContext, versions: Set<string>, system: string, code: string, display: string | undefined): string | undefined {
  const found: string[] = [];
  for (const v of versions) {
    const cs = findProvider(ctx, system, v);
    if (cs === undefined) continue;
    const c = cs.locate(code);
    if (c < 0) continue;
    if (display === undefined || cs.display(c) === display || cs.designations(c).some((d) => d.value === display)) found.push(v);
  }
  if (found.length === versions.size) return undefined;
  const sorted = (found.length > 0 ? found : [...versions]).sort((a, b) => -compareVersions(a, b));
  return sorted[0];
}

/** Whether an include applies to a coding's version: it names that version, or no include does. */
export function useThisVersion(vs: ValueSet, cc: ValueSetComposeInclude, version: string | undefined): boolean {
  if (version === undefined || version === '' || cc.version === version) return true;
  return !(vs.compose?.include ?? []).some((includeRule) => includeRule.version === version);
}

/** The latest version the value set's includes name for a system. */
export function vsVersionForSystem(vs: ValueSet, system: string | undefined): string | undefined {
  let best: string | undefined;
  for (const includeRule of vs.compose?.include ?? []) {
    if (includeRule.system === system && includeRule.version !== undefined) {
      if (best === undefined || compareVersions(includeRule.version, best) > 0) best = includeRule.version;
    }
  }
  return best;
}
