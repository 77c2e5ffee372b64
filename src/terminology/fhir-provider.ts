/**
 * The code system provider for FHIR CodeSystem resources (complete, fragment or example content), with
 * supplements. Lookups use the shared per-version index; supplements chosen by a request are bound by
 * creating a provider over the same index.
 *
 * @see https://hl7.org/fhir/R4/codesystem.html
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
import type { CodeSystem, CodeSystemConcept, CodeSystemConceptProperty, CodeSystemProperty, Extension } from '@medplum/fhirtypes';
import { ConceptFlag, indexCodeSystem } from './codesystem-index.ts';
import type { CodeSystemIndex } from './codesystem-index.ts';
import { conceptFilter, propertyFilter } from './concept-filters.ts';
import { languageMatches, LanguageMatch } from './languages.ts';
import type { CodeSystemProvider, ConceptFilter, Designation } from './provider.ts';
import { forEachIntersection, tokenize } from './text-index.ts';
import { fieldsOf } from '../lib/records.ts';
import { standardsStatusOf } from './standards-status.ts';

const VERSION_ALGORITHM_EXT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-CodeSystem.versionAlgorithm';
/**
 * The `use` of a display designation.
 */
export const DISPLAY_USE = { system: 'http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra', code: 'preferredForLanguage', display: 'Preferred For Language' };

type R5CodeSystem = CodeSystem & {
  versionAlgorithmString?: string;
  versionAlgorithmCoding?: { code?: string };
};

/**
 * The versionAlgorithm of a CodeSystem or ValueSet (R5 element or its R4 extension).
 */
export function versionAlgorithmOf(resource: { extension?: Extension[] } & Record<string, unknown>): string | undefined {
  const r: Partial<R5CodeSystem> = resource;
  if (typeof r.versionAlgorithmString === 'string') return r.versionAlgorithmString;
  if (r.versionAlgorithmCoding?.code !== undefined) return r.versionAlgorithmCoding.code;
  for (const e of resource.extension ?? []) {
    if (e.url === VERSION_ALGORITHM_EXT) return e.valueCoding?.code ?? e.valueString ?? e.valueCode;
  }
  return undefined;
}

function propValue(p: CodeSystemConceptProperty): string | undefined {
  const v =
    p.valueCode ?? p.valueString ?? p.valueBoolean ?? p.valueInteger ?? p.valueDecimal ?? p.valueDateTime ?? p.valueCoding?.code;
  return v === undefined ? undefined : String(v);
}

const EMPTY: readonly never[] = [];

/**
 * A provider over a FHIR CodeSystem resource.
 */
export class FhirCodeSystemProvider implements CodeSystemProvider {
  readonly index: CodeSystemIndex;
  readonly resource: CodeSystem;
  readonly supplements: readonly CodeSystem[];
  readonly url: string;
  readonly version?: string;
  readonly name?: string;
  readonly title?: string;
  readonly content: string;
  readonly caseSensitive: boolean;
  readonly language?: string;
  readonly status?: string;
  readonly experimental?: boolean;
  readonly standardsStatus?: string;
  readonly valueSet?: string;
  readonly hierarchyMeaning?: string;
  readonly versionAlgorithm?: string;
  readonly size: number;
  readonly propertyDefinitions: readonly CodeSystemProperty[];
  /** Supplement concepts by code (only when supplements are bound). */
  private readonly supplementConcepts: ReadonlyMap<string, readonly { cs: CodeSystem; concept: CodeSystemConcept }[]>;
  private readonly languageCache = new Map<string, boolean>();

  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    this.resource = resource;
    this.index = indexCodeSystem(resource);
    this.supplements = supplements;
    this.url = resource.url ?? '';
    this.version = resource.version;
    this.name = resource.name;
    this.title = resource.title;
    this.content = resource.content ?? 'complete';
    this.caseSensitive = resource.caseSensitive !== false;
    this.language = resource.language;
    this.status = resource.status;
    this.experimental = resource.experimental;
    this.standardsStatus = standardsStatusOf(resource);
    this.valueSet = resource.valueSet;
    this.hierarchyMeaning = resource.hierarchyMeaning;
    this.versionAlgorithm = versionAlgorithmOf(fieldsOf(resource));
    this.size = this.index.size;
    const defs = [...(resource.property ?? [])];
    for (const s of supplements) {
      for (const p of s.property ?? []) if (!defs.some((d) => d.code === p.code)) defs.push(p);
    }
    this.propertyDefinitions = defs;
    const map = new Map<string, { cs: CodeSystem; concept: CodeSystemConcept }[]>();
    const walk = (cs: CodeSystem, list: readonly CodeSystemConcept[] | undefined): void => {
      for (const c of list ?? []) {
        let l = map.get(c.code);
        if (l === undefined) {
          l = [];
          map.set(c.code, l);
        }
        l.push({ cs, concept: c });
        walk(cs, c.concept);
      }
    };
    for (const s of supplements) walk(s, s.concept);
    this.supplementConcepts = map;
  }

  locate(code: string): number {
    return this.index.locate(code);
  }

  code(c: number): string {
    return this.index.codes[c];
  }

  display(c: number): string | undefined {
    return this.index.concepts[c].display;
  }

  definition(c: number): string | undefined {
    return this.index.concepts[c].definition;
  }

  designations(c: number): readonly Designation[] {
    const concept = this.index.concepts[c];
    const out: Designation[] = [];
    if (concept.display !== undefined) {
      out.push({ language: this.language, use: DISPLAY_USE, value: concept.display, isDisplay: true });
    }
    const own = concept.designation;
    if (own !== undefined) {
      for (let i = 0; i < own.length; i++) {
        const d = own[i];
        const status = standardsStatusOf(d);
        out.push({ language: d.language, use: d.use, value: d.value, extension: d.extension, status });
      }
    }
    if (this.supplements.length === 0) return out;
    for (const s of this.supplementConcepts.get(concept.code) ?? EMPTY) {
      const source = s.cs.version !== undefined ? `${s.cs.url}|${s.cs.version}` : s.cs.url;
      if (s.concept.display !== undefined) {
        out.push({ language: s.cs.language, use: DISPLAY_USE, value: s.concept.display, isDisplay: true, source });
      }
      for (const d of s.concept.designation ?? []) {
        const status = standardsStatusOf(d);
        out.push({ language: d.language ?? s.cs.language, use: d.use, value: d.value, extension: d.extension, status, source });
      }
    }
    return out;
  }

  properties(c: number): readonly CodeSystemConceptProperty[] {
    const concept = this.index.concepts[c];
    const extra = this.supplements.length === 0 ? undefined : this.supplementConcepts.get(concept.code);
    if (extra === undefined) return concept.property ?? EMPTY;
    const out = [...(concept.property ?? [])];
    for (const s of extra) out.push(...(s.concept.property ?? []));
    return out;
  }

  extensions(c: number): readonly Extension[] {
    const concept = this.index.concepts[c];
    const extra = this.supplements.length === 0 ? undefined : this.supplementConcepts.get(concept.code);
    if (extra === undefined) return concept.extension ?? EMPTY;
    const out = [...(concept.extension ?? [])];
    for (const s of extra) out.push(...(s.concept.extension ?? []));
    return out;
  }

  isAbstract(c: number): boolean {
    return (this.index.flags[c] & ConceptFlag.Abstract) !== 0;
  }

  isInactive(c: number): boolean {
    return (this.index.flags[c] & ConceptFlag.Inactive) !== 0;
  }

  isDeprecated(c: number): boolean {
    return (this.index.flags[c] & ConceptFlag.Deprecated) !== 0;
  }

  conceptStatus(c: number): string | undefined {
    return this.index.conceptStatus(c);
  }

  parents(c: number): ArrayLike<number> {
    return this.index.parents(c);
  }

  firstParent(c: number): number {
    return this.index.firstParent(c);
  }

  children(c: number): ArrayLike<number> {
    return this.index.children(c);
  }

  roots(): ArrayLike<number> {
    return this.index.roots;
  }

  subsumes(ancestor: number, descendant: number): boolean {
    return this.index.subsumes(ancestor, descendant);
  }

  hasLanguage(language: string): boolean {
    const cached = this.languageCache.get(language);
    if (cached !== undefined) return cached;
    let found = this.language !== undefined && languageMatches(language, this.language, LanguageMatch.Lang);
    for (const s of this.supplements) {
      if (s.language !== undefined && languageMatches(language, s.language, LanguageMatch.Lang)) found = true;
    }
    for (let c = 0; !found && c < this.size; c++) {
      for (const d of this.index.concepts[c].designation ?? []) {
        if (d.language !== undefined && languageMatches(language, d.language, LanguageMatch.Lang)) {
          found = true;
          break;
        }
      }
    }
    if (!found) {
      for (const list of this.supplementConcepts.values()) {
        for (const s of list) {
          for (const d of s.concept.designation ?? []) {
            if (d.language !== undefined && languageMatches(language, d.language, LanguageMatch.Lang)) found = true;
          }
        }
      }
    }
    this.languageCache.set(language, found);
    return found;
  }

  searchText(text: string, fn: (c: number) => boolean | void, range?: readonly [number, number]): void {
    const from = range?.[0] ?? 0;
    const to = range?.[1] ?? this.size;
    if (this.supplements.length === 0) {
      const lists = this.index.textIndex().query(text);
      if (lists === undefined) {
        for (let c = from; c < to; c++) if (fn(c) === false) return;
        return;
      }
      forEachIntersection(lists, fn, from, to);
      return;
    }
    const words = tokenize(text);
    for (let c = from; c < to; c++) {
      const toks = this.designations(c).flatMap((d) => tokenize(d.value));
      if (words.every((w) => toks.some((t) => t.startsWith(w))) && fn(c) === false) return;
    }
  }

  /** Values of a property on a concept (including implicit ones). */
  private propertyValues(c: number, property: string): string[] {
    const out: string[] = [];
    for (const p of this.properties(c)) {
      if (p.code === property) {
        const v = propValue(p);
        if (v !== undefined) out.push(v);
      }
    }
    if (out.length === 0) {
      const meaning = this.index.meaningOf(property);
      if (meaning === 'inactive') out.push(String(this.isInactive(c)));
      else if (meaning === 'parent') for (const p of Array.from(this.parents(c))) out.push(this.code(p));
      else if (meaning === 'child') for (const p of Array.from(this.children(c))) out.push(this.code(p));
      else if (property === 'display' && this.display(c) !== undefined) out.push(this.display(c) as string);
      else if (property === 'definition' && this.definition(c) !== undefined) out.push(this.definition(c) as string);
    }
    return out;
  }

  filter(property: string, op: string, value: string): ConceptFilter | undefined {
    if (property === 'concept' || property === 'code') return conceptFilter(this.index, op, value);
    const known =
      this.propertyDefinitions.some((p) => p.code === property) ||
      ['inactive', 'notSelectable', 'status', 'parent', 'child', 'display', 'definition'].includes(this.index.meaningOf(property));
    if (!known) return undefined;
    return propertyFilter((c) => this.propertyValues(c, property), op, value);
  }
}
