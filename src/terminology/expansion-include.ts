/**
 * Collecting the codes of a value set's compose: each include (a concept list, filters, a text filter or a
 * whole code system walked as a hierarchy, intersected with its imported value sets) and each exclude.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://hl7.org/fhir/R4/valueset.html#compose
 */
import type { ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { CodeRecord, Entry } from './expansion-entries.ts';
import { statusWarning } from './expansion-parameters.ts';
import type { ExpansionRun, ImportedCodes } from './expansion-run.ts';
import { filtersOf, providerFor } from './expansion-sources.ts';
import type { CodeSystemProvider, ConceptFilter } from './provider.ts';
import { tokenize } from './text-index.ts';
import { vurl } from './valueset-definition.ts';

/** Whether a concept may be in the expansion: active when asked, selectable when asked, in every import. */
type Accept = (c: number) => boolean;

function passesImports(imports: readonly Map<string, Entry>[], system: string, code: string): boolean {
  for (const m of imports) if (!m.has(`${system}~${code}`)) return false;
  return true;
}

/** True when every word of the text filter starts a word of one of the texts. */
function textMatches(textFilter: string | undefined, texts: readonly string[]): boolean {
  if (textFilter === undefined) return true;
  const words = tokenize(textFilter);
  const toks = texts.flatMap((t) => tokenize(t));
  return words.every((w) => toks.some((t) => t.startsWith(w)));
}

/** An include of value sets only: the entries of the first that are in all the others. */
function includeFromImports(run: ExpansionRun, imports: readonly ImportedCodes[]): void {
  if (imports.length === 0) return;
  const rest = imports.slice(1).map((i) => i.codes);
  const add = (e: Entry): void => {
    const system = e.system ?? '';
    const code = e.code ?? '';
    if (passesImports(rest, system, code) && !run.codes.isExcluded(system, e.version, code)) {
      if (run.codes.recordOf(system, e.version, code) === undefined) {
        const { contains: _c, ...flat } = e;
        run.codes.add({ system, version: e.version, code, entry: flat }, undefined);
      }
    }
    for (const c of e.contains ?? []) add(c);
  };
  for (const e of (imports[0].vs.expansion?.contains ?? []) as Entry[]) add(e);
}

/** An include's concept list (flat), with the value set's displays and designations. */
function includeConcepts(run: ExpansionRun, includeRule: ValueSetComposeInclude, provider: CodeSystemProvider, filters: readonly ConceptFilter[], accept: Accept): void {
  const source = vurl(run.valueSet);
  for (const cc of includeRule.concept ?? []) {
    run.ctx.checkDeadline(source);
    const c = provider.locate(cc.code);
    if (c < 0 || !accept(c) || !filters.every((f) => f.has(c))) continue;
    if (run.textFilter !== undefined) {
      const texts = [...provider.designations(c).map((d) => d.value), ...(cc.display !== undefined ? [cc.display] : []), ...(cc.designation ?? []).map((d) => d.value)];
      if (!textMatches(run.textFilter, texts) && !textMatches(run.textFilter, [cc.code])) continue;
    }
    run.codes.include(provider, c, undefined, { display: cc.display, designation: cc.designation, extension: cc.extension }, run.valueSet.language);
  }
}

/** An include's filters: walks the first filter's concepts (by text search when there is a text filter), tests the rest. */
function includeFiltered(run: ExpansionRun, provider: CodeSystemProvider, filters: readonly ConceptFilter[], accept: Accept): void {
  const source = vurl(run.valueSet);
  const parentOf = (c: number): CodeRecord | undefined => run.codes.parentRecord(provider, c);
  const visit = (c: number): boolean | void => {
    run.ctx.checkDeadline(source);
    if (!accept(c)) return;
    for (let k = 1; k < filters.length; k++) if (!filters[k].has(c)) return;
    run.codes.include(provider, c, parentOf, undefined, undefined);
  };
  const first = filters[0];
  if (run.textFilter !== undefined) {
    const range = first.range?.();
    provider.searchText(
      run.textFilter,
      (c) => {
        if (range !== undefined || first.has(c)) return visit(c);
      },
      range,
    );
  } else if (first.forEach !== undefined) {
    first.forEach(visit);
  } else {
    for (let c = 0; c < provider.size; c++) {
      if (first.has(c)) visit(c);
    }
  }
}

/**
 * A whole code system with a text filter: flat. In light mode every match is counted (only the page is
 * built), so the total is true; otherwise the walk stops when the page is full and no total is given.
 */
function includeByText(run: ExpansionRun, textFilter: string, provider: CodeSystemProvider, accept: Accept): void {
  const source = vurl(run.valueSet);
  const paging = run.paging;
  provider.searchText(textFilter, (c) => {
    run.ctx.checkDeadline(source);
    if (!accept(c)) return;
    run.codes.include(provider, c, undefined, undefined, undefined);
    if (paging.light || !paging.pageFilled(run.codes.all.length)) return undefined;
    paging.totalOff = true;
    return false;
  });
}

/** A whole code system: walks the hierarchy so the expansion can nest (a cycle makes it flat). */
function includeHierarchy(run: ExpansionRun, provider: CodeSystemProvider, accept: Accept): void {
  const source = vurl(run.valueSet);
  const excludeNotForUI = run.ctx.params.excludeNotForUI;
  const visited = new Set<number>();
  const walk = (c: number, parent: CodeRecord | undefined): void => {
    if (visited.has(c)) {
      run.codes.nestable = false;
      return;
    }
    visited.add(c);
    run.ctx.checkDeadline(source);
    let me = parent;
    if (accept(c) && (!excludeNotForUI || !provider.isAbstract(c))) {
      me = run.codes.include(provider, c, parent, undefined, undefined) ?? parent;
    }
    const kids = provider.children(c);
    for (let k = 0; k < kids.length; k++) walk(kids[k], me);
  };
  const roots = provider.roots();
  for (let k = 0; k < roots.length; k++) walk(roots[k], undefined);
}

/** Notes the supplements bound to a provider as used (`used-supplement`). */
function noteSupplements(run: ExpansionRun, provider: CodeSystemProvider): void {
  run.ctx.noteSupplementsOf(provider);
  for (const s of provider.supplements) run.parameters.uri('used-supplement', vurl(s));
}

/**
 * Collects the codes of one include (`path` is its FHIRPath, for filter errors).
 */
export function includeCodes(run: ExpansionRun, includeRule: ValueSetComposeInclude, path: string, excludeInactive: boolean): void {
  const p = run.ctx.params;
  const vs = run.valueSet;
  if (includeRule.valueSet !== undefined || includeRule.concept !== undefined || (includeRule.filter ?? []).length > 1) run.codes.nestable = false;
  const imports = (includeRule.valueSet ?? []).map((u) => run.expandImport(u, false));
  if (includeRule.system === undefined) {
    includeFromImports(run, imports);
    return;
  }
  const provider = providerFor(run, includeRule.system, includeRule.version, false);
  noteSupplements(run, provider);
  statusWarning(run.parameters, provider, vs);
  run.parameters.uri('used-codesystem', vurl({ url: provider.url, version: provider.version }));
  const importCodes = imports.map((i) => i.codes);
  const filters = filtersOf(includeRule, path, provider, vs);
  const accept: Accept = (c) =>
    (!p.activeOnly || !provider.isInactive(c)) &&
    (!excludeInactive || !provider.isInactive(c)) &&
    (!p.excludeNotForUI || !provider.isAbstract(c)) &&
    passesImports(importCodes, provider.url, provider.code(c));
  if (includeRule.concept !== undefined) includeConcepts(run, includeRule, provider, filters, accept);
  else if (filters.length > 0) includeFiltered(run, provider, filters, accept);
  else if (run.textFilter !== undefined) includeByText(run, run.textFilter, provider, accept);
  else includeHierarchy(run, provider, accept);
}

/**
 * Records the codes (or whole systems) one exclude removes.
 */
export function excludeCodes(run: ExpansionRun, excludeRule: ValueSetComposeInclude, excludeSpecialCase: boolean): void {
  const codes = run.codes;
  const imports = (excludeRule.valueSet ?? []).map((u) => run.expandImport(u, true));
  if (excludeRule.system === undefined) {
    if (imports.length === 0) return;
    const rest = imports.slice(1).map((i) => i.codes);
    for (const [k, e] of imports[0].codes) {
      if (passesImports(rest, e.system ?? '', e.code ?? '')) {
        codes.exclude(codes.doingVersion && !codes.versionsMatch ? `${e.system}~${e.version ?? ''}~${e.code}` : k);
      }
    }
    return;
  }
  const provider = providerFor(run, excludeRule.system, excludeRule.version, true);
  run.parameters.uri('used-codesystem', vurl({ url: provider.url, version: provider.version }));
  const importCodes = imports.map((i) => i.codes);
  if (excludeRule.concept === undefined && excludeRule.filter === undefined && imports.length === 0 && !excludeSpecialCase) {
    codes.excludeSystem(codes.doingVersion && excludeRule.version !== undefined ? `${excludeRule.system}|${excludeRule.version}` : excludeRule.system);
    return;
  }
  const filters = filtersOf(excludeRule, 'ValueSet.compose.exclude', provider, run.valueSet);
  const add = (c: number): void => {
    const code = provider.code(c);
    if (passesImports(importCodes, provider.url, code)) codes.exclude(codes.key(provider.url, provider.version, code));
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
      run.ctx.checkDeadline(vurl(run.valueSet));
      if (filters.every((f) => f.has(c))) add(c);
    }
    return;
  }
  for (let c = 0; c < provider.size; c++) add(c);
}
