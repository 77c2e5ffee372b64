/**
 * Paging and totals of an expansion: the requested page (count / offset), light mode (a paged expansion of
 * one code system whose codes are only counted, records made for the page alone), whether the total is
 * known, and the size limit that answers `too-costly`.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { FhirError } from '../fhir/errors.ts';
import { txError } from './issues.ts';
import { formatMessage } from './messages.ts';

/** Thrown internally when a paged expansion has collected enough codes (a shared sentinel: no stack to build). */
export const PAGE_FILLED = Object.freeze({ pageFilled: true });

/**
 * 422 too-costly: the expansion of `source` has more codes than `limit`.
 */
export function tooCostly(source: string, limit: number): FhirError {
  return txError(422, {
    severity: 'error',
    code: 'too-costly',
    messageId: 'VALUESET_TOO_COSTLY',
    text: formatMessage('VALUESET_TOO_COSTLY', [source, `>${limit}`]),
  });
}

/** The page of one expansion and the counting that decides it. */
export class Paging {
  /** True for the value set the request names: only there do count and offset apply. */
  readonly topLevel: boolean;
  readonly limit: number;
  /** The canonical of the value set, for the too-costly message. */
  readonly source: string;
  /** The `count` parameter, -1 when not given. */
  count = -1;
  /** The `offset` parameter, -1 when not given (0 when only a count was). */
  offset = -1;
  /**
   * Light mode: a paged expansion of a single include (no exclusions, no imports). Codes are only counted;
   * records are made for the requested page alone.
   */
  light = false;
  /** The codes counted in light mode. */
  lightCount = 0;
  /** True when the compose excludes codes: then no code may be skipped or the walk stopped early. */
  hasExclusions = false;
  /** True when the walk stopped once the page was full: the total is not known. */
  totalOff = false;

  constructor(options: { topLevel: boolean; limit: number; source: string }) {
    this.topLevel = options.topLevel;
    this.limit = options.limit;
    this.source = options.source;
  }

  /** Takes the request's count and offset (a count alone pages from 0). */
  start(count: number, offset: number): void {
    this.count = count;
    this.offset = offset;
    if (this.count > 0 && this.offset === -1) this.offset = 0;
  }

  /** Light mode: counts the next code; true when it falls on the requested page. */
  countOnPage(): boolean {
    const position = this.lightCount++;
    return position >= this.offset && position < this.offset + this.count;
  }

  /**
   * Before one more code is recorded (`collected` so far): throws PAGE_FILLED when a paged walk has what it
   * needs at the limit, too-costly when an unpaged one goes over it.
   */
  checkRoom(collected: number): void {
    if (this.light || collected < this.limit || this.hasExclusions) return;
    if (this.count > -1 && this.offset > -1 && this.count + this.offset > 0 && collected >= this.count + this.offset) throw PAGE_FILLED;
    throw tooCostly(this.source, this.limit);
  }

  /** True when a paged top-level walk has collected the page and may stop (nothing excluded later). */
  pageFilled(collected: number): boolean {
    return this.topLevel && this.count > 0 && this.offset > -1 && !this.hasExclusions && this.total(collected) >= this.count + this.offset;
  }

  /** The number of codes in the expansion. */
  total(collected: number): number {
    return this.light ? this.lightCount : collected;
  }

  /** Throws too-costly when an unpaged top-level expansion collected more than the limit. */
  checkUnpagedSize(collected: number): void {
    if (this.topLevel && this.count < 0 && this.offset < 0 && collected > this.limit) throw tooCostly(this.source, this.limit);
  }

  /** Whether the `seen`-th entry (from 1) is on the page when `taken` entries are already. */
  onPage(seen: number, taken: number): boolean {
    // In light mode the records are already the requested page.
    return !this.topLevel || this.light || (seen > this.offset && (this.count < 0 || taken < this.count));
  }
}
