/**
 * The template layer: an `html` tagged template whose interpolated values are escaped unless they are
 * already `SafeHtml` (produced by this tag). There is no other way to make `SafeHtml` from a string except
 * `trustedHtml`, used only by the narrative sanitiser on its own re-serialised output.
 *
 * @see https://html.spec.whatwg.org/multipage/syntax.html#escapingString
 */

/** A fragment of HTML known to be safe (built by `html`). */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for HTML text and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

/** An interpolated value: text (escaped), SafeHtml (as is), arrays (each), and nothing for null/undefined/false. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value as string | number | boolean));
}

/**
 * The tagged template: `html\`<p>${text}</p>\`` escapes `text`.
 * @see https://html.spec.whatwg.org/multipage/syntax.html
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Wraps markup the sanitiser produced itself (never client text). */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A URL for an href: same-origin paths and http(s) links only; anything else becomes `#`. */
export function safeHref(url: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  if (url.startsWith('#')) return url;
  return /^https?:\/\//i.test(url) ? url : '#';
}
