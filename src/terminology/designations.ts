/**
 * Display and designation selection and checking: which display to return for the requested languages,
 * whether a display given by a client is valid (exactly, ignoring case, or only after normalising
 * whitespace), and how valid displays are listed in messages.
 *
 * @see https://hl7.org/fhir/R4/codesystem-definitions.html#CodeSystem.concept.designation
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html (display)
 */
import type { Coding } from '@medplum/fhirtypes';
import { languageMatches, LanguageMatch } from './languages.ts';
import type { LanguageList, LanguagePreference } from './languages.ts';
import type { Designation } from './provider.ts';
import { DISPLAY_USE } from './fhir-provider.ts';

/**
 * How two display strings are compared.
 */
export const DisplayCheck = {
  Exact: 'exact',
  CaseInsensitive: 'case-insensitive',
  Normalised: 'normalised',
} as const;
/**
 * A display comparison style.
 */
export type DisplayCheck = (typeof DisplayCheck)[keyof typeof DisplayCheck];

/**
 * Result of `hasDisplay`.
 */
export interface DisplayMatch {
  readonly found: boolean;
  /** When not found: 'normalised' if it matches after whitespace normalisation, 'case' if only by case. */
  readonly difference: 'none' | 'case' | 'normalised';
}

const SCT = 'http://snomed.info/sct';

function isPreferredUse(use: Coding | undefined): boolean {
  if (use === undefined) return true;
  return (
    (use.system === DISPLAY_USE.system && use.code === DISPLAY_USE.code) ||
    (use.system === SCT && (use.code === '900000000000548007' || use.code === '900000000000013009'))
  );
}

/**
 * True when a designation counts as a display (no use, or a display/preferred use).
 */
export function isDisplayDesignation(d: Designation): boolean {
  if (d.isDisplay) return true;
  return d.use === undefined || (d.use.system === DISPLAY_USE.system && d.use.code === DISPLAY_USE.code) || (d.use.system === SCT && d.use.code === '900000000000548007');
}

function isActiveDesignation(d: Designation): boolean {
  return d.status !== 'withdrawn' && d.status !== 'inactive' && d.status !== 'deprecated' && d.status !== 'retired';
}

function normalise(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

function stringMatches(a: string, b: string, mode: DisplayCheck): boolean {
  switch (mode) {
    case DisplayCheck.Exact:
      return a === b;
    case DisplayCheck.CaseInsensitive:
      return a.toLowerCase() === b.toLowerCase();
    default:
      return normalise(a) === normalise(b);
  }
}

/**
 * The designations of one concept, with the code system's default language.
 */
export class DisplayList {
  readonly designations: Designation[] = [];
  /** The code system language (the language of designations that state none). */
  baseLanguage: string | undefined;

  constructor(designations: readonly Designation[] = [], baseLanguage?: string) {
    this.designations.push(...designations);
    this.baseLanguage = baseLanguage;
  }

  /** Adds designations. */
  add(...ds: Designation[]): void {
    this.designations.push(...ds);
  }

  /** Whether a designation's language meets one preference of the list (never when the list excludes it). */
  private langMatch(langs: LanguageList, pref: LanguagePreference, stated: string | undefined, level: LanguageMatch): boolean {
    const actual = stated ?? this.baseLanguage;
    if (pref.quality <= 0) return false;
    if (actual !== undefined && langs.excludes(actual)) return false;
    if (pref.code === '*') return true;
    if (actual === undefined) return false;
    return languageMatches(pref.code, actual, level);
  }

  private langsMatch(langs: LanguageList | undefined, stated: string | undefined, level: LanguageMatch, defLang: string | undefined): boolean {
    if (defLang !== undefined && stated !== undefined && languageMatches(defLang, stated, LanguageMatch.Lang)) return true;
    if (stated === undefined || langs === undefined || langs.isEmpty) return true;
    return langs.preferences.some((p) => this.langMatch(langs, p, stated, level));
  }

  /** Whether `value` is a display (in the languages; with `defLang` also accepting that language). */
  hasDisplay(langs: LanguageList | undefined, defLang: string | undefined, value: string, activeOnly: boolean, mode: DisplayCheck): DisplayMatch {
    const candidates = this.designations.filter(
      (d) => this.langsMatch(langs, d.language, LanguageMatch.Lang, defLang) && (!activeOnly || isActiveDesignation(d)) && d.value !== '',
    );
    if (candidates.some((d) => stringMatches(value, d.value, mode))) return { found: true, difference: 'none' };
    if (mode === DisplayCheck.Exact && candidates.some((d) => stringMatches(value, d.value, DisplayCheck.CaseInsensitive))) {
      return { found: false, difference: 'case' };
    }
    if (mode !== DisplayCheck.Normalised && candidates.some((d) => stringMatches(value, d.value, DisplayCheck.Normalised))) {
      return { found: false, difference: 'normalised' };
    }
    return { found: false, difference: 'none' };
  }

  /** The number of displays (or designations) in the languages: full tag match, else language-region, else language. */
  displayCount(langs: LanguageList | undefined, defLang: string | undefined, displayOnly: boolean): number {
    for (const level of [LanguageMatch.Full, LanguageMatch.LangRegion, LanguageMatch.Lang]) {
      const n = this.designations.filter(
        (d) => (!displayOnly || isDisplayDesignation(d)) && this.langsMatch(langs, d.language, level, defLang) && d.value !== '',
      ).length;
      if (n > 0) return n;
    }
    return 0;
  }

  /** The valid displays for a message: "'A' (en) or 'B' (de)". */
  present(langs: LanguageList | undefined, displayOnly: boolean): string {
    const render = (d: Designation): string => (d.language !== undefined ? `'${d.value}' (${d.language})` : `'${d.value}'`);
    let items = this.designations
      .filter((d) => (!displayOnly || isDisplayDesignation(d)) && this.langsMatch(langs, d.language, LanguageMatch.Lang, undefined) && d.value !== '')
      .map(render);
    if (items.length === 0) {
      items = this.designations.filter((d) => (!displayOnly || isDisplayDesignation(d)) && d.value !== '').map(render);
    }
    const unique = [...new Set(items)];
    if (unique.length <= 1) return unique[0] ?? '';
    if (unique.length === 2) return `${unique[0]} or ${unique[1]}`;
    return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
  }

  /** The preferred designation for the languages (undefined languages: the code system display). */
  preferred(langs: LanguageList | undefined): Designation | undefined {
    const ds = this.designations;
    if (ds.length === 0) return undefined;
    if (langs === undefined || langs.isEmpty) {
      return (
        ds.find((d) => isPreferredUse(d.use) && isActiveDesignation(d) && (d.isDisplay || d.use === undefined)) ??
        ds.find((d) => isDisplayDesignation(d) && isActiveDesignation(d)) ??
        ds.find((d) => isDisplayDesignation(d)) ??
        ds[0]
      );
    }
    for (const pref of langs.preferences) {
      if (pref.quality <= 0) continue;
      for (const activeOnly of [true, false]) {
        for (const level of [LanguageMatch.Full, LanguageMatch.LangRegion, LanguageMatch.Lang]) {
          const ok = (d: Designation): boolean => this.langMatch(langs, pref, d.language, level) && (!activeOnly || isActiveDesignation(d));
          const found = ds.find((d) => ok(d) && isPreferredUse(d.use)) ?? ds.find((d) => ok(d) && isDisplayDesignation(d)) ?? ds.find(ok);
          if (found !== undefined) return found;
        }
      }
    }
    return ds.find((d) => d.language === undefined && this.baseLanguage === undefined && isDisplayDesignation(d));
  }

  /** The preferred display text for the languages ('' when none). */
  preferredDisplay(langs: LanguageList | undefined): string {
    return this.preferred(langs)?.value ?? '';
  }

  /** Distinct active display values (for the inactive-display message). */
  allowedDisplays(): string[] {
    const out: string[] = [];
    for (const d of this.designations) {
      if (isActiveDesignation(d) && isDisplayDesignation(d) && d.value !== '' && !out.includes(d.value)) out.push(d.value);
    }
    return out;
  }

  /** The status of the designation with this value. */
  statusOf(value: string): string {
    return this.designations.find((d) => d.value === value)?.status ?? '';
  }
}
