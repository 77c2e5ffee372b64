/**
 * Query strings are decoded exactly as `URLSearchParams` decodes them (form encoding: `+` is a space,
 * percent-escapes are UTF-8), whatever shortcut the parser takes.
 */
import { describe, expect, it } from 'vitest';
import { parseQueryString } from '../../src/http/query-string.ts';

const reference = (query: string): [string, string][] => [...new URLSearchParams(query).entries()];

describe('query string decoding', () => {
  it('splits names and values and decodes escapes, + and UTF-8', () => {
    const query = 'url=https%3A%2F%2Fexample.org%2Ffhir%2FValueSet%2Fx%7C1.0&filter=hepatic+lesion&displayLanguage=fr%2Cde&x=%C3%A9t%C3%A9';
    expect(parseQueryString(query)).toEqual([
      ['url', 'https://example.org/fhir/ValueSet/x|1.0'],
      ['filter', 'hepatic lesion'],
      ['displayLanguage', 'fr,de'],
      ['x', 'été'],
    ]);
  });

  it('agrees with URLSearchParams on edge cases (empty parts, bare names, malformed escapes, repeated =)', () => {
    const cases = [
      '', '&', '&&a=1&&', 'a', 'a=', '=b', '==', 'a=b=c', 'a=1&a=2', '%', '%2', '%zz=1', 'a=%E9', 'a=%C3%28', '%ED%A0%80=x',
      '?a=1', '??a=1', 'a=%F0%9F%98%80', 'a+b=c+d', 'a%2Bb=c%2Bd', 'a=%26%3D', 'é=è', 'a=\uD800', 'code=47383&system=http://www.ama-assn.org/go/cpt',
    ];
    for (const query of cases) expect(parseQueryString(query), JSON.stringify(query)).toEqual(reference(query));
  });

  it('agrees with URLSearchParams on random strings of awkward pieces', () => {
    const pieces = ['a', 'b', '=', '&', '+', '%', '%2', '%20', '%41', '%C3%A9', '%E9', '%ZZ', '%F0%9F%98%80', '%ED%A0%80', 'é', '😀', '%26', '%3D', '?', ' ', '\uD800'];
    let seed = 47383;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 5000; i++) {
      let query = '';
      const n = Math.floor(next() * 10);
      for (let j = 0; j < n; j++) query += pieces[Math.floor(next() * pieces.length)];
      expect(parseQueryString(query), JSON.stringify(query)).toEqual(reference(query));
    }
  });
});
