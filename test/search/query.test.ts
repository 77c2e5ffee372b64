import { describe, expect, it } from 'vitest';
import { syncFailure } from '../helpers/failure.ts';
import { MAX_PAGE_SIZE, parseSearchQuery, splitEscaped } from '../../src/search/query.ts';

const parse = (params: Record<string, string | string[]>, strict = false) => parseSearchQuery('ValueSet', params, { strict });

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
    expect(syncFailure(() => parse({ _count: '-1' })).status).toBe(400);
    expect(syncFailure(() => parse({ _count: 'abc' })).status).toBe(400);
    expect(syncFailure(() => parse({ _count: ['1', '2'] })).status).toBe(400);
  });

  it('checks _summary, _elements, _total and _sort', () => {
    expect(parse({ _summary: 'count' }).count).toBe(0);
    expect(syncFailure(() => parse({ _summary: 'yes' })).status).toBe(400);
    expect(parse({ _elements: 'url,name' }).elements).toEqual(['url', 'name']);
    expect(syncFailure(() => parse({ _elements: 'url,../x' })).status).toBe(400);
    expect(syncFailure(() => parse({ _total: 'all' })).status).toBe(400);
    expect(parse({ _sort: '-date,name' }).sort.map((s) => [s.param.code, s.descending])).toEqual([
      ['date', true],
      ['name', false],
    ]);
    expect(syncFailure(() => parse({ _sort: 'nonsense' })).status).toBe(400);
  });

  it('ignores unknown parameters when lenient, refuses them when strict', () => {
    expect(parse({ foo: 'bar' }).ignored).toEqual(['foo']);
    expect(syncFailure(() => parse({ foo: 'bar' }, true)).status).toBe(400);
  });

  it('refuses unknown modifiers even when lenient (they change the meaning)', () => {
    expect(syncFailure(() => parse({ 'url:sideways': 'x' })).status).toBe(400);
    expect(syncFailure(() => parse({ 'name:missing': 'maybe' })).status).toBe(400);
  });

  it('checks _include targets', () => {
    const q = parseSearchQuery('PlanDefinition', { _include: 'PlanDefinition:definition' }, { strict: false });
    expect(q.include[0]).toMatchObject({ sourceType: 'PlanDefinition', iterate: false });
    expect(syncFailure(() => parseSearchQuery('PlanDefinition', { _include: 'PlanDefinition:name' }, { strict: false })).status).toBe(400);
    expect(syncFailure(() => parseSearchQuery('ValueSet', { _include: 'PlanDefinition:definition' }, { strict: false })).status).toBe(400);
  });
});
