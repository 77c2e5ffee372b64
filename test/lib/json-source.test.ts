/**
 * The remembered JSON text of parsed values (src/lib/json-source.ts): serialising an object reuses a
 * member's text once, in member order, and serialises afresh what has none.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonRemembering, rememberJsonText, stringifyReusing, takeJsonText } from '../../src/lib/json-source.ts';

describe('stringifyReusing', () => {
  it('equals JSON.stringify when nothing is remembered', () => {
    const value = { a: 1, b: [1, { c: 'x' }], d: undefined, e: null, f: 'é' };
    expect(stringifyReusing(value)).toBe(JSON.stringify(value));
  });

  it('puts the remembered text of a member in its place, once', () => {
    const tree = [{ code: 'a' }, { code: 'b' }];
    rememberJsonText(tree, '[ {"code":"a"}, {"code":"b"} ]');
    const resource = { resourceType: 'CodeSystem', concept: tree, status: 'active' };
    const first = stringifyReusing(resource);
    expect(first).toBe('{"resourceType":"CodeSystem","concept":[ {"code":"a"}, {"code":"b"} ],"status":"active"}');
    expect(JSON.parse(first)).toEqual(resource);
    // Given back once: the next serialisation (a retried write) serialises the tree itself.
    expect(stringifyReusing(resource)).toBe(JSON.stringify(resource));
    expect(takeJsonText(tree)).toBeUndefined();
  });
});

describe('parseJsonRemembering', () => {
  it('parses like JSON.parse and stores the large members of the top-level object as written', () => {
    const text = '{"resourceType":"CodeSystem", "text":{"div":"a \\"}\\" b"}, "concept" : [ {"code":"a","x":[1,{"y":"]"}]}, {"code":"b"} ] ,"status":"active"}';
    const value = parseJsonRemembering(text, 30) as Record<string, unknown>;
    expect(value).toEqual(JSON.parse(text));
    expect(takeJsonText(value.concept as object)).toBe('[ {"code":"a","x":[1,{"y":"]"}]}, {"code":"b"} ]');
    // Below the size given, nothing is remembered.
    expect(takeJsonText(value.text as object)).toBeUndefined();
    expect(stringifyReusing(value)).toBe(JSON.stringify(value));
  });

  it('remembers nothing in text shorter than the size given, or when the top level is not an object', () => {
    const small = parseJsonRemembering('{"concept":[{"code":"a"}]}', 1000) as { concept: object };
    expect(takeJsonText(small.concept)).toBeUndefined();
    expect(parseJsonRemembering('[[1,2,3],[4]]', 1)).toEqual([[1, 2, 3], [4]]);
  });
});
