import type { ValueSet, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { valueSetExpand } from '../../src/operations/terminology/valueset-expand.ts';
import { failure, fixture, request, services, texts } from './helpers.ts';

const LESION = 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type';
const VS = 'https://example.org/fhir/liver-cryoablation/ValueSet/';

function codes(list: readonly ValueSetExpansionContains[] | undefined): string[] {
  return (list ?? []).flatMap((c) => [c.code ?? '', ...codes(c.contains)]);
}

function inlineVs(compose: ValueSet['compose']): ValueSet {
  return { resourceType: 'ValueSet', url: 'https://example.org/fhir/liver-cryoablation/ValueSet/inline', status: 'active', compose };
}

describe('ValueSet/$expand', () => {
  it('expands a whole code system hierarchically, with the code system used and the total', () => {
    const vs = valueSetExpand(request([{ name: 'url', valueUri: `${VS}all-lesions` }]), services());
    const exp = vs.expansion;
    expect(exp?.total).toBe(10);
    expect(exp?.contains?.map((c) => c.code)).toEqual(['tumor', 'benign']);
    expect(exp?.contains?.[0].contains?.map((c) => c.code)).toEqual(['primary', 'metastasis']);
    expect(exp?.parameter).toContainEqual({ name: 'used-codesystem', valueUri: `${LESION}|1.0.0` });
    expect(exp?.identifier).toMatch(/^urn:uuid:/);
  });

  it('returns a flat list with excludeNested and echoes the parameter', () => {
    const vs = valueSetExpand(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'excludeNested', valueBoolean: true }]), services());
    expect(vs.expansion?.contains?.every((c) => c.contains === undefined)).toBe(true);
    expect(vs.expansion?.contains).toHaveLength(10);
    expect(vs.expansion?.parameter).toContainEqual({ name: 'excludeNested', valueBoolean: true });
  });

  it('marks abstract and inactive concepts and reports their status as a property', () => {
    const vs = valueSetExpand(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'excludeNested', valueBoolean: true }]), services());
    const byCode = new Map(vs.expansion?.contains?.map((c) => [c.code, c]));
    expect(byCode.get('tumor')?.abstract).toBe(true);
    expect(byCode.get('net-metastasis')?.inactive).toBe(true);
    const prop = byCode.get('net-metastasis')?.extension?.find((e) => e.url.endsWith('extension-ValueSet.expansion.contains.property'));
    expect(prop?.extension).toEqual([{ url: 'code', valueCode: 'status' }, { url: 'value', valueCode: 'retired' }]);
  });

  it('applies is-a filters and activeOnly', () => {
    const all = valueSetExpand(request([{ name: 'url', valueUri: `${VS}malignant-lesions` }]), services());
    expect(codes(all.expansion?.contains).sort()).toEqual(['crc-metastasis', 'hcc', 'icc', 'metastasis', 'net-metastasis', 'primary', 'tumor']);
    const active = valueSetExpand(request([{ name: 'url', valueUri: `${VS}malignant-lesions` }, { name: 'activeOnly', valueBoolean: true }]), services());
    expect(codes(active.expansion?.contains)).not.toContain('net-metastasis');
  });

  it.each([
    ['descendent-of', 'primary', ['hcc', 'icc']],
    ['is-not-a', 'tumor', ['benign', 'hemangioma', 'cyst']],
    ['generalizes', 'hcc', ['tumor', 'primary', 'hcc']],
    ['regex', 'h.*a', ['hemangioma']],
    ['in', 'hcc,cyst', ['hcc', 'cyst']],
    ['not-in', 'tumor,primary,metastasis,benign,hemangioma,cyst,crc-metastasis', ['hcc', 'icc', 'net-metastasis']],
  ])('supports the %s filter', (op, value, expected) => {
    const vs = inlineVs({ include: [{ system: LESION, filter: [{ property: 'concept', op: op as 'is-a', value }] }] });
    const result = valueSetExpand(request([{ name: 'valueSet', resource: vs }, { name: 'excludeNested', valueBoolean: true }]), services());
    expect(codes(result.expansion?.contains).sort()).toEqual([...expected].sort());
  });

  it('supports property filters (=, exists) and R5 operators carried in the _op extension', () => {
    const eq = inlineVs({ include: [{ system: LESION, filter: [{ property: 'origin', op: '=', value: 'extrahepatic' }] }] });
    expect(codes(valueSetExpand(request([{ name: 'valueSet', resource: eq }]), services()).expansion?.contains).sort()).toEqual([
      'crc-metastasis',
      'metastasis',
      'net-metastasis',
    ]);
    const exists = inlineVs({ include: [{ system: LESION, filter: [{ property: 'origin', op: 'exists', value: 'false' }] }] });
    expect(codes(valueSetExpand(request([{ name: 'valueSet', resource: exists }]), services()).expansion?.contains).sort()).toEqual([
      'benign',
      'cyst',
      'hemangioma',
      'tumor',
    ]);
    const childOf = inlineVs({
      include: [
        {
          system: LESION,
          filter: [
            {
              property: 'concept',
              value: 'tumor',
              _op: { extension: [{ url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op', valueCode: 'child-of' }] },
            } as unknown as { property: string; op: 'is-a'; value: string },
          ],
        },
      ],
    });
    expect(codes(valueSetExpand(request([{ name: 'valueSet', resource: childOf }]), services()).expansion?.contains).sort()).toEqual(['metastasis', 'primary']);
  });

  it('rejects a catastrophic regex without hanging (linear-time matching)', () => {
    const vs = inlineVs({ include: [{ system: LESION, filter: [{ property: 'code', op: 'regex', value: '((a+)+)+b' }] }] });
    const result = valueSetExpand(request([{ name: 'valueSet', resource: vs }]), services());
    expect(result.expansion?.total).toBe(0);
  });

  it('filters by text (every word is a prefix of a word of the display or a designation)', () => {
    const result = valueSetExpand(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'filter', valueString: 'hepat carc' }]), services());
    expect(codes(result.expansion?.contains)).toEqual(['hcc']);
    expect(result.expansion?.parameter).toContainEqual({ name: 'filter', valueString: 'hepat carc' });
    const german = valueSetExpand(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'filter', valueString: 'lebertu' }]), services());
    expect(codes(german.expansion?.contains)).toEqual(['tumor']);
  });

  it('pages with count and offset (flat, stable order, total of all codes)', () => {
    const page1 = valueSetExpand(request([{ name: 'url', valueUri: `${VS}malignant-lesions` }, { name: 'count', valueInteger: 3 }, { name: 'offset', valueInteger: 0 }]), services());
    const page2 = valueSetExpand(request([{ name: 'url', valueUri: `${VS}malignant-lesions` }, { name: 'count', valueInteger: 3 }, { name: 'offset', valueInteger: 3 }]), services());
    expect(page1.expansion?.total).toBe(7);
    expect(page1.expansion?.offset).toBe(0);
    expect(page1.expansion?.contains).toHaveLength(3);
    expect(page2.expansion?.contains).toHaveLength(3);
    expect(new Set([...codes(page1.expansion?.contains), ...codes(page2.expansion?.contains)]).size).toBe(6);
  });

  it('combines imported value sets, concept lists and exclusions', () => {
    const result = valueSetExpand(request([{ name: 'url', valueUri: `${VS}ablatable-lesions` }]), services());
    const list = codes(result.expansion?.contains);
    expect(list).toContain('hemangioma');
    expect(list).toContain('hcc');
    expect(list).not.toContain('icc');
    expect(result.expansion?.parameter).toContainEqual({ name: 'used-valueset', valueUri: `${VS}malignant-lesions|1.0.0` });
    expect(result.expansion?.contains?.find((c) => c.code === 'hemangioma')?.display).toBe('Hemangioma (symptomatic)');
  });

  it('returns designations and the chosen display language', () => {
    const result = valueSetExpand(
      request([
        { name: 'url', valueUri: `${VS}malignant-lesions` },
        { name: 'includeDesignations', valueBoolean: true },
        { name: 'displayLanguage', valueCode: 'de' },
        { name: 'excludeNested', valueBoolean: true },
      ]),
      services(),
    );
    const hcc = result.expansion?.contains?.find((c) => c.code === 'hcc');
    expect(hcc?.display).toBe('Hepatozelluläres Karzinom');
    expect(hcc?.designation?.map((d) => d.value)).toEqual(['Hepatocellular carcinoma', 'Hepatoma']);
    // no German designation: falls back to the code system display
    expect(result.expansion?.contains?.find((c) => c.code === 'icc')?.display).toBe('Intrahepatic cholangiocarcinoma');
  });

  it('applies a supplement named by useSupplement, and reports it', () => {
    const result = valueSetExpand(
      request([
        { name: 'url', valueUri: `${VS}all-lesions` },
        { name: 'displayLanguage', valueCode: 'de' },
        { name: 'useSupplement', valueCanonical: 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type-de' },
        { name: 'excludeNested', valueBoolean: true },
      ]),
      services(),
    );
    expect(result.expansion?.contains?.find((c) => c.code === 'metastasis')?.display).toBe('Lebermetastase');
    expect(result.expansion?.parameter).toContainEqual({ name: 'used-supplement', valueUri: 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type-de|1.0.0' });
  });

  it('answers 422 for an unknown supplement', async () => {
    const { status, outcome } = await failure(() =>
      valueSetExpand(request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'useSupplement', valueCanonical: 'https://example.org/unknown' }]), services()),
    );
    expect(status).toBe(422);
    expect(texts(outcome)).toEqual(['Required supplement not found: https://example.org/unknown']);
  });

  it('refuses too costly expansions unless paged (and honours X-TOO-COSTLY-THRESHOLD)', async () => {
    const { status, outcome } = await failure(() =>
      valueSetExpand(request([{ name: 'url', valueUri: `${VS}all-lesions` }], { headers: { 'x-too-costly-threshold': '5' } }), services()),
    );
    expect(status).toBe(422);
    expect(outcome.issue?.[0].code).toBe('too-costly');
    expect(texts(outcome)[0]).toBe(`The value set '${VS}all-lesions|1.0.0' expansion has too many codes to produce (>5)`);
    const paged = valueSetExpand(
      request([{ name: 'url', valueUri: `${VS}all-lesions` }, { name: 'count', valueInteger: 2 }], { headers: { 'x-too-costly-threshold': '5' } }),
      services(),
    );
    expect(paged.expansion?.contains).toHaveLength(2);
  });

  it('reports circular value set references', async () => {
    const { status, outcome } = await failure(() => valueSetExpand(request([{ name: 'url', valueUri: `${VS}circular-a` }]), services()));
    expect(status).toBe(400);
    expect(outcome.issue?.[0].details?.coding?.[0].code).toBe('vs-invalid');
    expect(texts(outcome)[0]).toContain('Found a circularity pointing to');
  });

  it('uses resources passed as tx-resource for the request only', async () => {
    const cs = fixture('CodeSystem-probe-type.json');
    const vs = inlineVs({ include: [{ system: 'https://example.org/fhir/liver-cryoablation/CodeSystem/probe-type' }] });
    const svc = services({ resources: [] });
    const result = valueSetExpand(request([{ name: 'valueSet', resource: vs }, { name: 'tx-resource', resource: cs }]), svc);
    expect(result.expansion?.total).toBe(5);
    const { status } = await failure(() => valueSetExpand(request([{ name: 'valueSet', resource: vs }]), svc));
    expect(status).toBe(422);
  });

  it('answers 422 for an unknown value set with the reference wording', async () => {
    const { status, outcome } = await failure(() => valueSetExpand(request([{ name: 'url', valueUri: `${VS}nope` }]), services()));
    expect(status).toBe(422);
    expect(texts(outcome)).toEqual([`A definition for the value Set '${VS}nope' could not be found`]);
  });
});
