import { describe, expect, it } from 'vitest';
import { DisplayList } from '../../src/terminology/designations.ts';
import { filterMatches, parseAcceptLanguage } from '../../src/terminology/languages.ts';

const codes = (value: string): string[] | undefined => parseAcceptLanguage(value)?.preferences.map((p) => p.code);

describe('parseAcceptLanguage (RFC 9110 §12.5.4)', () => {
  it('reads no header, an empty header and `*` (what fetch sends) as no preference', () => {
    for (const value of [undefined, '', '  ', '*', '*;q=0.5', ' * ']) expect(parseAcceptLanguage(value)?.isEmpty).toBe(true);
  });

  it('orders ranges by quality, keeping the order of equal qualities', () => {
    expect(codes('da, en-GB;q=0.8, en;q=0.7')).toEqual(['da', 'en-GB', 'en']);
    expect(codes('en;q=0.5, de, fr;q=0.5')).toEqual(['de', 'en', 'fr']);
    expect(codes('de, *')).toEqual(['de', '*']);
    expect(parseAcceptLanguage('en, en-AU; q=0.4')?.summary()).toBe('en, en-AU; q=0.4');
  });

  it('reads q=0 as "not acceptable": an exclusion, never a preference', () => {
    const list = parseAcceptLanguage('de, en;q=0');
    expect(codes('de, en;q=0')).toEqual(['de']);
    expect(list?.exclusions).toEqual(['en']);
    expect(list?.excludes('en-US')).toBe(true);
    expect(list?.excludes('de')).toBe(false);
  });

  it('lets the most specific range decide (en;q=0 with en-GB acceptable)', () => {
    const list = parseAcceptLanguage('en;q=0, en-GB;q=0.5, *');
    expect(list?.excludes('en-GB')).toBe(false);
    expect(list?.excludes('en-gb-oxendict')).toBe(false);
    expect(list?.excludes('en-US')).toBe(true);
    expect(list?.excludes('fr')).toBe(false);
  });

  it('keeps `*` beside exclusions ("anything but English")', () => {
    const list = parseAcceptLanguage('*, en;q=0');
    expect(list?.isEmpty).toBe(false);
    expect(codes('*, en;q=0')).toEqual(['*']);
    expect(list?.excludes('en')).toBe(true);
  });

  it('reads *;q=0 as "nothing beyond the named ranges", and disregards a header accepting nothing', () => {
    const list = parseAcceptLanguage('de, *;q=0');
    expect(list?.othersExcluded).toBe(true);
    expect(list?.withWildcard().preferences.map((p) => p.code)).toEqual(['de']);
    expect(parseAcceptLanguage('de')?.withWildcard().preferences.map((p) => p.code)).toEqual(['de', '*']);
    for (const value of ['*;q=0', 'en;q=0', 'en;q=0, *;q=0']) expect(parseAcceptLanguage(value)?.isEmpty).toBe(true);
  });

  it('accepts OWS around ";" and "=", an upper-case Q, empty list elements and unknown parameters', () => {
    expect(codes('de ;  q = 0.5 , fr;Q=1')).toEqual(['fr', 'de']);
    expect(codes('de,,en')).toEqual(['de', 'en']);
    expect(codes('de;level=1')).toEqual(['de']);
  });

  it('refuses malformed ranges and weights', () => {
    for (const value of ['en_US', 'toolonglanguage', 'de;q=2', 'de;q=0.5555', 'de;q=abc', 'de;q=', '-', ';q=1']) {
      expect(parseAcceptLanguage(value), value).toBeUndefined();
    }
  });
});

describe('basic filtering (RFC 4647 §3.3.1)', () => {
  it('matches a range to the tag itself and to longer tags, case-insensitively', () => {
    expect(filterMatches('en', 'en-US')).toBe(true);
    expect(filterMatches('EN-us', 'en-US')).toBe(true);
    expect(filterMatches('en-US', 'en')).toBe(false);
    expect(filterMatches('en', 'eng')).toBe(false);
    expect(filterMatches('*', 'fr')).toBe(true);
  });
});

describe('display choice with a language list', () => {
  const list = new DisplayList(
    [
      { value: 'Hepatocellular carcinoma', isDisplay: true },
      { language: 'de', value: 'Hepatozelluläres Karzinom' },
      { language: 'fr', value: 'Carcinome hépatocellulaire' },
    ],
    'en',
  );
  const display = (header: string): string => list.preferredDisplay(parseAcceptLanguage(header));

  it('chooses by quality, falling back from a region to its language (RFC 4647 §3.4 lookup)', () => {
    expect(display('fr;q=0.5, de')).toBe('Hepatozelluläres Karzinom');
    expect(display('de-CH')).toBe('Hepatozelluläres Karzinom');
    expect(display('*')).toBe('Hepatocellular carcinoma');
  });

  it('never chooses an excluded language', () => {
    expect(display('*, en;q=0')).not.toBe('Hepatocellular carcinoma');
    expect(display('en;q=0, fr;q=0.1, *;q=0.5')).toBe('Hepatozelluläres Karzinom');
  });
});
