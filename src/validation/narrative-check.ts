/**
 * R4's narrative rules `txt-1` and `txt-2`, which `@medplum/core` does not evaluate (its FHIRPath
 * `htmlChecks()` always answers true): `Narrative.div` is well-formed XHTML in the XHTML namespace, holding
 * only the basic formatting elements and attributes FHIR allows — no `<script>`, no `<style>`, no event
 * handler attributes (`onerror=`...), no `javascript:` links, no forms or frames — and it has some
 * non-whitespace content. A narrative is shown to people by every viewer; these rules are what keep a stored
 * resource from carrying script into them.
 *
 * The element and attribute lists are those of R4's narrative section (HTML 4.0 chapters 7–11 and 15, `a`,
 * `img`, and the `style` attribute), as the HL7 Java validator applies them.
 *
 * @see https://hl7.org/fhir/R4/narrative.html#xhtml
 * @see https://hl7.org/fhir/R4/narrative-definitions.html#Narrative.div
 */

/** The XHTML namespace the root `div` declares. */
const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** Elements allowed in a narrative. */
const ALLOWED_ELEMENTS = new Set([
  'p', 'br', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'span', 'b', 'em', 'i', 'strong', 'small', 'big', 'tt',
  'small', 'dfn', 'q', 'var', 'abbr', 'acronym', 'cite', 'blockquote', 'hr', 'address', 'bdo', 'kbd', 'samp', 'sub',
  'sup', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'pre', 'table', 'caption', 'colgroup', 'col', 'thead', 'tr', 'tfoot',
  'tbody', 'th', 'td', 'code', 'samp', 'img', 'map', 'area', 'ins', 'del',
]);

/** Attributes allowed on narrative elements. */
const ALLOWED_ATTRIBUTES = new Set([
  'title', 'style', 'class', 'id', 'lang', 'xml:lang', 'dir', 'accesskey', 'tabindex', 'href', 'name', 'src', 'alt',
  'width', 'height', 'border', 'align', 'valign', 'colspan', 'rowspan', 'span', 'cellpadding', 'cellspacing', 'frame',
  'rules', 'summary', 'scope', 'headers', 'abbr', 'axis', 'char', 'charoff', 'start', 'type', 'value', 'compact',
  'nowrap', 'hspace', 'vspace', 'bgcolor', 'cite', 'datetime', 'hreflang', 'charset', 'coords', 'shape', 'rel', 'rev',
  'usemap', 'ismap', 'longdesc', 'xmlns',
]);

/** URL schemes a link or image may not use: they run script or smuggle content. */
const UNSAFE_URL = /^\s*(javascript|vbscript|data\s*:\s*text\/html)\s*:?/i;

const ENTITY = /^&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);/;

/**
 * The problems of a narrative `div`, each a sentence; empty when `txt-1` and `txt-2` hold.
 */
export function narrativeProblems(div: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let content = false;
  let rootSeen = false;
  let i = 0;
  const fail = (text: string): string[] => [...problems, text];
  while (i < div.length) {
    const lt = div.indexOf('<', i);
    const text = lt < 0 ? div.slice(i) : div.slice(i, lt);
    if (text.trim() !== '') {
      if (stack.length === 0) return fail('text outside the root <div>');
      content = true;
    }
    const amp = text.indexOf('&');
    for (let a = amp; a >= 0; a = text.indexOf('&', a + 1)) {
      if (!ENTITY.test(text.slice(a))) return fail('an unescaped "&" (not a character or entity reference)');
    }
    if (lt < 0) break;
    if (div.startsWith('<!--', lt)) {
      const end = div.indexOf('-->', lt + 4);
      if (end < 0) return fail('an unterminated comment');
      i = end + 3;
      continue;
    }
    if (div.startsWith('<![CDATA[', lt) || div.startsWith('<!', lt) || div.startsWith('<?', lt)) {
      return fail('a CDATA section, doctype or processing instruction (not allowed in a narrative)');
    }
    const gt = findTagEnd(div, lt);
    if (gt < 0) return fail('an unterminated tag');
    const tag = div.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) return fail(`</${name.slice(0, 40)}> closes ${open === undefined ? 'nothing' : `<${open}>`}`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const parsed = parseTag(selfClosing ? tag.slice(0, -1) : tag);
    if (parsed === undefined) return fail(`a malformed tag <${tag.slice(0, 40)}>`);
    const { name, attributes } = parsed;
    if (!rootSeen) {
      rootSeen = true;
      if (name !== 'div') return fail(`the root element is <${name}>, not <div>`);
      if (attributes.get('xmlns') !== XHTML_NS) problems.push(`the root <div> does not declare xmlns="${XHTML_NS}"`);
    } else if (stack.length === 0) {
      return fail('more than one root element');
    }
    if (!ALLOWED_ELEMENTS.has(name)) problems.push(`<${name.slice(0, 40)}> is not allowed in a narrative`);
    for (const [attribute, value] of attributes) {
      if (!ALLOWED_ATTRIBUTES.has(attribute)) problems.push(`the attribute ${attribute.slice(0, 40)} (on <${name}>) is not allowed in a narrative`);
      else if ((attribute === 'href' || attribute === 'src' || attribute === 'longdesc' || attribute === 'cite') && UNSAFE_URL.test(decodeEntities(value))) {
        problems.push(`the ${attribute} of <${name}> uses a script URL`);
      } else if (attribute === 'style' && /expression\s*\(|url\s*\(\s*['"]?\s*javascript:/i.test(decodeEntities(value))) {
        problems.push(`the style of <${name}> runs script`);
      }
    }
    if (name === 'img') content = true;
    if (!selfClosing) stack.push(name);
  }
  if (!rootSeen) return fail('no root <div> element');
  if (stack.length > 0) return fail(`<${stack[stack.length - 1]}> is never closed`);
  if (!content) problems.push('the narrative has no content (txt-2: some non-whitespace content is required)');
  return problems;
}

/** Index of the `>` ending the tag opened at `lt`, skipping quoted attribute values; -1 if none. */
function findTagEnd(text: string, lt: number): number {
  let quote = '';
  for (let k = lt + 1; k < text.length; k++) {
    const c = text[k];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '<') return -1;
    else if (c === '>') return k;
  }
  return -1;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*/;

function parseTag(tag: string): { name: string; attributes: Map<string, string> } | undefined {
  const nameMatch = NAME.exec(tag);
  if (nameMatch === null) return undefined;
  const name = nameMatch[0];
  const attributes = new Map<string, string>();
  let rest = tag.slice(name.length);
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '');
    if (trimmed === '') return { name, attributes };
    if (trimmed.length === rest.length) return undefined; // attributes need whitespace before them
    const attr = /^([A-Za-z_][A-Za-z0-9_.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(trimmed);
    if (attr === null) return undefined; // XHTML: every attribute has a quoted value
    const key = attr[1] as string;
    if (attributes.has(key)) return undefined;
    attributes.set(key, attr[3] ?? attr[4] ?? '');
    rest = trimmed.slice(attr[0].length);
  }
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-fA-F]+);?/g, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#([0-9]+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&(colon|tab|newline);/gi, (_, n: string) => ({ colon: ':', tab: '\t', newline: '\n' })[n.toLowerCase()] ?? '')
    .replace(/[\t\n\r]/g, '');
}
