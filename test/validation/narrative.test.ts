/**
 * R4 `txt-1`/`txt-2` on narratives (issue 12): a resource whose `text.div` carries script, event handlers or
 * non-XHTML is refused on write and reported by `$validate`; a safe narrative passes.
 *
 * @see https://hl7.org/fhir/R4/narrative.html#xhtml
 */
import { describe, expect, it } from 'vitest';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { fhirHttp } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';
import { narrativeProblems } from '../../src/validation/narrative-check.ts';

const NS = 'http://www.w3.org/1999/xhtml';

const server = useTestServer();
const api = fhirHttp(() => server.base);

function basic(id: string, div: string): Record<string, unknown> {
  return { resourceType: 'ValueSet', id, url: `https://example.org/fhir/ValueSet/${id}`, status: 'draft', text: { status: 'generated', div } };
}

describe('narrativeProblems', () => {
  it.each([
    [`<div xmlns="${NS}"><script>alert(1)</script></div>`, '<script> is not allowed'],
    [`<div xmlns="${NS}"><img src="x.png" onerror="alert(1)"/></div>`, 'the attribute onerror (on <img>) is not allowed'],
    [`<div xmlns="${NS}"><a href="JaVaScRiPt&#58;alert(1)">x</a></div>`, 'uses a script URL'],
    [`<div xmlns="${NS}"><p>open</div>`, '</div> closes <p>'],
    [`<div xmlns="${NS}"><p>a & b</p></div>`, 'unescaped "&"'],
    [`<div xmlns="${NS}"><iframe src="https://example.org"></iframe></div>`, '<iframe> is not allowed'],
    [`<div><p>no namespace</p></div>`, 'does not declare xmlns'],
    [`<div xmlns="${NS}"> </div>`, 'no content'],
    ['just text', 'text outside the root <div>'],
  ])('refuses %s', (div, problem) => {
    expect(narrativeProblems(div).join('; ')).toContain(problem);
  });

  it('accepts the narratives of R4 examples: tables, links, images, entities, styles', () => {
    const div = `<div xmlns="${NS}"><h3>Title</h3><p style="color: red">A &amp; B &#x2014; <a href="https://hl7.org/fhir">link</a></p><table class="grid"><tr><td colspan="2">x</td></tr></table><img src="#pic" alt="p"/><br/></div>`;
    expect(narrativeProblems(div)).toEqual([]);
  });
});

describe('narratives on write and in $validate', () => {
  it('refuses a create whose narrative holds a script, and stores nothing', async () => {
    const res = await api.put('/ValueSet/xss-1', basic('xss-1', `<div xmlns="${NS}"><p>hi</p><script>alert(1)</script></div>`));
    expect(res.status).toBe(422);
    const outcome = res.json<OperationOutcome>();
    expect(outcome.issue.some((i) => i.details?.text?.includes('txt-1') && i.expression?.[0] === 'ValueSet.text.div')).toBe(true);
    expect((await api.get('/ValueSet/xss-1')).status).toBe(404);
  });

  it('reports an event-handler attribute in $validate and passes a safe narrative', async () => {
    const bad = await api.post('/ValueSet/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: basic('v1', `<div xmlns="${NS}"><img src="a.png" onerror="alert(1)"/></div>`) }] });
    expect(bad.json<OperationOutcome>().issue.some((i) => i.severity === 'error' && i.details?.text?.includes('onerror'))).toBe(true);
    const good = await api.post('/ValueSet/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: basic('v2', `<div xmlns="${NS}"><p>fine</p></div>`) }] });
    expect(good.json<OperationOutcome>().issue.filter((i) => i.severity === 'error')).toEqual([]);
  });
});
