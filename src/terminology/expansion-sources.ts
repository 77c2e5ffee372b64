/**
 * Resolving what a value set's compose draws on before any code is collected: the code system of each
 * include and exclude (version rules applied, unknown systems and versions reported), the imported value
 * sets, the filters, fragments (the expansion is then not closed) and whether codes of several versions of
 * one system are told apart.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://hl7.org/fhir/R4/valueset.html#compose
 */
import type { ValueSet, ValueSetCompose, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import type { ExpansionRun } from './expansion-run.ts';
import { tooCostly } from './expansion-paging.ts';
import { txError } from './issues.ts';
import { formatMessage } from './messages.ts';
import type { TxParams, VersionRule } from './params.ts';
import type { CodeSystemProvider, ConceptFilter } from './provider.ts';
import { RegexSyntaxError } from '../lib/regex.ts';
import { splitCanonical } from '../fhir/canonical.ts';
import { presentVersionList, versionMatches } from '../fhir/versions.ts';
import { filterNotUnderstoodError, filterOp, filterWithoutValueError, findImportedValueSet, vurl } from './valueset-definition.ts';

/** The rule mode and resolving context a lookup needs. */
type Resolving = Pick<ExpansionRun, 'ctx' | 'usedRules'>;

/** Throws when the code system of an include is not known (UNKNOWN_CODESYSTEM_EXP, or the version variants). */
function unknownCodeSystem(ctx: TxContext, system: string, version: string | undefined): Error {
  if (version === undefined) {
    return txError(422, { severity: 'error', code: 'not-found', messageId: 'UNKNOWN_CODESYSTEM_EXP', txCode: 'not-found', text: formatMessage('UNKNOWN_CODESYSTEM_EXP', [system]) });
  }
  const versions = ctx.listVersions(system);
  const id = versions.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_EXP_NONE' : 'UNKNOWN_CODESYSTEM_VERSION_EXP';
  return txError(422, { severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', text: formatMessage(id, [system, version, presentVersionList(versions)]) });
}

/** Applies check-system-version rules to the code system version found. */
function checkVersionRule(ctx: TxContext, system: string, provider: CodeSystemProvider): void {
  for (const r of ctx.params.rulesFor(system)) {
    if (r.mode !== 'check') continue;
    if (provider.version === undefined || !versionMatches(r.version, provider.version)) {
      throw txError(400, {
        severity: 'error',
        code: 'exception',
        messageId: 'VALUESET_VERSION_CHECK',
        txCode: 'version-error',
        text: formatMessage('VALUESET_VERSION_CHECK', [system, provider.version ?? '', r.version]),
      });
    }
  }
}

/** An include of a code system without content, or of a supplement, cannot be expanded. */
function checkExpandable(system: string, provider: CodeSystemProvider): void {
  const why = provider.content === 'not-present' ? 'has no content' : provider.content === 'supplement' ? 'defines a supplement' : undefined;
  if (why === undefined) return;
  throw txError(422, { severity: 'error', code: 'business-rule', txCode: 'invalid', text: `The code system definition for ${system} ${why}, so this expansion cannot be performed` });
}

/**
 * The code system of an include (or exclude), version rules applied; throws when it is unknown, or — for
 * an include — has no content or is a supplement.
 */
export function providerFor(run: Resolving, system: string, version: string | undefined, forExclude: boolean): CodeSystemProvider {
  const ctx = run.ctx;
  const resolved = ctx.determineVersion(system, version);
  const rule = ctx.ruleApplied(system, version);
  if (rule !== undefined) run.usedRules.add(rule);
  const cs = ctx.findCodeSystem(system, resolved, ['complete', 'fragment', 'example', 'not-present', 'supplement']);
  if (cs === undefined) throw unknownCodeSystem(ctx, system, resolved);
  const provider = ctx.provider(cs);
  checkVersionRule(ctx, system, provider);
  if (!forExclude) checkExpandable(system, provider);
  return provider;
}

/** An imported value set, version rules applied; throws VS_EXP_IMPORT_UNK… when it is not found. */
export function findImported(run: Resolving, reference: string, vs: ValueSet, exclude: boolean): ValueSet {
  const { url, version } = splitCanonical(reference);
  const v = run.ctx.determineVersion(url, version, true);
  const rule = run.ctx.ruleApplied(url, version, true);
  if (rule !== undefined) run.usedRules.add(rule);
  const found = findImportedValueSet(run.ctx, vs, reference, url, v);
  if (found === undefined) {
    const id = v !== undefined ? (exclude ? 'VS_EXP_IMPORT_UNK_PINNED_X' : 'VS_EXP_IMPORT_UNK_PINNED') : exclude ? 'VS_EXP_IMPORT_UNK_X' : 'VS_EXP_IMPORT_UNK';
    throw txError(422, { severity: 'error', code: 'not-found', messageId: id, txCode: 'not-found', text: formatMessage(id, [url, v]) });
  }
  return found;
}

/** Builds the filters of an include; throws for filters without a value, not understood or with a bad regex. */
export function filtersOf(includeRule: ValueSetComposeInclude, path: string, provider: CodeSystemProvider, vs: ValueSet): ConceptFilter[] {
  return (includeRule.filter ?? []).map((f, i) => {
    const op = filterOp(f);
    if (f.value === undefined || f.value === '') throw filterWithoutValueError(`${path}.filter[${i}]`, provider.url, f.property, op);
    let filter: ConceptFilter | undefined;
    try {
      filter = provider.filter(f.property, op, f.value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) {
        throw txError(400, { severity: 'error', code: 'invalid', messageId: 'INVALID_REGEX', txCode: 'vs-invalid', text: formatMessage('INVALID_REGEX', [f.value, e.message]) });
      }
      throw e;
    }
    if (filter === undefined) throw filterNotUnderstoodError(`${path}.filter[${i}]`, { property: f.property, op, value: f.value }, vs, provider.url);
    return filter;
  });
}

/**
 * Checks one include or exclude before codes are collected: its imports and code system resolve; a
 * fragment is noted (used-fragment, not closed); a whole large code system asked for without a page is
 * too costly.
 */
export function checkSource(run: ExpansionRun, includeRule: ValueSetComposeInclude, vs: ValueSet): void {
  for (const u of includeRule.valueSet ?? []) findImported(run, u, vs, false);
  if (includeRule.system === undefined) return;
  const provider = providerFor(run, includeRule.system, includeRule.version, false);
  if (provider.content === 'fragment') {
    run.parameters.uri('used-fragment', vurl({ url: provider.url, version: provider.version }));
    const reason = `This extension is based on a fragment of the code system ${includeRule.system}`;
    if (!run.unclosedReasons.includes(reason)) run.unclosedReasons.push(reason);
  }
  if (includeRule.concept === undefined && includeRule.filter === undefined && run.textFilter === undefined && includeRule.valueSet === undefined) {
    const { count, offset, limit, topLevel } = run.paging;
    const pagedWithin = count > 0 && count + Math.max(offset, 0) <= limit;
    if (topLevel && count !== 0 && provider.size > limit && !pagedWithin) throw tooCostly(vurl(vs), limit);
  }
}

/** How codes of one system in several versions are keyed. */
export interface Versioning {
  /** True when the compose names one system with different versions: codes are told apart by version. */
  readonly doingVersion: boolean;
  /** True when codes are matched across versions anyway. */
  readonly versionsMatch: boolean;
  /** True when that is so because the compose excludes other versions of the included system. */
  readonly excludeSpecialCase: boolean;
}

/** Whether the compose tells versions apart, and whether codes still match across them. */
export function versioningOf(compose: ValueSetCompose, params: TxParams): Versioning {
  const versions = new Map<string, string | undefined>();
  let doingVersion = false;
  for (const includeRule of [...(compose.include ?? []), ...(compose.exclude ?? [])]) {
    if (includeRule.system === undefined) continue;
    if (versions.has(includeRule.system) && versions.get(includeRule.system) !== includeRule.version) doingVersion = true;
    versions.set(includeRule.system, includeRule.version);
  }
  // Special case: excluding other versions of the included system matches codes across versions.
  const includeRules = compose.include ?? [];
  const excludeRules = compose.exclude ?? [];
  if (!params.seen.has('versionsMatch') && includeRules.length > 0 && excludeRules.length > 0) {
    const system = includeRules[0].system;
    const same = includeRules.every((i) => i.system === system && i.version !== undefined) && excludeRules.every((e) => e.system === system && e.version !== undefined);
    const overlap = includeRules.some((i) => excludeRules.some((e) => e.version === i.version));
    if (same && !overlap) return { doingVersion, versionsMatch: true, excludeSpecialCase: true };
  }
  return { doingVersion, versionsMatch: params.versionsMatch, excludeSpecialCase: false };
}

/** The version rules an expansion echoes: those applied, but not one naming the value set itself. */
export function usedRuleParameters(rules: readonly VersionRule[], used: ReadonlySet<VersionRule>, vs: ValueSet): { name: string; value: string }[] {
  return rules.filter((r) => used.has(r) && `${r.system}|${r.version}` !== vurl(vs)).map((r) => ({ name: r.parameter, value: `${r.system}|${r.version}` }));
}
