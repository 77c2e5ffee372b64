/**
 * Language preferences (HTTP `Accept-Language`, the `displayLanguage` parameter) and BCP-47 tag matching
 * used to choose displays and designations.
 *
 * @see https://hl7.org/fhir/R4/languages.html
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-accept-language
 */

/**
 * One language preference: a tag (or `*`) and its quality.
 */
export interface LanguagePreference {
  readonly code: string;
  readonly quality: number;
}

/**
 * How closely two tags must agree.
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
 */
export type LanguageMatch = (typeof LanguageMatch)[keyof typeof LanguageMatch];

/**
 * What an `Accept-Language` value (or a `displayLanguage` parameter) asks for, read as RFC 9110 §12.5.4 says:
 *
 * - `preferences`: the acceptable ranges (q > 0), best first (stable for equal q). `*` stays only beside other
 *   ranges or exclusions: alone it states no preference, so `*` (what `fetch` sends by default) reads as no
 *   header at all.
 * - `exclusions`: ranges with q=0 ("not acceptable"). A tag is excluded when the longest range matching it by
 *   RFC 4647 §3.3.1 basic filtering has q=0 (`en;q=0, en-GB` excludes `en-US` but not `en-GB`).
 * - `othersExcluded`: `*;q=0`, so languages the preferences do not reach are not acceptable.
 *
 * When no language is acceptable (`*;q=0`, `en;q=0` alone) the list is empty: the server disregards the
 * header, as RFC 9110 allows. Choosing the one display among acceptable designations uses RFC 4647 §3.4
 * lookup (`de-CH` falls back to `de`), see {@link languageMatches}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4647#section-3.3.1
 */
export class LanguageList {
  readonly preferences: readonly LanguagePreference[];
  readonly exclusions: readonly string[];
  readonly othersExcluded: boolean;
  readonly source: string;

  constructor(preferences: readonly LanguagePreference[], source: string, options: { exclusions?: readonly string[]; othersExcluded?: boolean } = {}) {
    this.preferences = preferences;
    this.source = source;
    this.exclusions = options.exclusions ?? [];
    this.othersExcluded = options.othersExcluded ?? false;
  }

  /** True when no preference was given (no header, `*`, or nothing acceptable). */
  get isEmpty(): boolean {
    return this.preferences.length === 0;
  }

  /** The list as the reference server renders it: tags, comma separated, with non-default qualities. */
  summary(): string {
    const shown = this.preferences.map((p) => (p.quality === 1 ? p.code : `${p.code}; q=${p.quality}`));
    for (const e of this.exclusions) shown.push(`${e}; q=0`);
    if (this.othersExcluded) shown.push('*; q=0');
    return shown.join(', ');
  }

  /** The list as an expansion parameter: as given, or normalised when qualities are stated. */
  asParameter(): string {
    return this.preferences.every((p) => p.quality === 1) && this.exclusions.length === 0 && !this.othersExcluded ? this.source : this.summary();
  }

  /** The list with an implicit low-priority `*` (used for expansions), unless it names `*` (acceptable or not). */
  withWildcard(): LanguageList {
    if (this.othersExcluded || this.preferences.some((p) => p.code === '*')) return this;
    return new LanguageList([...this.preferences, { code: '*', quality: 0.01 }], this.source, { exclusions: this.exclusions });
  }

  /** True when `tag` is not acceptable: the longest range matching it by basic filtering has q=0. */
  excludes(tag: string): boolean {
    if (this.exclusions.length === 0) return false;
    const excluded = longestFilterMatch(this.exclusions, tag);
    if (excluded === undefined) return false;
    const accepted = longestFilterMatch(
      this.preferences.filter((p) => p.code !== '*').map((p) => p.code),
      tag,
    );
    return accepted === undefined || accepted.length < excluded.length;
  }
}

/**
 * True when a language range matches a tag by RFC 4647 basic filtering: `*`, the whole tag, or a prefix of it
 * ending at a `-` (case-insensitive): `en` matches `en-US`, `en-US` does not match `en`.
 */
export function filterMatches(range: string, tag: string): boolean {
  if (range === '*') return true;
  const r = range.toLowerCase();
  const t = tag.toLowerCase();
  return t === r || t.startsWith(`${r}-`);
}

function longestFilterMatch(ranges: readonly string[], tag: string): string | undefined {
  let best: string | undefined;
  for (const r of ranges) if (filterMatches(r, tag) && (best === undefined || r.length > best.length)) best = r;
  return best;
}

const TAG = /^(\*|[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*)$/;
const WEIGHT = /^q=(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/i;

/**
 * True when `tag` is a syntactically valid language range (a BCP-47 tag or `*`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc4647#section-2.1
 */
export function isValidLanguageTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * The single parser of language preferences: an `Accept-Language` value or a `displayLanguage` parameter
 * ("en, en-AU;q=0.4, *"). Returns undefined when a range or a weight is malformed (the grammar of
 * RFC 9110 §12.5.4: `language-range [ OWS ";" OWS "q=" qvalue ]`, qvalue 0 to 1 with up to three decimals);
 * parameters other than `q` are ignored.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-quality-values
 */
export function parseAcceptLanguage(value: string | undefined): LanguageList | undefined {
  if (value === undefined || value.trim() === '') return new LanguageList([], value ?? '');
  const ranges: LanguagePreference[] = [];
  for (const part of value.split(',')) {
    const [tagRaw, ...params] = part.split(';');
    const tag = tagRaw.trim();
    if (tag === '' && params.length === 0) continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    if (!isValidLanguageTag(tag)) return undefined;
    let quality = 1;
    for (const raw of params) {
      const param = raw.trim().replace(/\s*=\s*/, '=');
      if (!/^q=/i.test(param)) continue;
      if (!WEIGHT.test(param)) return undefined;
      quality = Number(param.slice(2));
    }
    ranges.push({ code: tag, quality });
  }
  const acceptable = ranges
    .map((p, i) => ({ p, i }))
    .filter((x) => x.p.quality > 0)
    .sort((a, b) => b.p.quality - a.p.quality || a.i - b.i)
    .map((x) => x.p);
  const exclusions = ranges.filter((p) => p.quality === 0 && p.code !== '*').map((p) => p.code);
  const othersExcluded = ranges.some((p) => p.quality === 0 && p.code === '*');
  const named = acceptable.some((p) => p.code !== '*');
  const wildcard = acceptable.some((p) => p.code === '*');
  // `*` alone states no preference; nothing acceptable means the header is disregarded (RFC 9110 §12.5.4).
  if (!named && !(wildcard && exclusions.length > 0)) return new LanguageList([], value);
  return new LanguageList(acceptable, value, { exclusions, othersExcluded });
}

/**
 * The primary language subtag, lower-cased.
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
