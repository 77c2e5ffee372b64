import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.ts';
import { MAX_PAGE_SIZE, parseSearchQuery, splitEscaped } from '../../src/search/query.ts';

const parse = (params: Record<string, string | string[]>, strict = false) => parseSearchQuery('ValueSet', params, { strict });
const status = (fn: () => unknown): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof FhirError ? err.status : -1;
  }
};

describe('search query parsing', () => {
  it('splits OR values on unescaped commas and keeps escapes for token splitting', () => {
    const q = parse({ url: 'http://a/x\\,y,http://b' });
    expect(q.filters[0].values.map((v) => v.value)).toEqual(['http://a/x,y', 'http://b']);
    expect(splitEscaped('a\\|b|c', '|')).toEqual(['a|b', 'c']);
  });

  it('ANDs repeated parameters', () => {
    const q = parse({ name: ['a', 'b'] });
    expect(q.filters).toHaveLength(2);
  });

  it('reads date prefixes', () => {
    const q = parse({ date: 'ge2026-01-01' });
    expect(q.filters[0].values[0]).toMatchObject({ prefix: 'ge', value: '2026-01-01' });
  });

  it('defaults _count to 20, caps it at 1000, and refuses junk with 400', () => {
    expect(parse({}).count).toBe(20);
    expect(parse({ _count: '1000000' }).count).toBe(MAX_PAGE_SIZE);
    expect(status(() => parse({ _count: '-1' }))).toBe(400);
    expect(status(() => parse({ _count: 'abc' }))).toBe(400);
    expect(status(() => parse({ _count: ['1', '2'] }))).toBe(400);
  });

  it('checks _summary, _elements, _total and _sort', () => {
    expect(parse({ _summary: 'count' }).count).toBe(0);
    expect(status(() => parse({ _summary: 'yes' }))).toBe(400);
    expect(parse({ _elements: 'url,name' }).elements).toEqual(['url', 'name']);
    expect(status(() => parse({ _elements: 'url,../x' }))).toBe(400);
    expect(status(() => parse({ _total: 'all' }))).toBe(400);
    expect(parse({ _sort: '-date,name' }).sort.map((s) => [s.param.code, s.descending])).toEqual([
      ['date', true],
      ['name', false],
    ]);
    expect(status(() => parse({ _sort: 'nonsense' }))).toBe(400);
  });

  it('ignores unknown parameters when lenient, refuses them when strict', () => {
    expect(parse({ foo: 'bar' }).ignored).toEqual(['foo']);
    expect(status(() => parse({ foo: 'bar' }, true))).toBe(400);
  });

  it('refuses unknown modifiers even when lenient (they change the meaning)', () => {
    expect(status(() => parse({ 'url:sideways': 'x' }))).toBe(400);
    expect(status(() => parse({ 'name:missing': 'maybe' }))).toBe(400);
  });

  it('checks _include targets', () => {
    const q = parseSearchQuery('PlanDefinition', { _include: 'PlanDefinition:definition' }, { strict: false });
    expect(q.include[0]).toMatchObject({ sourceType: 'PlanDefinition', iterate: false });
    expect(status(() => parseSearchQuery('PlanDefinition', { _include: 'PlanDefinition:name' }, { strict: false }))).toBe(400);
    expect(status(() => parseSearchQuery('ValueSet', { _include: 'PlanDefinition:definition' }, { strict: false }))).toBe(400);
  });
});
