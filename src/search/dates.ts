/**
 * FHIR date/dateTime/instant values as half-open millisecond ranges, by their precision, and the R4
 * comparison prefixes over those ranges.
 *
 * @see https://hl7.org/fhir/R4/search.html#date
 * @see https://hl7.org/fhir/R4/search.html#prefix
 */
import type { Prefix } from './query.ts';

/** `[start, end)` in ms since the epoch. */
export interface DateRange {
  readonly start: number;
  readonly end: number;
}

const DATE_PATTERN = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parses a FHIR date, dateTime or instant into the range it denotes (`2026` is the whole year).
 * Values without a time zone are read as UTC. Returns undefined for anything else.
 */
export function parseDateRange(value: string): DateRange | undefined {
  const m = DATE_PATTERN.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo) - 1;
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 0 || month > 11)) return undefined;
  if (day !== undefined && (day < 1 || day > 31)) return undefined;
  let offsetMs = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  if (month === undefined) return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  if (day === undefined) return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  if (h === undefined) return { start: Date.UTC(year, month, day), end: Date.UTC(year, month, day + 1) };
  const base = Date.UTC(year, month, day, Number(h), Number(mi)) - offsetMs;
  if (s === undefined) return { start: base, end: base + 60_000 };
  const seconds = base + Number(s) * 1000;
  if (frac === undefined) return { start: seconds, end: seconds + 1000 };
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  return { start: seconds + ms, end: seconds + ms + 1 };
}

/**
 * Whether a resource's date range satisfies `prefix` against the search range.
 */
export function compareDateRanges(prefix: Prefix, target: DateRange, search: DateRange): boolean {
  const contains = target.start >= search.start && target.end <= search.end;
  switch (prefix) {
    case 'eq':
      return contains;
    case 'ne':
      return !contains;
    case 'gt':
      return target.end > search.end;
    case 'lt':
      return target.start < search.start;
    case 'ge':
      return target.end > search.end || contains;
    case 'le':
      return target.start < search.start || contains;
    case 'sa':
      return target.start >= search.end;
    case 'eb':
      return target.end <= search.start;
    case 'ap': {
      // Approximately: within 10 % of the distance to now, at least the search value's own precision.
      const now = Date.now();
      const gap = Math.max(Math.abs(now - search.start) * 0.1, search.end - search.start);
      return target.start < search.end + gap && target.end > search.start - gap;
    }
  }
}
