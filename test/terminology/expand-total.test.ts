/**
 * `$expand` with a text `filter` and `count`: `expansion.total` is the number of concepts in the whole
 * (filtered) expansion, not the number returned (issue 12) — a type-ahead client pages on it.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://hl7.org/fhir/R4/valueset-definitions.html#ValueSet.expansion.total
 */
import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { fhirHttp } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';

const CS_URL = 'https://example.org/fhir/CodeSystem/expand-total';
const VS_URL = 'https://example.org/fhir/ValueSet/expand-total';

const server = useTestServer();
const api = fhirHttp(() => server.base);

beforeAll(async () => {
  const concept = [
    ...Array.from({ length: 150 }, (_, i) => ({ code: `m${i}`, display: `Marker ${i}` })),
    ...Array.from({ length: 50 }, (_, i) => ({ code: `o${i}`, display: `Other ${i}` })),
  ];
  const cs: CodeSystem = { resourceType: 'CodeSystem', id: 'expand-total', url: CS_URL, status: 'active', content: 'complete', concept };
  const vs: ValueSet = { resourceType: 'ValueSet', id: 'expand-total', url: VS_URL, status: 'active', compose: { include: [{ system: CS_URL }] } };
  for (const resource of [cs, vs]) {
    const res = await api.put(`/${resource.resourceType}/${resource.id}`, resource);
    expect(res.status, res.text.slice(0, 300)).toBe(201);
  }
});

async function expand(query: string): Promise<ValueSet> {
  const res = await api.get(`/ValueSet/$expand?url=${encodeURIComponent(VS_URL)}&${query}`);
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  return res.json<ValueSet>();
}

describe('$expand total with a text filter and paging', () => {
  it('reports every match on the first page, on a later page and on the last one', async () => {
    const all = await expand('filter=marker');
    expect(all.expansion?.contains).toHaveLength(150);
    expect(all.expansion?.total).toBe(150);
    const first = await expand('filter=marker&count=20');
    expect(first.expansion?.contains).toHaveLength(20);
    expect(first.expansion?.total).toBe(150);
    const second = await expand('filter=marker&count=20&offset=20');
    expect(second.expansion?.total).toBe(150);
    expect(second.expansion?.contains?.map((c) => c.code)).toEqual(all.expansion?.contains?.slice(20, 40).map((c) => c.code));
    const last = await expand('filter=marker&count=20&offset=140');
    expect(last.expansion?.total).toBe(150);
    expect(last.expansion?.contains).toHaveLength(10);
  });

  it('counts only what the filter matches', async () => {
    const other = await expand('filter=other&count=5');
    expect(other.expansion?.total).toBe(50);
    expect(other.expansion?.contains).toHaveLength(5);
  });
});
