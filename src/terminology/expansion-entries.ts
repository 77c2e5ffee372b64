/**
 * Building one expansion entry from a collected code: display in the requested languages, designations,
 * status, the requested properties and the extensions passed through from the code system and the value set.
 * Property declarations are gathered here for `expansion.property`.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { Extension, ValueSet, ValueSetExpansionContains } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { DisplayList } from './designations.ts';
import type { CodeSystemProvider, Designation } from './provider.ts';
import { EXT_STANDARDS_STATUS } from './standards-status.ts';

const CONCEPT_PROPERTIES = 'http://hl7.org/fhir/concept-properties#';
const EXT_CS_LABEL = 'http://hl7.org/fhir/StructureDefinition/codesystem-label';
const EXT_VS_LABEL = 'http://hl7.org/fhir/StructureDefinition/valueset-label';
const EXT_CS_ORDER = 'http://hl7.org/fhir/StructureDefinition/codesystem-conceptOrder';
const EXT_VS_ORDER = 'http://hl7.org/fhir/StructureDefinition/valueset-conceptOrder';
const EXT_ITEM_WEIGHT = 'http://hl7.org/fhir/StructureDefinition/itemWeight';
const DESIGNATION_EXTENSIONS = [
  'http://hl7.org/fhir/StructureDefinition/coding-sctdescid',
  'http://hl7.org/fhir/StructureDefinition/rendering-style',
  'http://hl7.org/fhir/StructureDefinition/rendering-xhtml',
  'http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status',
  'http://hl7.org/fhir/StructureDefinition/codesystem-alternate',
];
const PASSED_THROUGH_CS_EXTENSIONS = [
  'http://hl7.org/fhir/StructureDefinition/coding-sctdescid',
  'http://hl7.org/fhir/StructureDefinition/rendering-style',
  'http://hl7.org/fhir/StructureDefinition/rendering-xhtml',
  'http://hl7.org/fhir/StructureDefinition/codesystem-alternate',
];
const PASSED_THROUGH_VS_EXTENSIONS = [
  'http://hl7.org/fhir/StructureDefinition/valueset-supplement',
  'http://hl7.org/fhir/StructureDefinition/valueset-deprecated',
  EXT_STANDARDS_STATUS,
  'http://hl7.org/fhir/StructureDefinition/valueset-concept-definition',
  'http://hl7.org/fhir/StructureDefinition/coding-sctdescid',
  'http://hl7.org/fhir/StructureDefinition/rendering-style',
  'http://hl7.org/fhir/StructureDefinition/rendering-xhtml',
];

/**
 * A property value of an expansion entry (R5 shape; emitted as an extension in R4).
 */
export interface EntryProperty {
  code: string;
  [valueX: string]: unknown;
}

/**
 * An expansion entry (R5 shape with `property`; converted for R4 on output).
 */
export interface Entry extends ValueSetExpansionContains {
  property?: EntryProperty[];
  contains?: Entry[];
}

/** A collected code (the entry is built when it is on the page). */
export interface CodeRecord {
  system: string;
  version?: string;
  code: string;
  /** Provider and concept for code system concepts (absent for imported entries). */
  provider?: CodeSystemProvider;
  concept?: number;
  /** Value set concept (include.concept) this code came from, for its display/designations/extensions. */
  vsConcept?: { display?: string; designation?: { language?: string; use?: { system?: string; code?: string; display?: string }; value: string; extension?: Extension[] }[]; extension?: Extension[] };
  /** A ready entry (imported value sets). */
  entry?: Entry;
  children?: CodeRecord[];
  vsLanguage?: string;
}

/** What of the running expansion an entry depends on. */
export interface EntryScope {
  /** True when codes of several versions of one system are kept apart (entries carry their version). */
  readonly doingVersion: boolean;
  readonly valueSet: ValueSet;
}

/** Builds the entries of one expansion and collects the properties they declare. */
export class EntryBuilder {
  /** The expansion's property declarations (`expansion.property`), in order of first use. */
  readonly propertyDefs: { code: string; uri?: string }[] = [];
  private readonly ctx: TxContext;
  private readonly scope: () => EntryScope;

  constructor(ctx: TxContext, scope: () => EntryScope) {
    this.ctx = ctx;
    this.scope = scope;
  }

  /** Declares an expansion property; returns the code to use. */
  declareProperty(uri: string | undefined, code: string): string {
    let pd = uri !== undefined ? this.propertyDefs.find((d) => d.uri === uri || d.code === code) : this.propertyDefs.find((d) => d.code === code);
    if (pd === undefined) {
      pd = uri !== undefined ? { code, uri } : { code };
      this.propertyDefs.push(pd);
    } else if (uri !== undefined && pd.uri === undefined) {
      pd.uri = uri;
    }
    return pd.code;
  }

  private defineProperty(entry: Entry, uri: string | undefined, code: string, valueName: string, value: unknown, repeatable = false): void {
    if (value === undefined || value === null) return;
    const c = this.declareProperty(uri, code);
    entry.property ??= [];
    let pv = repeatable ? entry.property.find((x) => x.code === c && x[valueName] === value) : entry.property.find((x) => x.code === c);
    if (pv === undefined) {
      pv = { code: c };
      entry.property.push(pv);
    }
    pv[valueName] = value;
  }

  private propertyUri(provider: CodeSystemProvider, code: string): string | undefined {
    return provider.propertyDefinitions.find((d) => d.code === code)?.uri;
  }

  private useDesignation(d: Designation): boolean {
    const wanted = this.ctx.params.designations;
    if (wanted.length === 0) return true;
    for (const s of wanted) {
      const bar = s.indexOf('|');
      const l = bar < 0 ? s : s.substring(0, bar);
      const r = bar < 0 ? '' : s.substring(bar + 1);
      if (d.use !== undefined && d.use.system === l && d.use.code === r) return true;
      if (d.language !== undefined && l === 'urn:ietf:bcp:47' && r === d.language) return true;
    }
    return false;
  }

  /** Builds the entry of a record (display, designations, properties, extensions). */
  build(rec: CodeRecord): Entry {
    if (rec.entry !== undefined) return { ...rec.entry };
    const provider = rec.provider as CodeSystemProvider;
    const c = rec.concept as number;
    const p = this.ctx.params;
    const e: Entry = { system: rec.system };
    if (this.scope().doingVersion && rec.version !== undefined) e.version = rec.version;
    e.code = rec.code;
    if (provider.isAbstract(c)) e.abstract = true;
    if (provider.isInactive(c)) e.inactive = true;
    const status = provider.conceptStatus(c);
    if (status !== undefined && status.toLowerCase() !== 'active') {
      this.defineProperty(e, `${CONCEPT_PROPERTIES}status`, 'status', 'valueCode', status);
    } else if (provider.isDeprecated(c)) {
      this.defineProperty(e, `${CONCEPT_PROPERTIES}status`, 'status', 'valueCode', 'deprecated');
    }
    const csExt = provider.extensions(c);
    const vsExt = rec.vsConcept?.extension ?? [];
    if (csExt.length > 0 || vsExt.length > 0) this.addExtensions(e, csExt, vsExt);
    const langs = p.workingLanguages()?.withWildcard();
    const own = provider.display(c);
    if (rec.vsConcept === undefined && langs === undefined && own !== undefined && !p.includeDesignations) {
      // Without languages the preferred designation is the concept's own display, which comes first.
      if (own !== '') e.display = own;
      this.addProperties(e, provider, c);
      return e;
    }
    // A display given by the value set comes first: it is the display in the context of this value set.
    const vsDisplay = rec.vsConcept?.display?.trim();
    const list = new DisplayList(
      vsDisplay !== undefined ? [{ language: rec.vsLanguage ?? this.scope().valueSet.language ?? provider.language, value: vsDisplay, isDisplay: true }, ...provider.designations(c)] : provider.designations(c),
      provider.language,
    );
    for (const d of rec.vsConcept?.designation ?? []) {
      list.add({ language: d.language, use: d.use, value: d.value, extension: d.extension });
    }
    const pref = list.preferred(langs);
    if (pref !== undefined && pref.value !== '') e.display = pref.value;
    if (p.includeDesignations) {
      for (const d of list.designations) {
        if (d === pref || !this.useDesignation(d)) continue;
        const out: { language?: string; use?: { system?: string; code?: string; display?: string }; value: string; extension?: Extension[] } = { value: d.value };
        if (d.language !== undefined) out.language = d.language;
        if (d.use !== undefined) out.use = d.use;
        const exts = (d.extension ?? []).filter((x) => DESIGNATION_EXTENSIONS.includes(x.url));
        if (exts.length > 0) out.extension = exts;
        (e.designation ??= []).push(out);
      }
    }
    this.addProperties(e, provider, c);
    return e;
  }

  /** Properties and pass-through extensions from the concept's (and the value set concept's) extensions. */
  private addExtensions(e: Entry, csExt: readonly Extension[], vsExt: readonly Extension[]): void {
    const extValue = (list: readonly Extension[], url: string): Extension | undefined => list.find((x) => x.url === url);
    const num = (x: Extension | undefined): number | undefined => x?.valueDecimal ?? x?.valueInteger;
    const csLabel = extValue(csExt, EXT_CS_LABEL);
    if (csLabel !== undefined) this.defineProperty(e, `${CONCEPT_PROPERTIES}label`, 'label', 'valueString', csLabel.valueString);
    const vsLabel = extValue(vsExt, EXT_VS_LABEL);
    if (vsLabel !== undefined) this.defineProperty(e, `${CONCEPT_PROPERTIES}label`, 'label', 'valueString', vsLabel.valueString);
    const csOrder = extValue(csExt, EXT_CS_ORDER);
    if (csOrder !== undefined) this.defineProperty(e, `${CONCEPT_PROPERTIES}order`, 'order', 'valueDecimal', num(csOrder));
    const vsOrder = extValue(vsExt, EXT_VS_ORDER);
    if (vsOrder !== undefined) this.defineProperty(e, `${CONCEPT_PROPERTIES}order`, 'order', 'valueDecimal', num(vsOrder));
    const csWeight = extValue(csExt, EXT_ITEM_WEIGHT);
    if (csWeight !== undefined) this.defineProperty(e, `${CONCEPT_PROPERTIES}itemWeight`, 'weight', 'valueDecimal', num(csWeight));
    const vsWeight = extValue(vsExt, EXT_ITEM_WEIGHT);
    if (vsWeight !== undefined) this.defineProperty(e, `${CONCEPT_PROPERTIES}itemWeight`, 'weight', 'valueDecimal', num(vsWeight));
    for (const ext of csExt) {
      if (PASSED_THROUGH_CS_EXTENSIONS.includes(ext.url)) (e.extension ??= []).push(ext);
      if (ext.url === EXT_STANDARDS_STATUS) this.defineProperty(e, `${CONCEPT_PROPERTIES}status`, 'status', 'valueCode', ext.valueCode ?? ext.valueString);
    }
    for (const ext of vsExt) {
      if (PASSED_THROUGH_VS_EXTENSIONS.includes(ext.url)) (e.extension ??= []).push(ext);
    }
  }

  /** The requested properties of a concept (`property` parameters). */
  private addProperties(e: Entry, provider: CodeSystemProvider, c: number): void {
    const p = this.ctx.params;
    if (p.properties.length === 0) return;
    const props = provider.properties(c);
    if (p.properties.includes('*')) {
      for (const cp of props) {
        const [vn, v] = valueOf(cp);
        if (vn !== undefined) this.defineProperty(e, this.propertyUri(provider, cp.code), cp.code, vn, v, true);
      }
    }
    for (const pn of p.properties) {
      if (pn === '*') continue;
      if (pn === 'definition') {
        const def = provider.definition(c);
        if (def !== undefined) this.defineProperty(e, `${CONCEPT_PROPERTIES}definition`, pn, 'valueString', def);
      } else {
        for (const cp of props) {
          if (cp.code !== pn) continue;
          const [vn, v] = valueOf(cp);
          if (vn !== undefined) this.defineProperty(e, this.propertyUri(provider, pn), pn, vn, v, true);
        }
      }
    }
  }
}

/** The `value[x]` element of an object: its name and value. */
export function valueOf(p: object): [string | undefined, unknown] {
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith('value')) return [k, v];
  }
  return [undefined, undefined];
}
