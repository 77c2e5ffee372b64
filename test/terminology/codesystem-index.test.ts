import type { CodeSystem } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { indexCodeSystem } from '../../src/terminology/codesystem-index.ts';
import { TextIndex } from '../../src/terminology/text-index.ts';
import { fixture } from './helpers.ts';

describe('code system index', () => {
  it('numbers concepts in document order and answers subsumption on nested concepts', () => {
    const index = indexCodeSystem(fixture<CodeSystem>('CodeSystem-lesion-type.json'));
    expect(index.codes.slice(0, 4)).toEqual(['tumor', 'primary', 'hcc', 'icc']);
    expect(index.isTree).toBe(true);
    expect(index.subsumes(index.locate('tumor'), index.locate('crc-metastasis'))).toBe(true);
    expect(index.subsumes(index.locate('primary'), index.locate('crc-metastasis'))).toBe(false);
    expect(Array.from(index.children(index.locate('benign'))).map((c) => index.codes[c])).toEqual(['hemangioma', 'cyst']);
  });

  it('builds the hierarchy from parent properties and matches codes case-insensitively when the system says so', () => {
    const index = indexCodeSystem(fixture<CodeSystem>('CodeSystem-probe-type.json'));
    expect(index.isTree).toBe(false);
    expect(Array.from(index.roots).map((c) => index.codes[c])).toEqual(['PROBE']);
    expect(index.locate('argon-17g')).toBe(index.locate('ARGON-17G'));
    expect(index.subsumes(index.locate('PROBE'), index.locate('ARGON-13G'))).toBe(true);
  });

  it('is built once per resource object and rebuilt for a new version', () => {
    const cs = fixture<CodeSystem>('CodeSystem-lesion-type.json');
    expect(indexCodeSystem(cs)).toBe(indexCodeSystem(cs));
    const next: CodeSystem = { ...cs, version: '1.1.0', concept: [...(cs.concept ?? []), { code: 'new', display: 'New' }] };
    expect(indexCodeSystem(next)).not.toBe(indexCodeSystem(cs));
    expect(indexCodeSystem(next).locate('new')).toBeGreaterThanOrEqual(0);
    expect(indexCodeSystem(cs).locate('new')).toBe(-1);
  });
});

describe('text index', () => {
  const texts = [['Liver tumor'], ['Hepatic tumour', 'Lebertumor'], ['Portal vein'], ['Tumor of portal vein']];
  const index = new TextIndex(texts.length, (i) => texts[i]);

  it('finds every concept with a word starting with the query word, in order', () => {
    expect(Array.from(index.postingsFor('tum'))).toEqual([0, 1, 3]);
    expect(Array.from(index.postingsFor('leber'))).toEqual([1]);
    expect(Array.from(index.postingsFor('zzz'))).toEqual([]);
  });

  it('intersects the words of a query', () => {
    const lists = index.query('portal TUM') ?? [];
    const first = Array.from(lists[0]).filter((c) => lists.every((l) => Array.from(l).includes(c)));
    expect(first).toEqual([3]);
    expect(index.query('  ')).toBeUndefined();
  });
});
