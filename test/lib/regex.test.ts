import { describe, expect, it } from 'vitest';
import { compileRegex, MAX_REGEX_PATTERN_LENGTH, RegexSyntaxError } from '../../src/lib/regex.ts';

describe('linear-time regex (full match)', () => {
  it.each([
    ['code[0-9]+', 'code12', true],
    ['code[0-9]+', 'code12x', false],
    ['code', 'code1', false],
    ['(a|b)*c', 'ababc', true],
    ['[^x]{2,3}', 'abc', true],
    ['[^x]{2,3}', 'abcd', false],
    ['\\d{3}-\\w+', '123-abc_1', true],
    ['colou?r', 'color', true],
    ['.*2a.*', 'code2aII', true],
    ['^abc$', 'abc', true],
    ['a.c', 'a\nc', false],
    ['(?:ab)+', 'ababab', true],
    ['[a-c\\d]+', 'ab1c2', true],
    ['Ü+ber', 'ÜÜber', true],
    ['\\u0041[\\u0061-\\u007a]+', 'Abc', true],
    ['(?<letter>[a-z])1', 'b1', true],
  ])('%s on %s → %s', (pattern, text, expected) => {
    expect(compileRegex(pattern).matches(text)).toBe(expected);
  });

  it('handles catastrophic patterns in linear time', () => {
    const re = compileRegex('((a+)+)+b');
    expect(re.matches(`${'a'.repeat(5000)}c`)).toBe(false);
    expect(re.matches(`${'a'.repeat(5000)}b`)).toBe(true);
  });

  it.each(['(a', 'a)', '*a', '[a', 'a{3,1}', '(?=a)', '\\1'])('rejects the invalid or unsupported pattern %s', (pattern) => {
    expect(() => compileRegex(pattern)).toThrow(RegexSyntaxError);
  });

  it('rejects a pattern longer than the bound, and a repeat count over 1000', () => {
    expect(compileRegex('a'.repeat(MAX_REGEX_PATTERN_LENGTH)).matches('a'.repeat(MAX_REGEX_PATTERN_LENGTH))).toBe(true);
    expect(() => compileRegex('a'.repeat(MAX_REGEX_PATTERN_LENGTH + 1))).toThrow(RegexSyntaxError);
    expect(() => compileRegex('a{1001}')).toThrow(RegexSyntaxError);
  });
});
