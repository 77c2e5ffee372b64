/**
 * The browser view over real sockets: who gets HTML (browsers, `_format=html`) and who keeps getting FHIR
 * JSON, the pages' security headers, escaping of anything a client sends, the narrative sanitiser, and the
 * no-JavaScript fallback of the value set filter.
 */
import { describe, expect, it } from 'vitest';
import { prefersHtml } from '../../src/http/negotiate.ts';
import { sanitizeNarrative } from '../../src/web/sanitize.ts';
import { html } from '../../src/web/html.ts';
import { useTestServer } from '../helpers/server.ts';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const server = useTestServer();
const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${server.base}${path}`, { headers, redirect: 'manual' });

describe('who gets HTML', () => {
  it.each([
    [BROWSER_ACCEPT, true],
    ['text/html', true],
    ['application/xhtml+xml', true],
    ['application/fhir+json', false],
    ['application/json', false],
    ['*/*', false],
    ['application/fhir+json, text/html', false],
    ['text/html;q=0.5, application/fhir+json', false],
  ])('Accept: %s → HTML %s', (accept, expected) => {
    expect(prefersHtml(undefined, accept)).toBe(expected);
  });

  it('_format decides over Accept', () => {
    expect(prefersHtml('html', 'application/fhir+json')).toBe(true);
    expect(prefersHtml('text/html', undefined)).toBe(true);
    expect(prefersHtml('json', BROWSER_ACCEPT)).toBe(false);
  });

  it('a browser gets an HTML page with a strict CSP; a FHIR client gets the same JSON bytes as with no Accept at all', async () => {
    for (const path of ['/CodeSystem/liver-cryoablation', '/PlanDefinition/liver-tumor-cryoablation', '/ValueSet/complications/$expand?filter=bleed', '/ValueSet?_count=5', '/metadata']) {
      const page = await get(path, { accept: BROWSER_ACCEPT });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      const body = await page.text();
      expect(body).toMatch(/^<!DOCTYPE html>/);
      expect(body).not.toMatch(/<script(?![^>]*\bsrc="\/_web\/app\.js")/);
      expect(body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      expect(body).not.toMatch(/(src|href)="(https?:)?\/\/(?!localhost)/);
      const json = await get(path, { accept: 'application/fhir+json' });
      const none = await fetch(`${server.base}${path}`, { headers: { accept: '' } });
      expect(json.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
      const [a, b] = [await json.text(), await none.text()];
      // Searches and expansions carry a fresh id/timestamp per answer; everything else is byte-identical.
      const stable = (text: string): string => text.replace(/"(id|identifier|timestamp|lastUpdated)":"[^"]*"/g, '"$1":"-"');
      if (path.includes('$') || path.includes('?')) expect(stable(a)).toBe(stable(b));
      else expect(a).toBe(b);
    }
  });

  it('_format=html gives the page to any client; other formats are still 406', async () => {
    const res = await get('/CodeSystem/liver-cryoablation?_format=html');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await get('/metadata?_format=xml')).status).toBe(406);
  });

  it('a browser at / is sent to the home page; the static files are served same-origin', async () => {
    const root = await fetch(`${new URL(server.base).origin}/`, { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/fhir');
    const home = await (await get('', { accept: BROWSER_ACCEPT })).text();
    expect(home).toContain('href="/fhir/PlanDefinition/liver-tumor-cryoablation"');
    const js = await fetch(`${new URL(server.base).origin}/_web/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${new URL(server.base).origin}/_web/..%2Fhtml.ts`)).status).toBe(404);
  });
});

describe('escaping and sanitising', () => {
  it('a script in a query parameter or an id comes back as text', async () => {
    const payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    for (const path of [`/CodeSystem?name=${encodeURIComponent(payload)}`, `/ValueSet/complications?filter=${encodeURIComponent(payload)}`, `/CodeSystem/${encodeURIComponent(payload)}`, `/CodeSystem/$lookup?system=${encodeURIComponent(payload)}&code=x`]) {
      const body = await (await get(path, { accept: BROWSER_ACCEPT })).text();
      expect(body).not.toContain('<script>alert');
      expect(body).not.toContain('<img');
    }
  });

  it('the template escapes every interpolated value', () => {
    expect(html`<p title="${'"x"'}">${'<b>&'}</p>`.value).toBe('<p title="&quot;x&quot;">&lt;b&gt;&amp;</p>');
  });

  it('the narrative sanitiser keeps the allow-list and drops scripts, handlers, styles and unsafe links', () => {
    const out = sanitizeNarrative(
      '<div xmlns="http://www.w3.org/1999/xhtml"><p style="color:red" onclick="x()">Hi &amp; <b>bye</b></p><script>alert(1)</script><a href="javascript:alert(1)">a</a><a href="https://hl7.org/">b</a><img src="x" onerror="y"/><table><tr><td colspan="2">c</td></tr></table></div>',
    ).value;
    expect(out).toBe('<div><p>Hi &amp; <b>bye</b></p><a href="#" rel="noreferrer">a</a><a href="https://hl7.org/" rel="noreferrer">b</a><table><tr><td colspan="2">c</td></tr></table></div>');
    expect(sanitizeNarrative('<div><p>unclosed <i>x</div>').value).toBe('<div><p>unclosed <i>x</i></p></div>');
  });
});

describe('pages without JavaScript', () => {
  it('the value set filter works as a plain GET form', async () => {
    const all = await (await get('/ValueSet/complications', { accept: BROWSER_ACCEPT })).text();
    const bleed = await (await get('/ValueSet/complications?filter=bleed', { accept: BROWSER_ACCEPT })).text();
    const count = (s: string): number => (s.match(/<li><a href="\/fhir\/CodeSystem\/\$lookup/g) ?? []).length;
    expect(count(bleed)).toBeGreaterThan(0);
    expect(count(bleed)).toBeLessThan(count(all));
    expect(bleed).toMatch(/Bleeding/i);
    expect(bleed).toContain('<form method="get" action="/fhir/ValueSet/complications"');
  });

  it('an unknown resource is a 404 page; an error keeps its status', async () => {
    const res = await get('/CodeSystem/no-such-thing', { accept: BROWSER_ACCEPT });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('role="alert"');
  });
});

describe('the pathway page lists the risks by frequency', () => {
  it('groups the complications as the content grades them: common, then rare, each with its concepts', async () => {
    const body = await (await get('/PlanDefinition/liver-tumor-cryoablation', { accept: BROWSER_ACCEPT })).text();
    const risks = body.slice(body.indexOf('data-artifact="Risks and complications"'));
    const group = (name: string): string => {
      const start = risks.indexOf(`data-group="${name}"`);
      expect(start).toBeGreaterThan(-1);
      return risks.slice(start, risks.indexOf('</section>', start));
    };
    expect(risks.indexOf('data-group="common"')).toBeLessThan(risks.indexOf('data-group="rare"'));
    const names = (g: string): string[] => [...g.matchAll(/code=([a-z-]+)">/g)].map((m) => m[1]).sort();
    expect(names(group('common'))).toEqual(['bleeding', 'bruising', 'puncture-site-infection']);
    expect(names(group('rare'))).toEqual(['cryoshock', 'liver-dysfunction', 'surrounding-structure-injury']);
    expect(group('common')).toContain('frequency = common');
    expect(group('rare')).toContain('href="/fhir/ValueSet/complications-rare"');
  });
});
