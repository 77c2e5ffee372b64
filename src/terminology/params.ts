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
import { primitiveOf } from '../fhir/parameters.ts';
import { fieldsOf } from '../lib/records.ts';

const EXPANSION_PARAMETER_URLS = [
  'http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter',
  'http://hl7.org/fhir/tools/StructureDefinition/valueset-expansion-parameter',
];

/**
 * How a version rule applies.
 */
export type VersionRuleMode = 'default' | 'check' | 'override';

/**
 * A version rule from `system-version` (default), `check-system-version` (check) or `force-system-version` (override).
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

const NO_RULES: readonly VersionRule[] = Object.freeze([]);

const VERSION_PARAMS: Readonly<Record<string, { mode: VersionRuleMode; valueSet: boolean }>> = {
  'system-version': { mode: 'default', valueSet: false },
  'check-system-version': { mode: 'check', valueSet: false },
  'force-system-version': { mode: 'override', valueSet: false },
  'default-valueset-version': { mode: 'default', valueSet: true },
  'check-valueset-version': { mode: 'check', valueSet: true },
  'force-valueset-version': { mode: 'override', valueSet: true },
};

/** The boolean fields of TxParams. */
type FlagField =
  | 'activeOnly' | 'excludeNested' | 'includeDesignations' | 'includeDefinition' | 'excludeNotForUI' | 'excludePostCoordinated'
  | 'membershipOnly' | 'displayWarning' | 'inferSystem' | 'versionsMatch' | 'diagnostics';

/** Single-valued boolean parameters: the parameter name and the field it sets (`true` is the only true value). */
const FLAG_PARAMS: Readonly<Record<string, FlagField>> = {
  includeDesignations: 'includeDesignations',
  includeDefinition: 'includeDefinition',
  activeOnly: 'activeOnly',
  excludeNested: 'excludeNested',
  excludeNotForUI: 'excludeNotForUI',
  excludePostCoordinated: 'excludePostCoordinated',
  'lenient-display-validation': 'displayWarning',
  'valueset-membership-only': 'membershipOnly',
  versionsMatch: 'versionsMatch',
  inferSystem: 'inferSystem',
  diagnostics: 'diagnostics',
};

/** How one parameter (from the request, or a value set's embedded parameters) changes TxParams. */
type Decoder = (params: TxParams, name: string, text: string | undefined, overwrite: boolean) => void;

/** The other parameters, each with its own rule. */
const OTHER_DECODERS: Readonly<Record<string, Decoder>> = {
  designation: (p, _name, text) => {
    if (text !== undefined) p.designations.push(text);
  },
  property: (p, _name, text) => {
    if (text !== undefined && !p.properties.includes(text)) p.properties.push(text);
  },
  useSupplement: (p, _name, text) => {
    if (text !== undefined) p.supplements.add(text);
  },
  displayLanguage: (p, name, text, overwrite) => {
    if (!p.claim(name, overwrite) || text === undefined) return;
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
    p.displayLanguages = langs;
  },
  abstract: (p, name, text, overwrite) => {
    if ((text === 'true' || text === 'false') && p.claim(name, overwrite)) p.abstractOk = text === 'true';
  },
  filter: (p, name, text, overwrite) => {
    if (p.claim(name, overwrite)) p.filter = text;
  },
  count: decodePaging,
  offset: decodePaging,
  limit: (p, name, text, overwrite) => {
    if (p.claim(name, overwrite)) p.limit = toInt(text);
  },
};

function decodePaging(p: TxParams, name: string, text: string | undefined, overwrite: boolean): void {
  if (!p.claim(name, overwrite)) return;
  const n = toInt(text);
  // -1 means "not given" inside: a client's negative value must not silently mean "everything".
  if (overwrite && text !== undefined && (n < 0 || String(n) !== text.replace(/^\+/, ''))) {
    throw badRequest(`Parameter ${name} must be a non-negative integer, got ${shown(text)}`, { expression: name });
  }
  if (name === 'count') p.count = n;
  else p.offset = n;
}

/** One decoder per parameter name: the one list of the terminology parameters TxParams reads. */
const DECODERS: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ...Object.entries(VERSION_PARAMS).map(([name, rule]): [string, Decoder] => [
    name,
    (p, _name, text) => {
      const bar = text === undefined ? -1 : text.indexOf('|');
      if (text === undefined || bar < 0) return;
      p.versionRules.push({ system: text.substring(0, bar), version: text.substring(bar + 1), mode: rule.mode, valueSet: rule.valueSet, parameter: name });
    },
  ]),
  ...Object.entries(FLAG_PARAMS).map(([name, field]): [string, Decoder] => [
    name,
    (p, _name, text, overwrite) => {
      if (p.claim(name, overwrite)) p[field] = text === 'true';
    },
  ]),
  ...Object.entries(OTHER_DECODERS),
]);

/**
 * The names of the terminology parameters TxParams decodes (each must be an input of some terminology
 * OperationDefinition, or a value set's embedded parameter; a test keeps the two in step).
 */
export const TX_PARAMETER_NAMES: readonly string[] = [...DECODERS.keys()];

/**
 * The parsed terminology parameters of one request.
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
      DECODERS.get(param.name)?.(p, param.name, primitiveOf(param), true);
    }
    return p;
  }

  /** Sees one parameter; `overwrite` false for a value set's embedded parameters. Unknown names do nothing. */
  see(name: string, value: ParametersParameter | Record<string, unknown>, overwrite: boolean): void {
    DECODERS.get(name)?.(this, name, primitiveOf(value), overwrite);
  }

  /** Marks a single-valued parameter as set; false when it was set already and `overwrite` is false. */
  claim(key: string, overwrite: boolean): boolean {
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
      if (n !== undefined && value !== undefined) this.see(n, fieldsOf(value), false);
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
