/**
 * A resource's JSON as highlighted, escaped HTML, with `reference` values linked to their pages.
 *
 * @see https://hl7.org/fhir/R4/json.html
 * @see https://hl7.org/fhir/R4/references.html
 */
import { html, type SafeHtml } from './html.ts';

const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

function value(v: unknown, indent: string, key: string | undefined): SafeHtml {
  if (v === null || v === undefined) return html`<span class="j-null">null</span>`;
  if (typeof v === 'string') {
    const text = JSON.stringify(v);
    const ref = key === 'reference' ? RELATIVE_REFERENCE.exec(v) : null;
    if (ref) return html`<a class="j-str" href="${`/fhir/${ref[1]}/${ref[2]}`}">${text}</a>`;
    return html`<span class="j-str">${text}</span>`;
  }
  if (typeof v === 'number') return html`<span class="j-num">${String(v)}</span>`;
  if (typeof v === 'boolean') return html`<span class="j-bool">${String(v)}</span>`;
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return html`[]`;
    const items = v.map((item, i) => html`${inner}${value(item, inner, key)}${i < v.length - 1 ? ',' : ''}\n`);
    return html`[\n${items}${indent}]`;
  }
  // As JSON.stringify: keys whose value is undefined (or a function) are left out.
  const entries = Object.entries(v as Record<string, unknown>).filter(([, item]) => item !== undefined && typeof item !== 'function');
  if (entries.length === 0) return html`{}`;
  const rows = entries.map(([k, item], i) => html`${inner}<span class="j-key">${JSON.stringify(k)}</span>: ${value(item, inner, k)}${i < entries.length - 1 ? ',' : ''}\n`);
  return html`{\n${rows}${indent}}`;
}

/**
 * Renders JSON as a highlighted `<pre>` block.
 */
export function jsonView(json: unknown): SafeHtml {
  return html`<pre class="json" tabindex="0" aria-label="Resource JSON"><code>${value(json, '', undefined)}</code></pre>`;
}
