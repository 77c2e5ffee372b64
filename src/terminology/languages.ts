/**
 * Language preferences (HTTP `Accept-Language`, the `displayLanguage` parameter) and BCP-47 tag matching
 * used to choose displays and designations.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-accept-language
 */

/**
 * One language preference: a tag (or `*`) and its quality.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export interface LanguagePreference {
  readonly code: string;
  readonly quality: number;
}

/**
 * How closely two tags must agree.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export const LanguageMatch = {
  /** The whole tag (case-insensitive). */
  Full: 'full',
  /** Language and region. */
  LangRegion: 'lang-region',
  /** The primary language subtag only. */
  Lang: 'lang',
} as const;
/**
 * A language match level.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export type LanguageMatch = (typeof LanguageMatch)[keyof typeof LanguageMatch];

/**
 * An ordered list of language preferences (best first) with the text it was parsed from.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export class LanguageList {
  readonly preferences: readonly LanguagePreference[];
  readonly source: string;

  constructor(preferences: readonly LanguagePreference[], source: string) {
    this.preferences = preferences;
    this.source = source;
  }

  /** True when no preference was given. */
  get isEmpty(): boolean {
    return this.preferences.length === 0;
  }

  /** The list as the reference server renders it: tags, comma separated, with non-default qualities. */
  summary(): string {
    return this.preferences.map((p) => (p.quality === 1 ? p.code : `${p.code}; q=${p.quality}`)).join(', ');
  }

  /** The list as an expansion parameter: as given, or normalised when qualities are stated. */
  asParameter(): string {
    return this.preferences.every((p) => p.quality === 1) ? this.source : this.summary();
  }

  /** The list with an implicit low-priority `*` (used for expansions), unless it already names `*`. */
  withWildcard(): LanguageList {
    if (this.preferences.some((p) => p.code === '*')) return this;
    return new LanguageList([...this.preferences, { code: '*', quality: 0.01 }], this.source);
  }

  /** True when the list is empty or asks only for English (or anything). */
  isEnglishOrNothing(): boolean {
    return this.preferences.every((p) => p.code === '*' || primary(p.code) === 'en');
  }
}

const TAG = /^(\*|[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*)$/;

/**
 * True when `tag` is a syntactically valid BCP-47 tag (or `*`).
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export function isValidLanguageTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * Parses an Accept-Language value ("en, en-AU;q=0.4, *") into preferences ordered by quality (stable).
 * Returns undefined when a tag is malformed.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export function parseAcceptLanguage(value: string | undefined): LanguageList | undefined {
  if (value === undefined || value.trim() === '') return new LanguageList([], '');
  const prefs: LanguagePreference[] = [];
  for (const part of value.split(',')) {
    const [tagRaw, ...params] = part.split(';');
    const tag = tagRaw.trim();
    if (tag === '') continue;
    if (!isValidLanguageTag(tag)) return undefined;
    let quality = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) quality = Number(m[1]);
    }
    prefs.push({ code: tag, quality });
  }
  const ordered = prefs.map((p, i) => ({ p, i })).sort((a, b) => b.p.quality - a.p.quality || a.i - b.i);
  return new LanguageList(
    ordered.map((x) => x.p),
    value,
  );
}

/**
 * The primary language subtag, lower-cased.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export function primary(tag: string): string {
  const i = tag.indexOf('-');
  return (i < 0 ? tag : tag.substring(0, i)).toLowerCase();
}

function region(tag: string): string {
  for (const part of tag.split('-').slice(1)) {
    if (/^([a-zA-Z]{2}|\d{3})$/.test(part)) return part.toUpperCase();
  }
  return '';
}

/**
 * True when the requested tag matches the actual tag at the given level (`*` matches anything).
 *
 * @see https://hl7.org/fhir/R4/languages.html
 */
export function languageMatches(requested: string, actual: string, level: LanguageMatch): boolean {
  if (requested === '*') return true;
  switch (level) {
    case LanguageMatch.Full:
      return requested.toLowerCase() === actual.toLowerCase();
    case LanguageMatch.LangRegion:
      return primary(requested) === primary(actual) && region(requested) === region(actual);
    default:
      return primary(requested) === primary(actual);
  }
}
