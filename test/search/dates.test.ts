import { describe, expect, it } from 'vitest';
import { compareDateRanges, parseDateRange } from '../../src/search/dates.ts';

const r = (v: string) => {
  const range = parseDateRange(v);
  if (!range) throw new Error(`bad ${v}`);
  return range;
};

describe('FHIR date ranges', () => {
  it('reads each precision as the whole period it names', () => {
    expect(r('2026')).toEqual({ start: Date.UTC(2026, 0, 1), end: Date.UTC(2027, 0, 1) });
    expect(r('2026-02')).toEqual({ start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1) });
    expect(r('2026-12-31')).toEqual({ start: Date.UTC(2026, 11, 31), end: Date.UTC(2027, 0, 1) });
    expect(r('2026-01-02T03:04:05Z')).toEqual({ start: Date.UTC(2026, 0, 2, 3, 4, 5), end: Date.UTC(2026, 0, 2, 3, 4, 6) });
    expect(r('2026-01-02T03:04:05.123+02:00').start).toBe(Date.UTC(2026, 0, 2, 1, 4, 5, 123));
  });

  it('rejects what is not a FHIR date', () => {
    for (const bad of ['26', '2026-13', '2026-01-32', 'yesterday', "' OR 1=1--", '2026-01-02T03']) {
      expect(parseDateRange(bad)).toBeUndefined();
    }
  });

  it('applies the R4 prefixes to ranges', () => {
    const day = r('2026-11-27');
    expect(compareDateRanges('eq', day, r('2026-11'))).toBe(true);
    expect(compareDateRanges('eq', r('2026-11'), day)).toBe(false);
    expect(compareDateRanges('ne', r('2026-11'), day)).toBe(true);
    expect(compareDateRanges('gt', day, r('2026-11-26'))).toBe(true);
    expect(compareDateRanges('gt', day, r('2026-11-27'))).toBe(false);
    expect(compareDateRanges('ge', day, r('2026-11-27'))).toBe(true);
    expect(compareDateRanges('lt', day, r('2026-11-28'))).toBe(true);
    expect(compareDateRanges('le', day, r('2026-11-27'))).toBe(true);
    expect(compareDateRanges('lt', day, r('2026-11-27'))).toBe(false);
    expect(compareDateRanges('sa', day, r('2026-11-26'))).toBe(true);
    expect(compareDateRanges('sa', day, r('2026-11'))).toBe(false);
    expect(compareDateRanges('eb', day, r('2026-12'))).toBe(true);
    expect(compareDateRanges('eb', day, r('2026-11'))).toBe(false);
  });
});
