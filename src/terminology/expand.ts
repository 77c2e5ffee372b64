/**
 * ValueSet expansion: compose include/exclude (systems, concept lists, filters, imported value sets),
 * the text filter, activeOnly, excludeNested (hierarchical `contains`), designations, definitions and
 * properties, paging (count/offset) and the size and time limits.
 *
 * Codes are first collected as light records (provider + concept number); the `contains` entries are
 * built only for the page returned, so counting a large expansion is cheap.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://hl7.org/fhir/R4/valueset.html#expansion
 */
import type {
  Extension,
  ValueSet,
  ValueSetComposeInclude,
  ValueSetComposeIncludeFilter,
  ValueSetExpansion,
  ValueSetExpansionParameter,
} from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { splitCanonical } from '../fhir/canonical.ts';
import { EntryBuilder, EXT_STANDARDS_STATUS, type CodeRecord, type Entry } from './expansion-entries.ts';
import { expansionToR4 } from './expansion-r4.ts';
import { txError } from './issues.ts';
import { formatMessage } from './messages.ts';
import type { CodeSystemProvider, ConceptFilter } from './provider.ts';
import { RegexSyntaxError } from '../lib/regex.ts';
import { compareVersions, presentVersionList, versionMatches } from '../fhir/versions.ts';
import { tokenize } from './text-index.ts';
import { randomUUID } from 'node:crypto';

const EXT_SUPPLEMENT = 'http://hl7.org/fhir/StructureDefinition/valueset-supplement';
const EXT_FILTER_OP = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op';

/**
 * Options of one expansion.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export interface ExpandOptions {
  /** The canonicals of the value sets being expanded above this one (cycle detection). */
  readonly stack?: readonly string[];
  /** Limit for this (possibly imported) expansion. */
  readonly limit?: number;
  /** True for the value set the request names (echoes parameters, applies paging). */
  readonly topLevel?: boolean;
}

/**
 * The canonical `url|version` of a resource.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export function vurl(r: { url?: string; version?: string }): string {
  return r.version !== undefined ? `${r.url ?? ''}|${r.version}` : (r.url ?? '');
}

/**
 * Reads an R4 filter's op, including R5 ops carried in the `_op` extension.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export function filterOp(f: ValueSetComposeIncludeFilter): string {
  const raw = f as ValueSetComposeIncludeFilter & { _op?: { extension?: Extension[] } };
  if (raw.op !== undefined) return raw.op;
  const ext = raw._op?.extension?.find((e) => e.url === EXT_FILTER_OP);
  return ext?.valueCode ?? '';
}

class ExpansionParameters {
  readonly list: ValueSetExpansionParameter[] = [];

  private has(name: string, value: string | number | boolean): boolean {
    return this.list.some(
      (p) =>
        p.name === name &&
        (p.valueString ?? p.valueUri ?? p.valueCode ?? p.valueBoolean ?? p.valueInteger ?? p.valueDecimal ?? p.valueDateTime) === value,
    );
  }

  uri(name: string, value: string): void {
    if (!this.has(name, value)) this.list.push({ name, valueUri: value });
  }

  str(name: string, value: string): void {
    if (!this.has(name, value)) this.list.push({ name, valueString: value });
  }

  code(name: string, value: string): void {
    if (!this.has(name, value)) this.list.push({ name, valueCode: value });
  }

  bool(name: string, value: boolean): void {
    if (!this.has(name, value)) this.list.push({ name, valueBoolean: value });
  }

  int(name: string, value: number): void {
    if (!this.has(name, value)) this.list.push({ name, valueInteger: value });
  }
}

/**
 * The collected codes by key — `system~code`, or `system~version~code` when versions are told apart — held
 * as system (or `system~version`) → code → record, so that no key string is built per code. That is the same
 * map as one keyed by the joined string as long as systems and versions hold no `~`; the first one that does
 * turns it into that joined-key map.
 */
class RecordMap {
  private readonly byPrefix = new Map<string, Map<string, CodeRecord>>();
  private joined: Map<string, CodeRecord> | undefined;

  get(prefix: string, code: string, safe: boolean): CodeRecord | undefined {
    if (!safe) this.join();
    if (this.joined !== undefined) return this.joined.get(`${prefix}~${code}`);
    return this.byPrefix.get(prefix)?.get(code);
  }

  set(prefix: string, code: string, safe: boolean, record: CodeRecord): void {
    if (!safe) this.join();
    if (this.joined !== undefined) {
      this.joined.set(`${prefix}~${code}`, record);
      return;
    }
    let codes = this.byPrefix.get(prefix);
    if (codes === undefined) {
      codes = new Map();
      this.byPrefix.set(prefix, codes);
    }
    codes.set(code, record);
  }

  private join(): void {
    if (this.joined !== undefined) return;
    const joined = new Map<string, CodeRecord>();
    for (const [prefix, codes] of this.byPrefix) for (const [code, record] of codes) joined.set(`${prefix}~${code}`, record);
    this.joined = joined;
  }
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

/** Thrown internally when a paged expansion has collected enough codes (a shared sentinel: no stack to build). */
const PAGE_FILLED = Object.freeze({ pageFilled: true });

/**
 * The expansion engine for one value set.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export class ValueSetExpander {
  private readonly ctx: TxContext;
  private readonly stack: readonly string[];
  private readonly limit: number;
  private readonly topLevel: boolean;
  private readonly params: ExpansionParameters = new ExpansionParameters();
  private readonly records = new RecordMap();
  private readonly fullList: CodeRecord[] = [];
  private readonly rootList: CodeRecord[] = [];
  private readonly excluded = new Set<string>();
  private readonly excludedSystems = new Set<string>();
  private readonly entries: EntryBuilder;
  private readonly unclosedReasons: string[] = [];
  private canBeHierarchy: boolean;
  private doingVersion = false;
  private versionsMatch = false;
  /**
   * Light mode: a paged expansion of a single include (no exclusions, no imports). Codes are only counted;
   * records are made for the requested page alone.
   */
  private light = false;
  private lightCount = 0;
  private excludeSpecialCase = false;
  private totalOff = false;
  private hasExclusions = false;
  private count = -1;
  private offset = -1;
  private valueSet!: ValueSet;
  private textFilter: string | undefined;
  /** True once entries came from elsewhere (imported value sets, a stored expansion): their shape is not known. */
  private foreignEntries = false;

  constructor(ctx: TxContext, options: ExpandOptions = {}) {
    this.ctx = ctx;
    this.entries = new EntryBuilder(ctx, () => ({ doingVersion: this.doingVersion, valueSet: this.valueSet }));
    this.stack = options.stack ?? [];
    this.topLevel = options.topLevel ?? false;
    this.limit = options.limit ?? ctx.maxExpansionSize;
    this.canBeHierarchy = !ctx.params.excludeNested;
  }

  private key(system: string, version: string | undefined, code: string): string {
    return this.doingVersion && !this.versionsMatch ? `${system}~${version ?? ''}~${code}` : `${system}~${code}`;
  }

  /** The record with the key of (system, version, code), if collected. */
  private recordOf(system: string, version: string | undefined, code: string): CodeRecord | undefined {
    if (this.doingVersion && !this.versionsMatch) {
      return this.records.get(`${system}~${version ?? ''}`, code, !system.includes('~') && !(version ?? '').includes('~'));
    }
    return this.records.get(system, code, !system.includes('~'));
  }

  /** Expands a value set; returns a new ValueSet with an expansion (R4 form). */
  expand(vs: ValueSet): ValueSet {
    this.valueSet = vs;
    const p = this.ctx.params;
    const canonical = vurl(vs);
    if (this.stack.includes(canonical)) {
      throw txError(400, {
        severity: 'error',
        code: 'processing',
        messageId: 'VALUESET_CIRCULAR_REFERENCE',
        txCode: 'vs-invalid',
        text: formatMessage('VALUESET_CIRCULAR_REFERENCE', [canonical, `[${[...this.stack, canonical].join(', ')}]`]),
      });
    }
    if (this.topLevel) p.seeValueSet(vs);
    for (const ext of vs.extension ?? []) {
      if (ext.url === EXT_SUPPLEMENT) {
        const s = ext.valueCanonical ?? ext.valueUri ?? ext.valueString;
        if (s !== undefined) this.ctx.requiredSupplements.add(s);
      }
    }
    this.textFilter = p.filter !== undefined && p.filter.trim() !== '' ? p.filter : undefined;

    // The value set's elements but those an expansion leaves out, in order (copied, not deleted: an object
    // with deleted keys turns slow for the spread and serialisation that follow).
    const dropped = p.includeDefinition ? DROPPED_ALWAYS : DROPPED_WITHOUT_DEFINITION;
    const result = {} as Record<string, unknown>;
    const source = vs as unknown as Record<string, unknown>;
    for (const key of Object.keys(source)) if (!dropped.has(key)) result[key] = source[key];
    if (vs.expansion !== undefined && vs.compose === undefined) {
      this.foreignEntries = true;
      return { ...result, expansion: vs.expansion } as ValueSet;
    }
    if (this.topLevel) {
      this.count = p.count;
      this.offset = p.offset;
      if (this.offset > 0) this.canBeHierarchy = false;
      if (this.textFilter !== undefined) this.params.str('filter', this.textFilter);
      const langs = p.displayLanguages ?? p.httpLanguages;
      if (p.displayLanguages !== undefined) this.params.code('displayLanguage', p.displayLanguages.asParameter());
      else if (langs !== undefined && !langs.isEmpty) this.params.code('displayLanguage', langs.asParameter());
      for (const d of p.designations) this.params.str('designation', d);
      if (p.seen.has('excludeNested')) this.params.bool('excludeNested', p.excludeNested);
      if (p.seen.has('activeOnly')) this.params.bool('activeOnly', p.activeOnly);
      if (p.seen.has('includeDesignations')) this.params.bool('includeDesignations', p.includeDesignations);
      if (p.seen.has('includeDefinition')) this.params.bool('includeDefinition', p.includeDefinition);
      if (p.seen.has('excludeNotForUI')) this.params.bool('excludeNotForUI', p.excludeNotForUI);
      if (p.seen.has('excludePostCoordinated')) this.params.bool('excludePostCoordinated', p.excludePostCoordinated);
      // The value set being expanded reports its own deprecation / withdrawal / retirement (not draft).
      this.statusWarning(vs, { ...vs, status: vs.status === 'retired' ? 'active' : vs.status, extension: undefined });
      if (this.offset > -1) this.params.int('offset', this.offset);
      if (this.count > -1) this.params.int('count', this.count);
      if (this.count > 0 && this.offset === -1) this.offset = 0;
    }

    try {
      if (vs.compose !== undefined) this.handleCompose(vs);
    } catch (e) {
      if (e !== PAGE_FILLED) throw e;
      this.totalOff = true;
    }

    const missing = this.ctx.missingSupplements();
    if (missing.length > 0 && this.topLevel) {
      throw txError(422, {
        severity: 'error',
        code: 'not-found',
        messageId: 'VALUESET_SUPPLEMENT_MISSING',
        txCode: 'not-found',
        text: formatMessage(missing.length === 1 ? 'VALUESET_SUPPLEMENT_MISSING_one' : 'VALUESET_SUPPLEMENT_MISSING_other', [String(missing.length), missing.join(',')]),
      });
    }

    const exp: ValueSetExpansion = { identifier: `urn:uuid:${randomUUID()}`, timestamp: isoNow() };
    if (this.topLevel && this.ctx.params.offset > -1) exp.offset = this.ctx.params.offset;
    const total = this.light ? this.lightCount : this.fullList.length;
    if (!this.totalOff) exp.total = total;
    else this.canBeHierarchy = false;
    if (this.topLevel && this.count < 0 && this.offset < 0 && this.fullList.length > this.limit) {
      throw this.tooCostly(vurl(vs));
    }
    const useHierarchy = this.canBeHierarchy && (this.count < 0 || this.count > total);
    const list = useHierarchy ? this.rootList : this.fullList;
    const contains: Entry[] = [];
    let seen = 0;
    for (const rec of list) {
      seen++;
      // In light mode the records are already the requested page.
      if (this.topLevel && !this.light && !(seen > this.offset && (this.count < 0 || contains.length < this.count))) continue;
      contains.push(this.buildTree(rec, useHierarchy));
    }
    for (const r of this.ctx.params.versionRules) {
      const value = `${r.system}|${r.version}`;
      if (value !== vurl(vs) && this.usedRules.has(r)) this.params.uri(r.parameter, value);
    }
    if (this.params.list.length > 0) exp.parameter = this.params.list;
    if (this.entries.propertyDefs.length > 0) (exp as ValueSetExpansion & { property?: unknown[] }).property = this.entries.propertyDefs;
    if (contains.length > 0) exp.contains = contains;
    if (this.unclosedReasons.length > 0) {
      exp.extension = [
        { url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed', valueBoolean: true },
        ...this.unclosedReasons.map((r) => ({ url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason', valueString: r })),
      ];
    }
    return { ...result, expansion: exp } as ValueSet;
  }

  private readonly usedRules = new Set<unknown>();

  /**
   * True when every entry of the last `expand` was built here: a fresh object, in R4 form except for R5
   * `property` elements, with `contains` last.
   */
  get ownsEntries(): boolean {
    return !this.foreignEntries;
  }

  private tooCostly(source: string): Error {
    return txError(422, {
      severity: 'error',
      code: 'too-costly',
      messageId: 'VALUESET_TOO_COSTLY',
      text: formatMessage('VALUESET_TOO_COSTLY', [source, `>${this.limit}`]),
    });
  }

  private buildTree(rec: CodeRecord, nested: boolean): Entry {
    const e = this.entries.build(rec);
    if (nested && rec.children !== undefined && rec.children.length > 0) {
      e.contains = rec.children.map((c) => this.buildTree(c, true));
    } else if (!nested) {
      delete e.contains;
    }
    return e;
  }

  /** Adds a warning parameter when a used resource is deprecated, withdrawn, retired, experimental or draft. */
  private statusWarning(
    resource: { url?: string; version?: string; status?: string; experimental?: boolean; standardsStatus?: string; extension?: Extension[] },
    source: ValueSet | undefined,
  ): void {
    const standards = resource.standardsStatus ?? resource.extension?.find((e) => e.url === EXT_STANDARDS_STATUS)?.valueCode;
    const srcStandards = source?.extension?.find((e) => e.url === EXT_STANDARDS_STATUS)?.valueCode;
    const v = vurl(resource);
    if (standards === 'deprecated') {
      if (srcStandards !== 'deprecated') this.params.uri('warning-deprecated', v);
    } else if (standards === 'withdrawn') {
      if (srcStandards !== 'withdrawn') this.params.uri('warning-withdrawn', v);
    } else if (resource.status === 'retired') {
      if (source?.status !== 'retired') this.params.uri('warning-retired', v);
    } else if (resource.experimental === true) {
      if (source?.experimental !== true) this.params.uri('warning-experimental', v);
    } else if (resource.status === 'draft' || standards === 'draft') {
      if (!(source?.status === 'draft' || srcStandards === 'draft')) this.params.uri('warning-draft', v);
    }
  }

  private handleCompose(vs: ValueSet): void {
    const compose = vs.compose ?? { include: [] };
    const versions = new Map<string, string | undefined>();
    for (const includeRule of [...(compose.include ?? []), ...(compose.exclude ?? [])]) {
      if (includeRule.system === undefined) continue;
      if (versions.has(includeRule.system) && versions.get(includeRule.system) !== includeRule.version) this.doingVersion = true;
      versions.set(includeRule.system, includeRule.version);
    }
    this.versionsMatch = this.ctx.params.versionsMatch;
    if (this.versionsMatch) this.params.bool('versionsMatch', true);
    for (const includeRule of compose.include ?? []) this.checkSource(includeRule, vs);
    for (const excludeRule of compose.exclude ?? []) {
      this.hasExclusions = true;
      this.checkSource(excludeRule, vs);
    }
    // Special case: excluding other versions of the included system matches codes across versions.
    const includeRules = compose.include ?? [];
    const excludeRules = compose.exclude ?? [];
    if (!this.ctx.params.seen.has('versionsMatch') && includeRules.length > 0 && excludeRules.length > 0) {
      const system = includeRules[0].system;
      const same = includeRules.every((i) => i.system === system && i.version !== undefined) && excludeRules.every((e) => e.system === system && e.version !== undefined);
      const overlap = includeRules.some((i) => excludeRules.some((e) => e.version === i.version));
      if (same && !overlap) {
        this.versionsMatch = true;
        this.excludeSpecialCase = true;
        this.params.bool('versionsMatch', true);
      }
    }
    const excludeInactive = compose.inactive === false;
    this.light =
      this.topLevel && this.count >= 0 && (compose.include ?? []).length === 1 && excludeRules.length === 0 && includeRules[0].system !== undefined && includeRules[0].valueSet === undefined;
    for (const excludeRule of compose.exclude ?? []) this.excludeCodes(excludeRule, vs);
    const includes = [...(compose.include ?? [])];
    includes.sort((a, b) => (a.system === b.system && a.version !== undefined && b.version !== undefined ? -compareVersions(a.version, b.version) : 0));
    includes.forEach((includeRule, i) => this.includeCodes(includeRule, `ValueSet.compose.include[${i}]`, vs, excludeInactive));
  }

  /** Resolves the code system of an include, applying version rules; throws when it is unknown. */
  private providerFor(includeRule: ValueSetComposeInclude, forExclude: boolean): CodeSystemProvider | undefined {
    if (includeRule.system === undefined) return undefined;
    const ctx = this.ctx;
    const version = ctx.determineVersion(includeRule.system, includeRule.version);
    const rule = ctx.ruleApplied(includeRule.system, includeRule.version);
    if (rule !== undefined) this.usedRules.add(rule);
    const cs = ctx.findCodeSystem(includeRule.system, version, ['complete', 'fragment', 'example', 'not-present', 'supplement']);
    if (cs === undefined) {
      if (version === undefined) {
        throw txError(422, {
          severity: 'error',
          code: 'not-found',
          messageId: 'UNKNOWN_CODESYSTEM_EXP',
          txCode: 'not-found',
          text: formatMessage('UNKNOWN_CODESYSTEM_EXP', [includeRule.system]),
        });
      }
      const versions = ctx.listVersions(includeRule.system);
      const id = versions.length === 0 ? 'UNKNOWN_CODESYSTEM_VERSION_EXP_NONE' : 'UNKNOWN_CODESYSTEM_VERSION_EXP';
      throw txError(422, {
        severity: 'error',
        code: 'not-found',
        messageId: id,
        txCode: 'not-found',
        text: formatMessage(id, [includeRule.system, version, presentVersionList(versions)]),
      });
    }
    const provider = ctx.provider(cs);
    this.checkVersionRule(includeRule.system, provider);
    if (!forExclude) {
      if (provider.content === 'not-present') {
        throw txError(422, {
          severity: 'error',
          code: 'business-rule',
          txCode: 'invalid',
          text: `The code system definition for ${includeRule.system} has no content, so this expansion cannot be performed`,
        });
      }
      if (provider.content === 'supplement') {
        throw txError(422, {
          severity: 'error',
          code: 'business-rule',
          txCode: 'invalid',
          text: `The code system definition for ${includeRule.system} defines a supplement, so this expansion cannot be performed`,
        });
      }
    }
    return provider;
  }

  /** Applies check-system-version rules to the code system version found. */
  private checkVersionRule(system: string, provider: CodeSystemProvider): void {
    for (const r of this.ctx.params.rulesFor(system)) {
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

  private checkSource(includeRule: ValueSetComposeInclude, vs: ValueSet): void {
    for (const u of includeRule.valueSet ?? []) this.findImported(u, vs, false);
    if (includeRule.system === undefined) return;
    const provider = this.providerFor(includeRule, false);
    if (provider === undefined) return;
    if (provider.content === 'fragment') {
      this.params.uri('used-fragment', vurl({ url: provider.url, version: provider.version }));
      const reason = `This extension is based on a fragment of the code system ${includeRule.system}`;
      if (!this.unclosedReasons.includes(reason)) this.unclosedReasons.push(reason);
    }
    if (includeRule.concept === undefined && includeRule.filter === undefined && this.textFilter === undefined && includeRule.valueSet === undefined) {
      const pagedWithin = this.count > 0 && this.count + Math.max(this.offset, 0) <= this.limit;
      if (this.topLevel && this.count !== 0 && provider.size > this.limit && !pagedWithin) {
        throw this.tooCostly(vurl(vs));
      }
    }
  }

  private findImported(u: string, vs: ValueSet, exclude: boolean): ValueSet {
    const { url, version } = splitCanonical(u);
    const v = this.ctx.determineVersion(url, version, true);
    const rule = this.ctx.ruleApplied(url, version, true);
    if (rule !== undefined) this.usedRules.add(rule);
    const found = u.startsWith('#') ? (vs.contained?.find((c) => c.resourceType === 'ValueSet' && `#${c.id}` === u) as ValueSet | undefined) : this.ctx.findValueSet(url, v);
    if (found === undefined) {
      const id = v !== undefined ? (exclude ? 'VS_EXP_IMPORT_UNK_PINNED_X' : 'VS_EXP_IMPORT_UNK_PINNED') : exclude ? 'VS_EXP_IMPORT_UNK_X' : 'VS_EXP_IMPORT_UNK';
      throw txError(422, {
        severity: 'error',
        code: 'not-found',
        messageId: id,
        txCode: 'not-found',
        text: formatMessage(id, [url, v]),
      });
    }
    return found;
  }

  /** Expands an imported value set (a nested expander; cycles are reported). */
  private expandImport(u: string, vs: ValueSet, exclude: boolean): { vs: ValueSet; codes: Map<string, Entry> } {
    this.foreignEntries = true;
    const target = this.findImported(u, vs, exclude);
    const inner = new ValueSetExpander(this.ctx, { stack: [...this.stack, vurl(vs)], limit: Math.max(this.limit, this.ctx.maxExpansionSize) });
    const expanded = inner.expand(target);
    const codes = new Map<string, Entry>();
    const walk = (list: readonly Entry[] | undefined): void => {
      for (const e of list ?? []) {
        codes.set(`${e.system ?? ''}~${e.code ?? ''}`, e);
        walk(e.contains);
      }
    };
    walk(expanded.expansion?.contains as Entry[] | undefined);
    for (const p of expanded.expansion?.parameter ?? []) {
      if (p.name === 'used-codesystem' || p.name === 'used-valueset' || p.name.startsWith('warning-') || p.name === 'used-supplement') {
        if (p.valueUri !== undefined) this.params.uri(p.name, p.valueUri);
      }
    }
    if (!u.startsWith('#')) this.params.uri('used-valueset', vurl(target));
    this.statusWarning(target, this.valueSet);
    const defs = (expanded.expansion as { property?: { code: string; uri?: string }[] } | undefined)?.property;
    for (const d of defs ?? []) this.entries.declareProperty(d.uri, d.code);
    return { vs: expanded, codes };
  }

  private passesImports(imports: readonly Map<string, Entry>[], system: string, code: string): boolean {
    for (const m of imports) if (!m.has(`${system}~${code}`)) return false;
    return true;
  }

  private isExcluded(system: string, version: string | undefined, code: string): boolean {
    if (this.excludedSystems.has(system) || this.excludedSystems.has(`${system}|${version ?? ''}`)) return true;
    return this.excluded.has(this.key(system, version, code));
  }

  /** Builds the filters of an include; throws for filters without a value or not understood. */
  private filtersOf(includeRule: ValueSetComposeInclude, path: string, provider: CodeSystemProvider, vs: ValueSet): ConceptFilter[] {
    const out: ConceptFilter[] = [];
    (includeRule.filter ?? []).forEach((f, i) => {
      const op = filterOp(f);
      if (f.value === undefined || f.value === '') {
        throw txError(400, {
          severity: 'error',
          code: 'invalid',
          messageId: 'UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE',
          txCode: 'vs-invalid',
          path: `${path}.filter[${i}]`,
          text: formatMessage('UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE', [provider.url, f.property, op]),
        });
      }
      let filter: ConceptFilter | undefined;
      try {
        filter = provider.filter(f.property, op, f.value);
      } catch (e) {
        if (e instanceof RegexSyntaxError) {
          throw txError(400, {
            severity: 'error',
            code: 'invalid',
            messageId: 'INVALID_REGEX',
            txCode: 'vs-invalid',
            text: formatMessage('INVALID_REGEX', [f.value, e.message]),
          });
        }
        throw e;
      }
      if (filter === undefined) {
        throw txError(400, {
          severity: 'error',
          code: 'not-supported',
          messageId: 'FILTER_NOT_UNDERSTOOD',
          txCode: 'vs-invalid',
          path: `${path}.filter[${i}]`,
          text: formatMessage('FILTER_NOT_UNDERSTOOD', [f.property, op, f.value, vs.url, provider.url]),
        });
      }
      out.push(filter);
    });
    return out;
  }

  private textMatches(texts: readonly string[]): boolean {
    if (this.textFilter === undefined) return true;
    const words = tokenize(this.textFilter);
    const toks = texts.flatMap((t) => tokenize(t));
    return words.every((w) => toks.some((t) => t.startsWith(w)));
  }

  private includeCodes(includeRule: ValueSetComposeInclude, path: string, vs: ValueSet, excludeInactive: boolean): void {
    const p = this.ctx.params;
    if (includeRule.valueSet !== undefined || includeRule.concept !== undefined || (includeRule.filter ?? []).length > 1) this.canBeHierarchy = false;
    const imports = (includeRule.valueSet ?? []).map((u) => this.expandImport(u, vs, false));
    if (includeRule.system === undefined) {
      if (imports.length === 0) return;
      const first = imports[0];
      const rest = imports.slice(1).map((i) => i.codes);
      const add = (e: Entry): void => {
        const system = e.system ?? '';
        const code = e.code ?? '';
        if (this.passesImports(rest, system, code) && !this.isExcluded(system, e.version, code)) {
          if (this.recordOf(system, e.version, code) === undefined) {
            const { contains: _c, ...flat } = e;
            this.addRecord({ system, version: e.version, code, entry: flat }, undefined);
          }
        }
        for (const c of e.contains ?? []) add(c);
      };
      for (const e of (first.vs.expansion?.contains ?? []) as Entry[]) add(e);
      return;
    }
    const provider = this.providerFor(includeRule, false) as CodeSystemProvider;
    this.noteSupplements(provider);
    this.statusWarning(provider, vs);
    this.params.uri('used-codesystem', vurl({ url: provider.url, version: provider.version }));
    const importCodes = imports.map((i) => i.codes);
    const filters = this.filtersOf(includeRule, path, provider, vs);
    const source = vurl(vs);
    const accept = (c: number): boolean =>
      (!p.activeOnly || !provider.isInactive(c)) &&
      (!excludeInactive || !provider.isInactive(c)) &&
      (!p.excludeNotForUI || !provider.isAbstract(c)) &&
      this.passesImports(importCodes, provider.url, provider.code(c));

    if (includeRule.concept !== undefined) {
      for (const cc of includeRule.concept) {
        this.ctx.checkDeadline(source);
        const c = provider.locate(cc.code);
        if (c < 0 || !accept(c) || !filters.every((f) => f.has(c))) continue;
        if (this.textFilter !== undefined) {
          const texts = [...provider.designations(c).map((d) => d.value), ...(cc.display !== undefined ? [cc.display] : []), ...(cc.designation ?? []).map((d) => d.value)];
          if (!this.textMatches(texts) && !this.textMatches([cc.code])) continue;
        }
        this.include(provider, c, undefined, { display: cc.display, designation: cc.designation, extension: cc.extension }, vs.language);
      }
      return;
    }
    if (filters.length > 0) {
      const parentOf = (c: number): CodeRecord | undefined => this.parentRecord(provider, c);
      const visit = (c: number): boolean | void => {
        this.ctx.checkDeadline(source);
        if (!accept(c)) return;
        for (let k = 1; k < filters.length; k++) if (!filters[k].has(c)) return;
        this.include(provider, c, parentOf, undefined, undefined);
      };
      if (this.textFilter !== undefined) {
        const first = filters[0];
        const range = first.range?.();
        provider.searchText(
          this.textFilter,
          (c) => {
            if (range !== undefined || first.has(c)) return visit(c);
          },
          range,
        );
      } else if (filters[0].forEach !== undefined) {
        filters[0].forEach(visit);
      } else {
        for (let c = 0; c < provider.size; c++) {
          if (filters[0].has(c)) visit(c);
        }
      }
      return;
    }
    if (this.textFilter !== undefined) {
      // Whole code system with a text filter: flat. In light mode every match is counted (only the page is
      // built), so the total is true; otherwise the walk stops when the page is full and no total is given.
      provider.searchText(this.textFilter, (c) => {
        this.ctx.checkDeadline(source);
        if (!accept(c)) return;
        this.include(provider, c, undefined, undefined, undefined);
        if (this.light || !this.pageFilled()) return undefined;
        this.totalOff = true;
        return false;
      });
      return;
    }
    // Whole code system: walk the hierarchy so the expansion can nest.
    const visited = new Set<number>();
    const walk = (c: number, parent: CodeRecord | undefined): void => {
      if (visited.has(c)) {
        this.canBeHierarchy = false;
        return;
      }
      visited.add(c);
      this.ctx.checkDeadline(source);
      let me = parent;
      if (accept(c) && (!p.excludeNotForUI || !provider.isAbstract(c))) {
        me = this.include(provider, c, parent, undefined, undefined) ?? parent;
      }
      const kids = provider.children(c);
      for (let k = 0; k < kids.length; k++) walk(kids[k], me);
    };
    const roots = provider.roots();
    for (let k = 0; k < roots.length; k++) walk(roots[k], undefined);
  }

  private pageFilled(): boolean {
    const n = this.light ? this.lightCount : this.fullList.length;
    return this.topLevel && this.count > 0 && this.offset > -1 && !this.hasExclusions && n >= this.count + this.offset;
  }

  private noteSupplements(provider: CodeSystemProvider): void {
    this.ctx.noteSupplementsOf(provider);
    for (const s of provider.supplements) this.params.uri('used-supplement', vurl(s));
  }

  /** Adds a concept; returns its record, or undefined when excluded or already present. */
  private include(
    provider: CodeSystemProvider,
    c: number,
    parentOrResolver: CodeRecord | ((c: number) => CodeRecord | undefined) | undefined,
    vsConcept: CodeRecord['vsConcept'],
    vsLanguage: string | undefined,
  ): CodeRecord | undefined {
    if (this.light) {
      const position = this.lightCount++;
      if (position < this.offset || position >= this.offset + this.count) return undefined;
    }
    const code = provider.code(c);
    if (this.hasExclusions && this.isExcluded(provider.url, provider.version, code)) return undefined;
    if (this.recordOf(provider.url, provider.version, code) !== undefined) {
      this.canBeHierarchy = false;
      return undefined;
    }
    if (!this.light && this.fullList.length >= this.limit && !this.hasExclusions) {
      if (this.count > -1 && this.offset > -1 && this.count + this.offset > 0 && this.fullList.length >= this.count + this.offset) {
        throw PAGE_FILLED;
      }
      throw this.tooCostly(vurl(this.valueSet));
    }
    const parent = typeof parentOrResolver === 'function' ? parentOrResolver(c) : parentOrResolver;
    const rec: CodeRecord = { system: provider.url, version: provider.version, code, provider, concept: c, vsConcept, vsLanguage };
    this.addRecord(rec, parent);
    return rec;
  }

  /** The record of a concept's first parent, if collected. */
  private parentRecord(provider: CodeSystemProvider, c: number): CodeRecord | undefined {
    const parent = provider.firstParent(c);
    return parent < 0 ? undefined : this.recordOf(provider.url, provider.version, provider.code(parent));
  }

  private addRecord(rec: CodeRecord, parent: CodeRecord | undefined): void {
    if (this.doingVersion && !this.versionsMatch) {
      this.records.set(`${rec.system}~${rec.version ?? ''}`, rec.code, !rec.system.includes('~') && !(rec.version ?? '').includes('~'), rec);
    } else {
      this.records.set(rec.system, rec.code, !rec.system.includes('~'), rec);
    }
    this.fullList.push(rec);
    if (parent !== undefined) {
      (parent.children ??= []).push(rec);
    } else {
      this.rootList.push(rec);
    }
  }

  private excludeCodes(excludeRule: ValueSetComposeInclude, vs: ValueSet): void {
    const imports = (excludeRule.valueSet ?? []).map((u) => this.expandImport(u, vs, true));
    if (excludeRule.system === undefined) {
      if (imports.length === 0) return;
      const rest = imports.slice(1).map((i) => i.codes);
      for (const [k, e] of imports[0].codes) {
        if (this.passesImports(rest, e.system ?? '', e.code ?? '')) {
          this.excluded.add(this.doingVersion && !this.versionsMatch ? `${e.system}~${e.version ?? ''}~${e.code}` : k);
        }
      }
      return;
    }
    const provider = this.providerFor(excludeRule, true) as CodeSystemProvider;
    this.params.uri('used-codesystem', vurl({ url: provider.url, version: provider.version }));
    const importCodes = imports.map((i) => i.codes);
    if (excludeRule.concept === undefined && excludeRule.filter === undefined && imports.length === 0 && !this.excludeSpecialCase) {
      this.excludedSystems.add(this.doingVersion && excludeRule.version !== undefined ? `${excludeRule.system}|${excludeRule.version}` : excludeRule.system);
      return;
    }
    const filters = this.filtersOf(excludeRule, 'ValueSet.compose.exclude', provider, vs);
    const add = (c: number): void => {
      const code = provider.code(c);
      if (this.passesImports(importCodes, provider.url, code)) this.excluded.add(this.key(provider.url, provider.version, code));
    };
    if (excludeRule.concept !== undefined) {
      for (const cc of excludeRule.concept) {
        const c = provider.locate(cc.code);
        if (c >= 0 && filters.every((f) => f.has(c))) add(c);
      }
      return;
    }
    if (filters.length > 0) {
      for (let c = 0; c < provider.size; c++) {
        this.ctx.checkDeadline(vurl(vs));
        if (filters.every((f) => f.has(c))) add(c);
      }
      return;
    }
    for (let c = 0; c < provider.size; c++) add(c);
  }

}

/**
 * Expands a value set for a request (top level: parameters echoed, paging applied), in R4 form.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export function expandValueSet(ctx: TxContext, vs: ValueSet): ValueSet {
  const expander = new ValueSetExpander(ctx, { topLevel: true });
  const expanded = expander.expand(vs);
  // Entries built for this request are converted where they need it rather than copied.
  return expansionToR4(expanded, { ownedEntries: expander.ownsEntries });
}
