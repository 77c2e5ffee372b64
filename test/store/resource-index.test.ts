import { describe, expect, it } from 'vitest';
import { ResourceIndex, toIndexEntry } from '../../src/store/resource-index.ts';

let seq = 0;
const entry = (resource: Record<string, unknown>, versionId = '1') =>
  toIndexEntry({ seq: ++seq, resourceType: resource.resourceType as string, id: resource.id as string, versionId, lastUpdated: '2026-11-27T00:00:00.000Z', deleted: false, json: JSON.stringify(resource) });

describe('ResourceIndex', () => {
  it('finds current resources by canonical url and follows updates and removals', () => {
    const index = new ResourceIndex();
    index.put(entry({ resourceType: 'ValueSet', id: 'a', url: 'http://x/vs', version: '1' }));
    index.put(entry({ resourceType: 'ValueSet', id: 'b', url: 'http://x/vs', version: '2' }));
    expect(index.byCanonical('ValueSet', 'http://x/vs').map((e) => e.id)).toEqual(['a', 'b']);
    index.put(entry({ resourceType: 'ValueSet', id: 'a', url: 'http://x/other' }, '2'));
    expect(index.byCanonical('ValueSet', 'http://x/vs').map((e) => e.id)).toEqual(['b']);
    expect(index.get('ValueSet', 'a')?.versionId).toBe('2');
    index.remove('ValueSet', 'b');
    expect(index.byCanonical('ValueSet', 'http://x/vs')).toEqual([]);
  });

  it('keeps the supplements of a code system, by its url with or without version', () => {
    const index = new ResourceIndex();
    index.put(entry({ resourceType: 'CodeSystem', id: 'cs', url: 'http://x/cs', content: 'complete', status: 'active' }));
    index.put(entry({ resourceType: 'CodeSystem', id: 'sup', url: 'http://x/sup', content: 'supplement', supplements: 'http://x/cs|2026', status: 'active' }));
    expect(index.supplements('http://x/cs').map((e) => e.id)).toEqual(['sup']);
    expect(index.supplements('http://x/cs|2026').map((e) => e.id)).toEqual(['sup']);
    index.put(entry({ resourceType: 'CodeSystem', id: 'sup', url: 'http://x/sup', content: 'supplement', supplements: 'http://x/other', status: 'active' }, '2'));
    expect(index.supplements('http://x/cs')).toEqual([]);
    expect(index.supplements('http://x/other').map((e) => e.versionId)).toEqual(['2']);
    index.remove('CodeSystem', 'sup');
    expect(index.supplements('http://x/other')).toEqual([]);
  });

  it('serves stored bytes and version headers', () => {
    const e = entry({ resourceType: 'ValueSet', id: 'v', status: 'draft' }, '7');
    expect(e.bytes().toString()).toBe(e.json);
    expect(e.bytes()).toBe(e.bytes());
    expect(e.versionHeaders.ETag).toBe('W/"7"');
    expect(Object.isFrozen(e.resource)).toBe(true);
  });
});
