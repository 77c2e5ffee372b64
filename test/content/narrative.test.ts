import type { PlanDefinition, Resource, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { formatResourceJson, generateNarrative, withNarrative } from '../../src/content/narrative.ts';
import { contentFiles } from '../helpers/fixtures.ts';
import { xhtmlProblems } from './xhtml-wellformed.ts';

const files = contentFiles<Resource & { text?: { status: string; div: string } }>();

describe('content narratives', () => {
  it('finds the content files', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  describe.each(files.map((f) => [f.name, f] as const))('%s', (_name, file) => {
    it('carries the narrative the generator produces from its structure (npm run narrative is in step)', () => {
      const { text: _text, ...withoutText } = file.resource;
      expect(file.resource.text).toEqual(generateNarrative(withoutText as Resource));
      expect(file.resource.text?.status).toBe('generated');
    });

    it('is stored exactly as the narrative script writes it (text after meta, two-space JSON)', () => {
      expect(file.raw).toBe(formatResourceJson(withNarrative(file.resource)));
    });

    it('has a well-formed XHTML div in the XHTML namespace, using only elements FHIR allows', () => {
      const div = file.resource.text?.div ?? '';
      expect(div.startsWith('<div xmlns="http://www.w3.org/1999/xhtml">')).toBe(true);
      expect(xhtmlProblems(div)).toEqual([]);
    });
  });
});

describe('the narrative generator', () => {
  const hostile: ValueSet = {
    resourceType: 'ValueSet',
    status: 'draft',
    title: '<script>alert("x")</script> & co',
    description: 'Line with <b>markup</b> & "quotes"\n\n- item <i>',
    compose: { include: [{ system: 'http://example.org/<cs>', concept: [{ code: 'a&b', display: '<x>' }] }] },
  };

  it('escapes every piece of text, so resource content can never inject markup', () => {
    const { div } = generateNarrative(hostile);
    expect(div).not.toContain('<script>');
    expect(div).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(div).toContain('&lt;b&gt;markup&lt;/b&gt;');
    expect(div).toContain('<code>a&amp;b</code>');
    expect(xhtmlProblems(div)).toEqual([]);
  });

  it('is deterministic and leaves its input untouched', () => {
    const before = JSON.stringify(hostile);
    expect(generateNarrative(hostile)).toEqual(generateNarrative(structuredClone(hostile)));
    const updated = withNarrative(hostile);
    expect(JSON.stringify(hostile)).toBe(before);
    expect(Object.keys(updated).indexOf('text')).toBe(Object.keys(updated).indexOf('resourceType') + 1);
  });

  it('follows the structure: an action added to a plan appears in its narrative with prefix and relation', () => {
    const plan: PlanDefinition = {
      resourceType: 'PlanDefinition',
      status: 'draft',
      title: 'Plan',
      action: [
        {
          id: 'a',
          prefix: '7',
          title: 'Seventh step',
          relatedAction: [{ actionId: 'b', relationship: 'before-start' }],
          selectionBehavior: 'exactly-one',
        },
      ],
    };
    const { div } = generateNarrative(plan);
    expect(div).toContain('<b>7. Seventh step</b>');
    expect(div).toContain('before-start <code>b</code>');
    expect(div).toContain('exactly-one');
  });
});

describe('the XHTML checker used above', () => {
  it('rejects what FHIR forbids, so the well-formedness test can fail', () => {
    const ns = 'xmlns="http://www.w3.org/1999/xhtml"';
    expect(xhtmlProblems(`<div ${ns}><p>ok</p></div>`)).toEqual([]);
    expect(xhtmlProblems('<div><p>no namespace</p></div>')).toEqual(['root is not <div xmlns="http://www.w3.org/1999/xhtml">']);
    expect(xhtmlProblems(`<div ${ns}><p>unclosed</div>`)).toEqual(['</div> closes <p>', 'unclosed elements: div']);
    expect(xhtmlProblems(`<div ${ns}><script>x</script></div>`)).toEqual(['element <script> is not allowed in a FHIR narrative']);
    expect(xhtmlProblems(`<div ${ns}><p onclick="x()">x</p></div>`)).toEqual(['attribute onclick is not allowed on <p>']);
    expect(xhtmlProblems(`<div ${ns}>a &nbsp; b</div>`)).toEqual(['bad entity "&nbsp" at 44']);
    expect(xhtmlProblems(`<div ${ns}> </div>`)).toEqual(['narrative has no text content']);
  });
});
