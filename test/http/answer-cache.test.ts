/**
 * Cached `$lookup` / `$validate-code` / `$expand` answers (src/http/answer-cache.ts): a repeated call gets the same answer, and a
 * changed, new or deleted CodeSystem or ValueSet is seen by the very next call — a stale answer is never
 * served. The LRU's bound is checked on the module itself.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { CodeSystem, Parameters, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { AnswerCache, answerKey } from '../../src/http/answer-cache.ts';
import { fhirHttp, unique } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';

const server = useTestServer({ content: false });
const api = fhirHttp(() => server.base);

function codeSystem(id: string, url: string, concepts: [string, string][]): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id,
    url,
    version: '1',
    status: 'active',
    content: 'complete',
    concept: concepts.map(([code, display]) => ({ code, display })),
  };
}

function valueSet(id: string, url: string, system: string, codes: string[] | undefined): ValueSet {
  return {
    resourceType: 'ValueSet',
    id,
    url,
    status: 'active',
    compose: { include: [codes === undefined ? { system } : { system, concept: codes.map((code) => ({ code })) }] },
  };
}

async function lookupDisplay(system: string, code: string): Promise<string | undefined> {
  const res = await api.get(`/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=${code}`);
  expect(res.status, res.text).toBe(200);
  return res.json<Parameters>().parameter?.find((p) => p.name === 'display')?.valueString;
}

async function expansion(url: string, query = ''): Promise<string[]> {
  const res = await api.get(`/ValueSet/$expand?url=${encodeURIComponent(url)}${query}`);
  expect(res.status, res.text).toBe(200);
  return (res.json<ValueSet>().expansion?.contains ?? []).map((c) => `${c.code}:${c.display}`);
}

/** A new CodeSystem with codes a (Alpha) and b (Beta), and a new ValueSet including only a. */
async function codeSystemAndValueSet(): Promise<{ csId: string; system: string; vsId: string; vsUrl: string }> {
  const csId = unique('cs');
  const system = `http://example.org/cache-test/${csId}`;
  const vsId = unique('vs');
  const vsUrl = `http://example.org/cache-test/vs/${vsId}`;
  expect((await api.put(`/CodeSystem/${csId}`, codeSystem(csId, system, [['a', 'Alpha'], ['b', 'Beta']]))).status).toBe(201);
  expect((await api.put(`/ValueSet/${vsId}`, valueSet(vsId, vsUrl, system, ['a']))).status).toBe(201);
  return { csId, system, vsId, vsUrl };
}

describe('cached terminology answers over HTTP', () => {
  it('a repeated $lookup answers the same bytes; an updated CodeSystem is seen by the next call', async () => {
    const id = unique('cs');
    const url = `http://example.org/cache-test/${id}`;
    expect((await api.put(`/CodeSystem/${id}`, codeSystem(id, url, [['a', 'Alpha']]))).status).toBe(201);
    const first = await api.get(`/CodeSystem/$lookup?system=${encodeURIComponent(url)}&code=a`);
    const second = await api.get(`/CodeSystem/$lookup?code=a&system=${encodeURIComponent(url)}`);
    expect(second.text).toBe(first.text);
    expect(await lookupDisplay(url, 'a')).toBe('Alpha');

    expect((await api.put(`/CodeSystem/${id}`, codeSystem(id, url, [['a', 'Alpha, renamed']]))).status).toBe(200);
    expect(await lookupDisplay(url, 'a')).toBe('Alpha, renamed');
  });

  it('a deleted CodeSystem is not answered from the cache', async () => {
    const id = unique('cs');
    const url = `http://example.org/cache-test/${id}`;
    await api.put(`/CodeSystem/${id}`, codeSystem(id, url, [['a', 'Alpha']]));
    expect(await lookupDisplay(url, 'a')).toBe('Alpha');
    expect((await api.delete(`/CodeSystem/${id}`)).status).toBeLessThan(300);
    const after = await api.get(`/CodeSystem/$lookup?system=${encodeURIComponent(url)}&code=a`);
    expect(after.status).toBe(404);
  });

  it('$expand sees a changed ValueSet, and a changed CodeSystem it includes', async () => {
    const { csId, system, vsId, vsUrl } = await codeSystemAndValueSet();
    expect(await expansion(vsUrl)).toEqual(['a:Alpha']);
    expect(await expansion(vsUrl)).toEqual(['a:Alpha']);

    await api.put(`/ValueSet/${vsId}`, valueSet(vsId, vsUrl, system, undefined));
    expect((await expansion(vsUrl)).sort()).toEqual(['a:Alpha', 'b:Beta']);

    await api.put(`/CodeSystem/${csId}`, codeSystem(csId, system, [['a', 'Alpha'], ['b', 'Beta'], ['c', 'Gamma']]));
    expect((await expansion(vsUrl)).sort()).toEqual(['a:Alpha', 'b:Beta', 'c:Gamma']);
    expect(await expansion(vsUrl, '&filter=gam')).toEqual(['c:Gamma']);
  });

  it('$validate-code answers again from the same inputs, and sees a changed ValueSet at the next call', async () => {
    const { system, vsId, vsUrl } = await codeSystemAndValueSet();
    const path = `/ValueSet/$validate-code?url=${encodeURIComponent(vsUrl)}&system=${encodeURIComponent(system)}&code=b`;
    const result = async (): Promise<boolean | undefined> => {
      const res = await api.get(path);
      expect(res.status, res.text).toBe(200);
      return res.json<Parameters>().parameter?.find((p) => p.name === 'result')?.valueBoolean;
    };
    expect(await result()).toBe(false);
    expect(await result()).toBe(false);
    await api.put(`/ValueSet/${vsId}`, valueSet(vsId, vsUrl, system, ['a', 'b']));
    expect(await result()).toBe(true);
  });

  it('a cached answer is still pretty-printed on request, and HEAD has no body', async () => {
    const id = unique('cs');
    const url = `http://example.org/cache-test/${id}`;
    await api.put(`/CodeSystem/${id}`, codeSystem(id, url, [['a', 'Alpha']]));
    const path = `/CodeSystem/$lookup?system=${encodeURIComponent(url)}&code=a`;
    const plain = await api.get(path);
    const pretty = await api.get(`${path}&_pretty=true`);
    expect(pretty.text).toContain('\n  ');
    expect(JSON.parse(pretty.text)).toEqual(JSON.parse(plain.text));
    const head = await api.request('HEAD', path);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });
});

describe('AnswerCache', () => {
  const body = (n: number): Buffer => Buffer.alloc(n, 0x20);

  it('keys ignore the order of different parameters and rendering parameters, not the order of repeated ones', () => {
    const base = { level: 'type', resourceType: 'ValueSet', code: 'expand', headers: {} };
    const a = answerKey({ ...base, pairs: [['url', 'u'], ['filter', 'x'], ['_pretty', 'true']] });
    const b = answerKey({ ...base, pairs: [['filter', 'x'], ['url', 'u']] });
    expect(a).toBe(b);
    const p1 = answerKey({ ...base, pairs: [['property', 'p'], ['property', 'q']] });
    const p2 = answerKey({ ...base, pairs: [['property', 'q'], ['property', 'p']] });
    expect(p1).not.toBe(p2);
    expect(answerKey({ ...base, pairs: [], headers: { 'accept-language': 'de' } })).not.toBe(answerKey({ ...base, pairs: [] }));
  });

  it('stays within its bound, dropping the least recently used answers', () => {
    const cache = new AnswerCache(80_000);
    for (let i = 0; i < 40; i++) cache.set(`k${i}`, body(5_000), cache.generation);
    expect(cache.bytes).toBeLessThanOrEqual(80_000);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k39')).toEqual(body(5_000));
    cache.get('k30');
    for (let i = 40; i < 50; i++) cache.set(`k${i}`, body(5_000), cache.generation);
    expect(cache.get('k30')).toEqual(body(5_000));
    expect(cache.get('k31')).toBeUndefined();
    cache.set('huge', body(20_000), cache.generation);
    expect(cache.get('huge')).toBeUndefined();
  });

  it('a terminology change drops every answer, and an answer computed across a change is not kept', () => {
    const cache = new AnswerCache(1_000_000);
    cache.set('k', body(10), cache.generation);
    cache.changed('PlanDefinition');
    expect(cache.get('k')).toEqual(body(10));
    const started = cache.generation;
    cache.changed('ValueSet');
    expect(cache.get('k')).toBeUndefined();
    expect(cache.bytes).toBe(0);
    cache.set('k', body(10), started);
    expect(cache.get('k')).toBeUndefined();
  });
});
