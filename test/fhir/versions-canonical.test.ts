import { describe, expect, it } from 'vitest';
import { splitCanonical } from '../../src/fhir/canonical.ts';
import { compareVersions, versionIsMoreDetailed, versionMatches } from '../../src/fhir/versions.ts';

// One of each helper, used by terminology, validation, knowledge and search alike. The cases below are the
// ones on which the former copies disagreed.

describe('versionMatches (the one version-wildcard matcher)', () => {
  it('a wildcard matches one segment, and the segments after it must still match', () => {
    expect(versionMatches('1.x.2', '1.5.2')).toBe(true);
    expect(versionMatches('1.x.2', '1.5.9')).toBe(false); // the expander's copy said true
  });

  it('a trailing wildcard needs a segment to stand for', () => {
    expect(versionMatches('1.0.x', '1.0.3')).toBe(true);
    expect(versionMatches('1.0.x', '1.0')).toBe(false); // the expander's copy said true
    expect(versionMatches('1.x', '1.2.3')).toBe(true);
  });

  it('without a wildcard only the same version matches', () => {
    expect(versionMatches('1.0', '1.0')).toBe(true);
    expect(versionMatches('1.0', '1.0.0')).toBe(false);
    expect(versionIsMoreDetailed('1.0', '1.0.2')).toBe(false);
    expect(versionIsMoreDetailed('1.0.x', '1.0.2')).toBe(true);
  });
});

describe('compareVersions (the one "latest" order)', () => {
  it('orders numeric segments as numbers', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBe(1);
    expect(compareVersions('2026', '2025')).toBe(1);
    expect(compareVersions('1.0', '1.0.0')).toBe(-1);
  });

  it('orders other segments by code point, so every layer picks the same latest', () => {
    // The validator's copy (localeCompare) put '1.a' before '1.B'; the terminology engine put it after.
    expect(compareVersions('1.a', '1.B')).toBe(1);
    expect(compareVersions('1.0.0-beta', '1.0.0')).toBe(1);
  });
});

describe('splitCanonical (the one url|version splitter)', () => {
  it('splits url and version', () => {
    expect(splitCanonical('http://example.org/vs|1.2')).toEqual({ url: 'http://example.org/vs', version: '1.2' });
    expect(splitCanonical('http://example.org/vs')).toEqual({ url: 'http://example.org/vs' });
    expect(splitCanonical('http://example.org/vs|')).toEqual({ url: 'http://example.org/vs' });
  });

  it('drops a #fragment instead of keeping it inside the version', () => {
    // The terminology engine's copy returned version '1.2#part'.
    expect(splitCanonical('http://example.org/vs|1.2#part')).toEqual({ url: 'http://example.org/vs', version: '1.2' });
    expect(splitCanonical('http://example.org/cs#c1')).toEqual({ url: 'http://example.org/cs' });
  });

  it('keeps a fragment-only (contained) reference whole', () => {
    expect(splitCanonical('#vs1')).toEqual({ url: '#vs1' });
  });
});
