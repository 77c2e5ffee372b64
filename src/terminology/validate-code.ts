/**
 * Code validation against a value set (ValueSet/$validate-code) or a code system (CodeSystem/$validate-code,
 * through an implicit all-codes value set): membership, unknown systems and versions, version mismatches,
 * display checking (languages, whitespace), inactive / deprecated / abstract codes, case-insensitive
 * systems, fragments, and the result Parameters (result, message, issues …) with the reference server's
 * wording.
 *
 * This file prepares a value set (its imports and filters) and answers; the checks live beside it:
 * `validate-code-codeable` (a CodeableConcept, coding by coding), `validate-code-coding` (one code against
 * the includes and excludes), `validate-code-concepts` (one include), `validate-code-versions`,
 * `validate-code-displays`, `validate-code-issues` and `validate-code-result` (the output Parameters).
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 * @see https://hl7.org/fhir/R4/codesystem-operation-validate-code.html
 */
import type { CodeableConcept, Parameters, ParametersParameter, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { splitCanonical } from '../fhir/canonical.ts';
import { IssueList } from './issues.ts';
import type { TxIssue } from './issues.ts';
import type { CodeSystemProvider } from './provider.ts';
import { RegexSyntaxError } from '../lib/regex.ts';
import { checkCodeableConcept } from './validate-code-codeable.ts';
import { msg, notEvaluable, type ValidationMode } from './validate-code-result.ts';
import { findProvider, type CheckScope } from './validate-code-scope.ts';
import { checkNotCircular, filterNotUnderstoodError, filterOp, filterWithoutValueError, findImportedValueSet, noteRequiredSupplements, vurl } from './valueset-definition.ts';

/**
 * An issue raised while preparing the check, answered as a Parameters with result = false.
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

/** The key an imported value set is prepared under: its url and the version to use (version rules applied). */
function importKey(ctx: TxContext, reference: string): { url: string; version: string | undefined; key: string } {
  const { url, version } = splitCanonical(reference);
  const v = ctx.determineVersion(url, version, true);
  return { url, version: v, key: v !== undefined ? `${url}|${v}` : url };
}

/**
 * Checks the filters of an include or exclude (`path` is its FHIRPath) that the code system must
 * understand: 400 for a filter without a value or one it does not support. Subsumption filters on the
 * concept are always understood; a bad regex is reported when the code is checked.
 */
function checkFilters(vs: ValueSet, path: string, cc: ValueSetComposeInclude, provider: CodeSystemProvider): void {
  (cc.filter ?? []).forEach((f, i) => {
    const op = filterOp(f);
    if (f.value === undefined || f.value === '') throw filterWithoutValueError(`${path}.filter[${i}]`, provider.url, f.property, op);
    if ((f.property === 'concept' || f.property === 'code') && (op === 'is-a' || op === 'descendent-of')) return;
    let ok = true;
    try {
      ok = provider.filter(f.property, op, f.value) !== undefined;
    } catch (e) {
      if (!(e instanceof RegexSyntaxError)) throw e;
    }
    if (!ok) throw filterNotUnderstoodError(`${path}.filter[${i}]`, { property: f.property, op, value: f.value }, vs, provider.url);
  });
}

/**
 * A value set being checked, with the checkers of the value sets it imports.
 */
export class ValueSetChecker implements CheckScope {
  readonly ctx: TxContext;
  readonly vs: ValueSet;
  readonly internallyDefined: boolean;
  private readonly others = new Map<string, ValueSetChecker>();
  private readonly stack: readonly string[];

  constructor(ctx: TxContext, vs: ValueSet, options: { internallyDefined?: boolean; stack?: readonly string[] } = {}) {
    this.ctx = ctx;
    this.vs = vs;
    this.internallyDefined = options.internallyDefined ?? false;
    this.stack = options.stack ?? [];
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
      for (const u of cc.valueSet ?? []) this.prepareImport(u, canonical);
      if (cc.system === undefined) continue;
      const provider = findProvider(this.ctx, cc.system, this.ctx.determineVersion(cc.system, cc.version));
      if (provider !== undefined) checkFilters(this.vs, `ValueSet.compose.${desc}`, cc, provider);
    }
  }

  /** Prepares the checker of an imported value set (once per url and version). */
  private prepareImport(reference: string, canonical: string): void {
    const { url, version, key } = importKey(this.ctx, reference);
    if (this.others.has(key)) return;
    const other = findImportedValueSet(this.ctx, this.vs, reference, url, version);
    if (other === undefined) {
      throw new PrepareIssue({ severity: 'error', code: 'not-found', messageId: 'Unable_to_resolve_value_Set_', txCode: 'not-found', text: msg('Unable_to_resolve_value_Set_', key) });
    }
    const checker = new ValueSetChecker(this.ctx, other, { stack: [...this.stack, canonical] });
    checker.prepare();
    this.others.set(key, checker);
  }

  /** The prepared checker of an imported value set; 422 when it was not prepared. */
  imported(reference: string): ValueSetChecker {
    const { key } = importKey(this.ctx, reference);
    const checker = this.others.get(key);
    if (checker === undefined) throw notEvaluable(this.vs, 'value set', key);
    return checker;
  }

  /**
   * Validates a CodeableConcept (a code or Coding is a CodeableConcept with one coding).
   */
  checkCodeableConcept(issuePath: string, cc: CodeableConcept, mode: ValidationMode): Parameters {
    return checkCodeableConcept(this, issuePath, cc, mode);
  }
}

/**
 * The implicit value set of a code system (for CodeSystem/$validate-code).
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
