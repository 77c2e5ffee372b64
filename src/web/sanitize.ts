/**
 * The narrative sanitiser: a resource's `text.div` is re-serialised from an allow-list of elements and
 * attributes (no scripts, styles, event handlers, forms, images or non-http links), text re-escaped and
 * tags balanced, so a stored narrative can never run code or load anything in the page.
 *
 * @see https://hl7.org/fhir/R4/narrative.html#xhtml
 */
import { escapeHtml, safeHref, trustedHtml, type SafeHtml } from './html.ts';

const ALLOWED_ELEMENTS = new Set([
  'div', 'p', 'span', 'b', 'i', 'em', 'strong', 'u', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'a', 'pre', 'code', 'blockquote', 'dl', 'dt', 'dd',
  'sub', 'sup', 'small', 'big', 'tt', 'cite', 'abbr', 'q', 'col', 'colgroup',
]);
const VOID_ELEMENTS = new Set(['br', 'hr', 'col']);
/** Elements whose content is dropped with them. */
const DROPPED_WITH_CONTENT = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'noscript', 'textarea', 'title', 'svg', 'math']);
const ALLOWED_ATTRIBUTES = new Set(['title', 'colspan', 'rowspan', 'lang', 'dir', 'abbr', 'scope', 'span']);

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

function attributes(raw: string, element: string): string {
  let out = '';
  for (const m of raw.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = m[1].toLowerCase();
    const value = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
    if (element === 'a' && name === 'href') out += ` href="${escapeHtml(safeHref(value.trim()))}" rel="noreferrer"`;
    else if (ALLOWED_ATTRIBUTES.has(name)) out += ` ${name}="${escapeHtml(value)}"`;
  }
  return out;
}

/**
 * Sanitises a narrative `div` (XHTML) into safe markup.
 */
export function sanitizeNarrative(xhtml: string): SafeHtml {
  let out = '';
  const open: string[] = [];
  let dropping: string | undefined;
  const token = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[!?][^>]*>?|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>|<|[^<]+/g;
  for (const m of xhtml.matchAll(token)) {
    const [whole, closing, rawName, rawAttrs] = m;
    if (rawName === undefined) {
      if (dropping === undefined && whole[0] !== '<') out += escapeHtml(decodeEntities(whole));
      else if (dropping === undefined && whole === '<') out += '&lt;';
      continue;
    }
    const name = rawName.toLowerCase().replace(/^.*:/, '');
    if (dropping !== undefined) {
      if (closing && name === dropping) dropping = undefined;
      continue;
    }
    if (DROPPED_WITH_CONTENT.has(name)) {
      if (!closing && !/\/\s*$/.test(rawAttrs)) dropping = name;
      continue;
    }
    if (!ALLOWED_ELEMENTS.has(name)) continue;
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at < 0) continue;
      while (open.length > at) out += `</${open.pop() ?? ''}>`;
      continue;
    }
    out += `<${name}${attributes(rawAttrs, name)}>`;
    if (!VOID_ELEMENTS.has(name) && !/\/\s*$/.test(rawAttrs)) open.push(name);
    else if (!VOID_ELEMENTS.has(name)) out += `</${name}>`;
  }
  while (open.length > 0) out += `</${open.pop() ?? ''}>`;
  return trustedHtml(out);
}
