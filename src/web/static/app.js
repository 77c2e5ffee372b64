// The browser view's only script (served same-origin; the page's CSP forbids inline script).
// Live filtering of a value set's expansion: runs $expand?filter= as you type and renders with textContent.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const input = document.querySelector('input[data-expand]');
  const target = document.getElementById('expansion');
  if (!input || !target) return;
  let seq = 0;
  let timer;
  const run = async () => {
    const mine = ++seq;
    const url = new URL(input.dataset.expand, location.href);
    url.searchParams.set('count', '200');
    if (input.value.trim() !== '') url.searchParams.set('filter', input.value);
    const res = await fetch(url, { headers: { accept: 'application/fhir+json' } });
    const vs = await res.json();
    if (mine !== seq) return;
    target.replaceChildren();
    if (!res.ok) {
      const p = document.createElement('p');
      p.textContent = (vs.issue || []).map((i) => (i.details && i.details.text) || i.diagnostics || i.code).join('; ');
      target.append(p);
      return;
    }
    const contains = (vs.expansion && vs.expansion.contains) || [];
    const summary = document.createElement('p');
    summary.textContent = contains.length === 0 ? 'No concepts match.' : `${vs.expansion.total ?? contains.length} concept(s).`;
    target.append(summary);
    if (contains.length === 0) return;
    const ul = document.createElement('ul');
    for (const c of contains) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(c.system || '')}&code=${encodeURIComponent(c.code || '')}`;
      const code = document.createElement('code');
      code.textContent = c.code || '';
      a.append(code);
      li.append(a, ` ${c.display || ''}`);
      ul.append(li);
    }
    target.append(ul);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run().catch(() => undefined), 150);
  });
});
