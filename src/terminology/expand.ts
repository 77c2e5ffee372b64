/**
 * ValueSet expansion: compose include/exclude (systems, concept lists, filters, imported value sets),
 * the text filter, activeOnly, excludeNested (hierarchical `contains`), designations, definitions and
 * properties, paging (count/offset) and the size and time limits.
 *
 * Codes are first collected as light records (provider + concept number); the `contains` entries are
 * built only for the page returned, so counting a large expansion is cheap. The steps live beside this
 * file: `expansion-sources` resolves what the compose draws on, `expansion-include` collects and excludes
 * codes into `expansion-codes`, `expansion-paging` decides the page and the total, `expansion-entries`
 * builds the entries and `expansion-parameters` the parameters echoed.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://hl7.org/fhir/R4/valueset.html#expansion
 */
import type { ValueSet, ValueSetCompose, ValueSetExpansion } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { CollectedCodes } from './expansion-codes.ts';
import { EntryBuilder, type CodeRecord, type Entry } from './expansion-entries.ts';
import { echoRequestParameters, ExpansionParameters, statusWarning } from './expansion-parameters.ts';
import { PAGE_FILLED, Paging } from './expansion-paging.ts';
import { expansionToR4 } from './expansion-r4.ts';
import { excludeCodes, includeCodes } from './expansion-include.ts';
import type { ExpansionRun, ImportedCodes } from './expansion-run.ts';
import { checkSource, findImported, usedRuleParameters, versioningOf } from './expansion-sources.ts';
import { supplementsMissingError } from './issues.ts';
import type { VersionRule } from './params.ts';
import { checkNotCircular, latestVersionFirst, noteRequiredSupplements, vurl } from './valueset-definition.ts';
import { randomUUID } from 'node:crypto';
import { fieldsOf } from '../lib/records.ts';

/**
 * Options of one expansion.
 */
export interface ExpandOptions {
  /** The canonicals of the value sets being expanded above this one (cycle detection). */
  readonly stack?: readonly string[];
  /** Limit for this (possibly imported) expansion. */
  readonly limit?: number;
  /** True for the value set the request names (echoes parameters, applies paging). */
  readonly topLevel?: boolean;
}

/** Elements of the value set an expansion never repeats. */
const DROPPED_ALWAYS: ReadonlySet<string> = new Set(['id', 'meta', 'text']);
/** … and those it leaves out unless `includeDefinition` is true. */
const DROPPED_WITHOUT_DEFINITION: ReadonlySet<string> = new Set([
  ...DROPPED_ALWAYS, 'purpose', 'compose', 'description', 'contact', 'copyright', 'publisher', 'extension', 'contained',
]);

let lastMs = -1;
let lastIso = '';

/** The current time as an ISO 8601 instant (formatted once per millisecond). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * The value set's elements but those an expansion leaves out, in order (copied, not deleted: an object
 * with deleted keys turns slow for the spread and serialisation that follow).
 */
function copyForExpansion(vs: ValueSet, includeDefinition: boolean): Record<string, unknown> {
  const dropped = includeDefinition ? DROPPED_ALWAYS : DROPPED_WITHOUT_DEFINITION;
  const result = {} as Record<string, unknown>;
  const source = fieldsOf(vs);
  for (const key of Object.keys(source)) if (!dropped.has(key)) result[key] = source[key];
  return result;
}

/** The entries of an imported expansion by `system~code`, at any depth. */
function entriesByCode(list: readonly Entry[] | undefined, into = new Map<string, Entry>()): Map<string, Entry> {
  for (const e of list ?? []) {
    into.set(`${e.system ?? ''}~${e.code ?? ''}`, e);
    entriesByCode(e.contains, into);
  }
  return into;
}

/**
 * The expansion engine for one value set.
 */
export class ValueSetExpander {
  private readonly ctx: TxContext;
  private readonly stack: readonly string[];
  private readonly limit: number;
  private readonly topLevel: boolean;
  /** excludeNested as the request gave it (read before the value set's own parameters are seen). */
  private readonly nestedAllowed: boolean;
  /** The state of the expansion `expand` runs (one per expander). */
  private run!: ExpansionRun;
  /** True once entries came from elsewhere (imported value sets, a stored expansion): their shape is not known. */
  private foreignEntries = false;

  constructor(ctx: TxContext, options: ExpandOptions = {}) {
    this.ctx = ctx;
    this.stack = options.stack ?? [];
    this.topLevel = options.topLevel ?? false;
    this.limit = options.limit ?? ctx.maxExpansionSize;
    this.nestedAllowed = !ctx.params.excludeNested;
  }

  /**
   * True when every entry of the last `expand` was built here: a fresh object, in R4 form except for R5
   * `property` elements, with `contains` last.
   */
  get ownsEntries(): boolean {
    return !this.foreignEntries;
  }

  /** Expands a value set; returns a new ValueSet with an expansion (R4 form). */
  expand(vs: ValueSet): ValueSet {
    const p = this.ctx.params;
    const canonical = vurl(vs);
    checkNotCircular(this.stack, canonical);
    if (this.topLevel) p.seeValueSet(vs);
    noteRequiredSupplements(this.ctx, vs);
    const run = this.startRun(vs);
    const result = copyForExpansion(vs, p.includeDefinition);
    if (vs.expansion !== undefined && vs.compose === undefined) {
      this.foreignEntries = true;
      return { ...result, expansion: vs.expansion } as ValueSet;
    }
    if (this.topLevel) this.startTopLevel(run);
    try {
      if (vs.compose !== undefined) this.collect(vs.compose);
    } catch (e) {
      if (e !== PAGE_FILLED) throw e;
      run.paging.totalOff = true;
    }
    const missing = this.ctx.missingSupplements();
    if (missing.length > 0 && this.topLevel) throw supplementsMissingError(missing);
    return { ...result, expansion: this.expansion(run) } as ValueSet;
  }

  private startRun(vs: ValueSet): ExpansionRun {
    const p = this.ctx.params;
    const paging = new Paging({ topLevel: this.topLevel, limit: this.limit, source: vurl(vs) });
    const codes = new CollectedCodes(paging, this.nestedAllowed);
    const run: ExpansionRun = {
      ctx: this.ctx,
      valueSet: vs,
      textFilter: p.filter !== undefined && p.filter.trim() !== '' ? p.filter : undefined,
      paging,
      codes,
      parameters: new ExpansionParameters(),
      entries: new EntryBuilder(this.ctx, () => ({ doingVersion: codes.doingVersion, valueSet: vs })),
      usedRules: new Set<VersionRule>(),
      unclosedReasons: [],
      expandImport: (reference, exclude) => this.expandImport(reference, exclude),
    };
    this.run = run;
    return run;
  }

  /** The value set the request names: paging, the parameters echoed, its own status. */
  private startTopLevel(run: ExpansionRun): void {
    const p = this.ctx.params;
    const vs = run.valueSet;
    if (p.offset > 0) run.codes.nestable = false;
    echoRequestParameters(run.parameters, p, run.textFilter);
    // The value set being expanded reports its own deprecation / withdrawal / retirement (not draft).
    statusWarning(run.parameters, vs, { ...vs, status: vs.status === 'retired' ? 'active' : vs.status, extension: undefined });
    if (p.offset > -1) run.parameters.int('offset', p.offset);
    if (p.count > -1) run.parameters.int('count', p.count);
    run.paging.start(p.count, p.offset);
  }

  /** Resolves the compose's sources, then records the exclusions and collects the includes. */
  private collect(compose: ValueSetCompose): void {
    const run = this.run;
    const versioning = versioningOf(compose, this.ctx.params);
    run.codes.doingVersion = versioning.doingVersion;
    run.codes.versionsMatch = versioning.versionsMatch;
    if (this.ctx.params.versionsMatch) run.parameters.bool('versionsMatch', true);
    for (const includeRule of compose.include ?? []) checkSource(run, includeRule, run.valueSet);
    for (const excludeRule of compose.exclude ?? []) {
      run.paging.hasExclusions = true;
      checkSource(run, excludeRule, run.valueSet);
    }
    if (versioning.excludeSpecialCase) run.parameters.bool('versionsMatch', true);
    const includeRules = compose.include ?? [];
    const excludeRules = compose.exclude ?? [];
    run.paging.light = this.topLevel && run.paging.count >= 0 && includeRules.length === 1 && excludeRules.length === 0 && includeRules[0].system !== undefined && includeRules[0].valueSet === undefined;
    for (const excludeRule of excludeRules) excludeCodes(run, excludeRule, versioning.excludeSpecialCase);
    const excludeInactive = compose.inactive === false;
    latestVersionFirst(compose.include).forEach((includeRule, i) => includeCodes(run, includeRule, `ValueSet.compose.include[${i}]`, excludeInactive));
  }

  /** The expansion element: identifier, timestamp, paging, total, parameters, properties and the page of entries. */
  private expansion(run: ExpansionRun): ValueSetExpansion {
    const { paging, codes } = run;
    const exp: ValueSetExpansion = { identifier: `urn:uuid:${randomUUID()}`, timestamp: isoNow() };
    if (this.topLevel && this.ctx.params.offset > -1) exp.offset = this.ctx.params.offset;
    const total = paging.total(codes.all.length);
    if (!paging.totalOff) exp.total = total;
    else codes.nestable = false;
    paging.checkUnpagedSize(codes.all.length);
    const useHierarchy = codes.nestable && (paging.count < 0 || paging.count > total);
    const contains: Entry[] = [];
    let seen = 0;
    for (const rec of useHierarchy ? codes.roots : codes.all) {
      seen++;
      if (paging.onPage(seen, contains.length)) contains.push(this.buildTree(rec, useHierarchy));
    }
    for (const { name, value } of usedRuleParameters(this.ctx.params.versionRules, run.usedRules, run.valueSet)) run.parameters.uri(name, value);
    if (run.parameters.list.length > 0) exp.parameter = run.parameters.list;
    if (run.entries.propertyDefs.length > 0) (exp as ValueSetExpansion & { property?: unknown[] }).property = run.entries.propertyDefs;
    if (contains.length > 0) exp.contains = contains;
    if (run.unclosedReasons.length > 0) {
      exp.extension = [
        { url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed', valueBoolean: true },
        ...run.unclosedReasons.map((r) => ({ url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason', valueString: r })),
      ];
    }
    return exp;
  }

  private buildTree(rec: CodeRecord, nested: boolean): Entry {
    const e = this.run.entries.build(rec);
    if (nested && rec.children !== undefined && rec.children.length > 0) {
      e.contains = rec.children.map((c) => this.buildTree(c, true));
    } else if (!nested) {
      delete e.contains;
    }
    return e;
  }

  /** Expands an imported value set (a nested expander; cycles are reported) and takes over what it used. */
  private expandImport(reference: string, exclude: boolean): ImportedCodes {
    const run = this.run;
    this.foreignEntries = true;
    const target = findImported(run, reference, run.valueSet, exclude);
    const inner = new ValueSetExpander(this.ctx, { stack: [...this.stack, vurl(run.valueSet)], limit: Math.max(this.limit, this.ctx.maxExpansionSize) });
    const expanded = inner.expand(target);
    const codes = entriesByCode(expanded.expansion?.contains as Entry[] | undefined);
    for (const p of expanded.expansion?.parameter ?? []) {
      if (p.name === 'used-codesystem' || p.name === 'used-valueset' || p.name.startsWith('warning-') || p.name === 'used-supplement') {
        if (p.valueUri !== undefined) run.parameters.uri(p.name, p.valueUri);
      }
    }
    if (!reference.startsWith('#')) run.parameters.uri('used-valueset', vurl(target));
    statusWarning(run.parameters, target, run.valueSet);
    const defs = (expanded.expansion as { property?: { code: string; uri?: string }[] } | undefined)?.property;
    for (const d of defs ?? []) run.entries.declareProperty(d.uri, d.code);
    return { vs: expanded, codes };
  }
}

/**
 * Expands a value set for a request (top level: parameters echoed, paging applied), in R4 form.
 */
export function expandValueSet(ctx: TxContext, vs: ValueSet): ValueSet {
  const expander = new ValueSetExpander(ctx, { topLevel: true });
  const expanded = expander.expand(vs);
  // Entries built for this request are converted where they need it rather than copied.
  return expansionToR4(expanded, { ownedEntries: expander.ownsEntries });
}
