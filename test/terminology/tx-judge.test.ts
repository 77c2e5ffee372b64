import { describe, expect, it } from 'vitest';
import { compareJson } from '../../scripts/tx/compare.ts';
import { responseToR5, toR4 } from '../../scripts/tx/convert.ts';
import type { Json, JsonObject } from '../../scripts/tx/json.ts';
import { judge } from '../../scripts/tx/judge.ts';
import { scrubResource } from '../../scripts/tx/scrub.ts';
import { sortResource } from '../../scripts/tx/sort.ts';

function same(expected: Json, actual: Json, options = {}): boolean {
  return compareJson(expected, actual, options).difference === undefined;
}

describe('terminology test-suite comparator', () => {
  it('matches the string templates', () => {
    expect(same('$instant$', '2024-01-02T03:04:05.123Z')).toBe(true);
    expect(same('$instant$', '2024-01-02T03:04Z')).toBe(false);
    expect(same('$uuid$', 'urn:uuid:8acdbfdc-e9d2-11ed-a05b-0242ac120003')).toBe(true);
    expect(same('$uuid$', 'urn:uuid:8ACDBFDC-E9D2-11ED-A05B-0242AC120003')).toBe(false);
    expect(same('$id$', 'abc-1.2')).toBe(true);
    expect(same('$$', 'anything at all')).toBe(true);
    expect(same('$choice:a|b$', 'b')).toBe(true);
    expect(same('$choice:a|b$', 'c')).toBe(false);
    expect(same('$fragments:alpha|GAMMA$', 'Alpha beta gamma')).toBe(true);
    expect(same('$semver$', '1.2.3-beta')).toBe(true);
    expect(same('$version$', '4.0.1', { fhirVersion: '4.0.1' })).toBe(true);
    expect(() => same('$nonsense$', 'x')).toThrow(/Unhandled template/);
  });

  it('splits $external$ on ":" (so a URL fragment checks only "http") unless externals are given', () => {
    expect(same('$external:1:http://hl7.org/fhir/x$', 'some http message')).toBe(true);
    expect(same('$external:1:http://hl7.org/fhir/x$', 'no scheme here')).toBe(false);
    expect(same('$external:2$', 'anything')).toBe(true);
    expect(same('$external:1:foo|bar$', 'FOO and BAR')).toBe(true);
    expect(same('$external:1$', 'exact text', { externals: { '1': 'exact text' } })).toBe(true);
    expect(same('$external:1$', 'other text', { externals: { '1': 'exact text' } })).toBe(false);
  });

  it('skips narrative (<div) and compares numbers by their string form', () => {
    expect(same('<div>a</div>', '<div xmlns="x">b</div>')).toBe(true);
    expect(same(5, 5)).toBe(true);
    expect(same(5, 5.5)).toBe(false);
    expect(same('true', true)).toBe(false);
  });

  it('treats $optional-properties$ as allowed-missing and allowed-extra, but not "*" for extras', () => {
    expect(same({ a: 1, b: 2, '$optional-properties$': ['b'] }, { a: 1 })).toBe(true);
    expect(same({ a: 1, '$optional-properties$': ['b'] }, { a: 1, b: 3 })).toBe(true);
    expect(same({ a: 1 }, { a: 1, c: 3 })).toBe(false);
    expect(same({ a: 1, '$optional-properties$': ['*'] }, { a: 1, c: 3 })).toBe(false);
    expect(same({ a: 1, b: 2, '$optional-properties$': ['*'] }, { a: 1 })).toBe(true);
  });

  it('passes a missing array property when every object item is optional, and vacuously for primitive arrays', () => {
    expect(same({ a: [{ $optional$: true, x: 1 }] }, {})).toBe(true);
    expect(same({ a: [{ $optional$: true, x: 1 }, { x: 2 }] }, {})).toBe(false);
    expect(same({ a: ['x', 'y'] }, {})).toBe(true);
  });

  it('matches arrays greedily in order, skipping optional items that do not match', () => {
    const expected: Json = [{ n: 1 }, { $optional$: true, n: 2 }, { n: 3 }];
    expect(same(expected, [{ n: 1 }, { n: 3 }])).toBe(true);
    expect(same(expected, [{ n: 1 }, { n: 2 }, { n: 3 }])).toBe(true);
    expect(same(expected, [{ n: 3 }, { n: 1 }])).toBe(false);
    expect(same(expected, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }])).toBe(false);
  });

  it('passes immediately when the actual array runs out on a trailing optional, recording warnings', () => {
    const r = compareJson([{ n: 1 }, { $optional$: 'warning:version', n: 2 }], [{ n: 1 }]);
    expect(r.difference).toBeUndefined();
    expect(r.warnings).toEqual(['version']);
  });

  it('evaluates mode and version optionality', () => {
    const item = [{ $optional$: '!tx.fhir.org', n: 1 }];
    expect(same(item, [])).toBe(true);
    expect(same(item, [], { modes: new Set(['general', 'tx.fhir.org']) })).toBe(false);
    expect(same([{ $optional$: 'version:4', n: 1 }], [], { fhirVersion: '4.0.1' })).toBe(true);
    expect(same([{ $optional$: 'version:5', n: 1 }], [], { fhirVersion: '4.0.1' })).toBe(false);
  });

  it('compares only the lengths of $count-arrays$', () => {
    expect(same({ '$count-arrays$': ['c'], c: [{ a: 1 }, { a: 2 }] }, { c: [{ b: 1 }, { b: 2 }] })).toBe(true);
    expect(same({ '$count-arrays$': ['c'], c: [{ a: 1 }] }, { c: [{ b: 1 }, { b: 2 }] })).toBe(false);
  });

  it('ignores extra properties and items in pattern mode, matching items as an ordered subsequence', () => {
    expect(same({ a: [{ x: 1 }, { x: 3 }] }, { a: [{ x: 1, y: 0 }, { x: 2 }, { x: 3 }], b: true }, { pattern: true })).toBe(true);
    expect(same({ a: [{ x: 3 }, { x: 1 }] }, { a: [{ x: 1 }, { x: 2 }, { x: 3 }] }, { pattern: true })).toBe(false);
  });
});

describe('terminology test-suite scrubbing and sorting', () => {
  it('removes meta, text and unmanaged absolute extensions, but not inside ValueSet.compose', () => {
    const vs: JsonObject = {
      resourceType: 'ValueSet',
      meta: { versionId: '1' },
      text: { status: 'generated', div: '<div/>' },
      extension: [{ url: 'http://example.org/x', valueString: 'gone' }, { url: 'http://hl7.org/fhir/StructureDefinition/valueset-supplement', valueCanonical: 'kept' }],
      compose: { extension: [{ url: 'http://example.org/x', valueString: 'kept' }] },
      expansion: { contains: [{ code: 'a', extension: [{ url: 'relative', valueString: 'kept' }, { url: 'http://example.org/y', valueString: 'gone' }] }] },
    };
    const out = scrubResource(vs);
    expect(out.meta).toBeUndefined();
    expect(out.text).toBeUndefined();
    expect(out.extension).toEqual([{ url: 'http://hl7.org/fhir/StructureDefinition/valueset-supplement', valueCanonical: 'kept' }]);
    expect(out.compose).toEqual({ extension: [{ url: 'http://example.org/x', valueString: 'kept' }] });
    expect((out.expansion as JsonObject).contains).toEqual([{ code: 'a', extension: [{ url: 'relative', valueString: 'kept' }] }]);
    expect(vs.meta).toEqual({ versionId: '1' });
  });

  it('drops diagnostics-only issues and blanks diagnostics without x-request-id; drops diagnostics parameters', () => {
    const oo = scrubResource({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'x', diagnostics: 'only diagnostics' },
        { severity: 'error', code: 'y', details: { text: 't' }, diagnostics: 'internal' },
        { severity: 'error', code: 'z', details: { text: 't' }, diagnostics: 'see X-Request-Id 7' },
      ],
    });
    expect(oo.issue).toEqual([
      { severity: 'error', code: 'y', details: { text: 't' } },
      { severity: 'error', code: 'z', details: { text: 't' }, diagnostics: 'see X-Request-Id 7' },
    ]);
    const p = scrubResource({ resourceType: 'Parameters', parameter: [{ name: 'diagnostics', valueString: 'x' }, { name: 'result', valueBoolean: true }] });
    expect(p.parameter).toEqual([{ name: 'result', valueBoolean: true }]);
  });

  it('sorts parameters by name, properties by code then value, messages by their "; " parts and issues', () => {
    const sorted = sortResource({
      resourceType: 'Parameters',
      parameter: [
        { name: 'result', valueBoolean: true },
        { name: 'property', part: [{ name: 'code', valueCode: 'parent' }, { name: 'value', valueCode: 'b' }] },
        { name: 'message', valueString: 'z; a; m' },
        { name: 'property', part: [{ name: 'value', valueCode: 'a' }, { name: 'code', valueCode: 'Child' }] },
        {
          name: 'issues',
          resource: {
            resourceType: 'OperationOutcome',
            issue: [
              { severity: 'warning', code: 'a' },
              { severity: 'error', code: 'b', details: { text: 'y' } },
              { severity: 'error', code: 'b', details: { text: 'x' } },
            ],
          },
        },
      ],
    });
    const params = sorted.parameter as JsonObject[];
    expect(params.map((p) => p.name)).toEqual(['issues', 'message', 'property', 'property', 'result']);
    expect(params[1].valueString).toBe('a; m; z');
    expect((params[2].part as JsonObject[])[0]).toEqual({ name: 'code', valueCode: 'Child' });
    const issues = (params[0].resource as JsonObject).issue as JsonObject[];
    expect(issues.map((i) => (i.details as JsonObject | undefined)?.text ?? i.severity)).toEqual(['x', 'y', 'warning']);
  });

  it('sorts expansion contents by code but leaves an error OperationOutcome in its order', () => {
    const vs = sortResource({ resourceType: 'ValueSet', expansion: { contains: [{ code: 'b', contains: [{ code: 'z' }, { code: 'y' }] }, { code: 'a' }] } });
    expect(vs.expansion).toEqual({ contains: [{ code: 'a' }, { code: 'b', contains: [{ code: 'y' }, { code: 'z' }] }] });
    const oo: JsonObject = { resourceType: 'OperationOutcome', issue: [{ severity: 'warning' }, { severity: 'error' }] };
    expect(sortResource(oo, { errorBody: true })).toEqual(oo);
  });
});

describe('terminology test-suite judge and conversions', () => {
  it('fails on the status class even when the body matches', () => {
    const expected = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] };
    expect(judge({ operation: 'expand', httpCode: '4xx', status: 422, body: expected, expected }).passed).toBe(true);
    expect(judge({ operation: 'expand', status: 422, body: expected, expected }).passed).toBe(false);
    expect(judge({ operation: 'expand', httpCode: '4xx', status: 400, body: { resourceType: 'Parameters' }, expected }).passed).toBe(false);
  });

  it('converts R5 request resources to R4 (versionAlgorithm, child-of, ConceptMap relationships)', () => {
    const cs = toR4({ resourceType: 'CodeSystem', versionAlgorithmString: 'semver' });
    expect(cs.extension).toEqual([{ url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-CodeSystem.versionAlgorithm', valueString: 'semver' }]);
    const vs = toR4({ resourceType: 'ValueSet', compose: { include: [{ system: 's', filter: [{ property: 'concept', op: 'child-of', value: 'x' }, { property: 'concept', op: 'is-a', value: 'y' }] }] } });
    const filters = ((vs.compose as JsonObject).include as JsonObject[])[0].filter as JsonObject[];
    expect(filters[0].op).toBeUndefined();
    expect(filters[0]._op).toEqual({ extension: [{ url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op', valueCode: 'child-of' }] });
    expect(filters[1].op).toBe('is-a');
    const cm = toR4({ resourceType: 'ConceptMap', sourceScopeUri: 'a', group: [{ element: [{ code: 'x', target: [{ code: 'y', relationship: 'source-is-broader-than-target' }] }] }] });
    expect(cm.sourceUri).toBe('a');
    expect(JSON.stringify(cm)).toContain('"equivalence":"narrower"');
  });

  it('converts R4 expansion property extensions back to R5 property elements', () => {
    const vs = responseToR5({
      resourceType: 'ValueSet',
      expansion: {
        extension: [{ url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property', extension: [{ url: 'code', valueCode: 'status' }, { url: 'uri', valueUri: 'u' }] }],
        contains: [{ code: 'a', extension: [{ url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property', extension: [{ url: 'code', valueCode: 'status' }, { url: 'value', valueCode: 'retired' }] }] }],
      },
    });
    expect(vs.expansion).toEqual({ property: [{ code: 'status', uri: 'u' }], contains: [{ code: 'a', property: [{ code: 'status', valueCode: 'retired' }] }] });
  });
});
