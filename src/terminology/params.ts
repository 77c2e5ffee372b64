/**
 * The parameters that shape terminology operations ($expand, $validate-code, $lookup …), read once from the
 * request's Parameters (and from a value set's `valueset-expansion-parameter` extensions, which never
 * override the request): languages, version rules (`system-version`, `check-system-version`,
 * `force-system-version` and the value set equivalents), paging, designations and properties.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/
 */
import type { Parameters, ParametersParameter, ValueSet } from '@medplum/fhirtypes';
import { formatMessage } from './messages.ts';
import { parseAcceptLanguage } from './languages.ts';
import type { LanguageList } from './languages.ts';
import { txError } from './issues.ts';
import { badRequest, shown } from '../fhir/errors.ts';

const EXPANSION_PARAMETER_URLS = [
  'http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter',
  'http://hl7.org/fhir/tools/StructureDefinition/valueset-expansion-parameter',
];

/**
 * How a version rule applies.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export type VersionRuleMode = 'default' | 'check' | 'override';

/**
 * A version rule from `system-version` (default), `check-system-version` (check) or `force-system-version` (override).
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export interface VersionRule {
  readonly system: string;
  readonly version: string;
  readonly mode: VersionRuleMode;
  /** True for the value set variants (`default-valueset-version` …). */
  readonly valueSet: boolean;
  /** The parameter name it came from. */
  readonly parameter: string;
}

/**
 * The primitive value of a parameter (or extension) as text.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export function primitiveOf(p: ParametersParameter | Record<string, unknown>): string | undefined {
  const record = p as Record<string, unknown>;
  for (const k in record) {
    if (!k.startsWith('value') || !Object.hasOwn(record, k)) continue;
    const v = record[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  return undefined;
}

const NO_RULES: readonly VersionRule[] = Object.freeze([]);

/** The parameter names `see` acts on (the version rules and the cases of its switch). */
const SEEN_NAMES: ReadonlySet<string> = new Set([
  'system-version', 'check-system-version', 'force-system-version', 'default-valueset-version', 'check-valueset-version',
  'force-valueset-version', 'designation', 'property', 'useSupplement', 'displayLanguage', 'includeDesignations',
  'includeDefinition', 'activeOnly', 'excludeNested', 'excludeNotForUI', 'excludePostCoordinated', 'lenient-display-validation',
  'valueset-membership-only', 'versionsMatch', 'inferSystem', 'diagnostics', 'abstract', 'filter', 'count', 'offset', 'limit',
]);

const VERSION_PARAMS: Readonly<Record<string, { mode: VersionRuleMode; valueSet: boolean }>> = {
  'system-version': { mode: 'default', valueSet: false },
  'check-system-version': { mode: 'check', valueSet: false },
  'force-system-version': { mode: 'override', valueSet: false },
  'default-valueset-version': { mode: 'default', valueSet: true },
  'check-valueset-version': { mode: 'check', valueSet: true },
  'force-valueset-version': { mode: 'override', valueSet: true },
};

/**
 * The parsed terminology parameters of one request.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export class TxParams {
  /** Languages of the HTTP Accept-Language header. */
  httpLanguages: LanguageList | undefined;
  /** Languages of the displayLanguage parameter. */
  displayLanguages: LanguageList | undefined;
  readonly versionRules: VersionRule[] = [];
  readonly designations: string[] = [];
  readonly properties: string[] = [];
  readonly supplements = new Set<string>();
  activeOnly = false;
  excludeNested = false;
  includeDesignations = false;
  includeDefinition = false;
  excludeNotForUI = false;
  excludePostCoordinated = false;
  membershipOnly = false;
  displayWarning = false;
  abstractOk = true;
  inferSystem = false;
  versionsMatch = false;
  diagnostics = false;
  filter: string | undefined;
  count = -1;
  offset = -1;
  limit = -1;
  /** Names of the single-valued parameters set explicitly (a value set's parameters do not override them). */
  readonly seen = new Set<string>();

  /**
   * Reads a request's Parameters and Accept-Language. Throws 400 for an invalid displayLanguage.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9110#name-accept-language
   */
  static fromRequest(parameters: Parameters, acceptLanguage: string | undefined): TxParams {
    const p = new TxParams();
    // A header stating no preference (`*`, as fetch sends by default; malformed) reads as no header.
    const http = parseAcceptLanguage(acceptLanguage);
    if (http !== undefined && !http.isEmpty) p.httpLanguages = http;
    for (const param of parameters.parameter ?? []) {
      // Other names (system, code, url …) are not terminology parameters: seeing them does nothing.
      if (SEEN_NAMES.has(param.name)) p.see(param.name, param, true);
    }
    return p;
  }

  /** Sees one parameter; `overwrite` false for a value set's embedded parameters. */
  see(name: string, value: ParametersParameter | Record<string, unknown>, overwrite: boolean): void {
    const text = primitiveOf(value);
    const bool = text === 'true';
    const vr = VERSION_PARAMS[name];
    if (vr !== undefined) {
      if (text === undefined) return;
      const bar = text.indexOf('|');
      if (bar < 0) return;
      this.versionRules.push({ system: text.substring(0, bar), version: text.substring(bar + 1), mode: vr.mode, valueSet: vr.valueSet, parameter: name });
      return;
    }
    switch (name) {
      case 'designation':
        if (text !== undefined) this.designations.push(text);
        break;
      case 'property':
        if (text !== undefined && !this.properties.includes(text)) this.properties.push(text);
        break;
      case 'useSupplement':
        if (text !== undefined) this.supplements.add(text);
        break;
      case 'displayLanguage':
        if (this.claim(name, overwrite) && text !== undefined) {
          const langs = parseAcceptLanguage(text);
          if (langs === undefined || text.trim() === '-') {
            throw txError(400, {
              severity: 'error',
              code: 'processing',
              messageId: 'INVALID_DISPLAY_NAME',
              txCode: 'invalid-display',
              text: formatMessage('INVALID_DISPLAY_NAME', [text]),
            });
          }
          this.displayLanguages = langs;
        }
        break;
      case 'includeDesignations':
        if (this.claim(name, overwrite)) this.includeDesignations = bool;
        break;
      case 'includeDefinition':
        if (this.claim(name, overwrite)) this.includeDefinition = bool;
        break;
      case 'activeOnly':
        if (this.claim(name, overwrite)) this.activeOnly = bool;
        break;
      case 'excludeNested':
        if (this.claim(name, overwrite)) this.excludeNested = bool;
        break;
      case 'excludeNotForUI':
        if (this.claim(name, overwrite)) this.excludeNotForUI = bool;
        break;
      case 'excludePostCoordinated':
        if (this.claim(name, overwrite)) this.excludePostCoordinated = bool;
        break;
      case 'lenient-display-validation':
        if (this.claim(name, overwrite)) this.displayWarning = bool;
        break;
      case 'valueset-membership-only':
        if (this.claim(name, overwrite)) this.membershipOnly = bool;
        break;
      case 'versionsMatch':
        if (this.claim(name, overwrite)) this.versionsMatch = bool;
        break;
      case 'inferSystem':
        if (this.claim(name, overwrite)) this.inferSystem = bool;
        break;
      case 'diagnostics':
        if (this.claim(name, overwrite)) this.diagnostics = bool;
        break;
      case 'abstract':
        if ((text === 'true' || text === 'false') && this.claim(name, overwrite)) this.abstractOk = bool;
        break;
      case 'filter':
        if (this.claim(name, overwrite)) this.filter = text;
        break;
      case 'count':
      case 'offset': {
        if (!this.claim(name, overwrite)) break;
        const n = toInt(text);
        // -1 means "not given" inside: a client's negative value must not silently mean "everything".
        if (overwrite && text !== undefined && (n < 0 || String(n) !== text.replace(/^\+/, ''))) {
          throw badRequest(`Parameter ${name} must be a non-negative integer, got ${shown(text)}`, { expression: name });
        }
        if (name === 'count') this.count = n;
        else this.offset = n;
        break;
      }
      case 'limit':
        if (this.claim(name, overwrite)) this.limit = toInt(text);
        break;
      default:
        break;
    }
  }

  /** Marks a single-valued parameter as set; false when it was set already and `overwrite` is false. */
  private claim(key: string, overwrite: boolean): boolean {
    if (!overwrite && this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  /**
   * Applies what a value set says about its own processing: `valueset-expansion-parameter` extensions on
   * compose (never overriding the request), R6 `compose.property`, and its language when the request gave
   * none.
   */
  seeValueSet(vs: ValueSet): void {
    for (const ext of vs.compose?.extension ?? []) {
      if (!EXPANSION_PARAMETER_URLS.includes(ext.url)) continue;
      const name = ext.extension?.find((e) => e.url === 'name');
      const value = ext.extension?.find((e) => e.url === 'value');
      const n = name?.valueString ?? name?.valueCode;
      if (n !== undefined && value !== undefined) this.see(n, value as unknown as Record<string, unknown>, false);
    }
    const props = (vs.compose as { property?: unknown } | undefined)?.property;
    if (Array.isArray(props)) {
      for (const prop of props) if (typeof prop === 'string') this.see('property', { valueCode: prop }, false);
    }
    if ((this.httpLanguages === undefined || this.httpLanguages.isEmpty) && vs.language !== undefined) {
      this.httpLanguages = parseAcceptLanguage(vs.language);
    }
  }

  /** The languages to use for displays: displayLanguage, else Accept-Language. */
  workingLanguages(): LanguageList | undefined {
    return this.displayLanguages ?? this.httpLanguages;
  }

  /** The languages as messages summarise them ('--' when none). */
  langSummary(): string {
    const l = this.workingLanguages();
    return l === undefined || l.isEmpty ? '--' : l.summary();
  }

  /** Version rules for a system (code system rules, or value set rules when `valueSet`). */
  rulesFor(system: string, valueSet = false): readonly VersionRule[] {
    if (this.versionRules.length === 0) return NO_RULES;
    return this.versionRules.filter((r) => r.system === system && r.valueSet === valueSet);
  }
}

function toInt(text: string | undefined): number {
  if (text === undefined) return -1;
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) ? n : -1;
}
