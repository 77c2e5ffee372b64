/**
 * An independent checker (not the generator) for FHIR narrative XHTML: well-formed XML, the root
 * `<div xmlns="http://www.w3.org/1999/xhtml">`, only the elements FHIR allows (txt-1), no event or style
 * attributes, only XML entities or numeric character references, and some non-whitespace text (txt-2).
 *
 * @see https://hl7.org/fhir/R4/narrative.html#Narrative
 */

/** The elements FHIR R4 allows inside `Narrative.div` (constraint txt-1). */
const ALLOWED_ELEMENTS = new Set([
  'a', 'abbr', 'acronym', 'b', 'big', 'blockquote', 'br', 'caption', 'cite', 'code', 'col', 'colgroup', 'dd', 'dfn',
  'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'li', 'ol', 'p', 'pre', 'q', 'samp',
  'small', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'ul', 'var',
]);

const NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * Returns the problems found in a narrative div; an empty list means it is well-formed, allowed XHTML.
 *
 * @see https://hl7.org/fhir/R4/narrative.html#Narrative
 */
export function xhtmlProblems(div: string): string[] {
  const problems: string[] = [];
  if (!div.startsWith('<div xmlns="http://www.w3.org/1999/xhtml"')) {
    problems.push('root is not <div xmlns="http://www.w3.org/1999/xhtml">');
  }
  const stack: string[] = [];
  let text = '';
  let closedRoot = false;
  let i = 0;
  while (i < div.length) {
    const ch = div[i];
    if (ch === '<') {
      const end = div.indexOf('>', i);
      if (end < 0) {
        problems.push(`unterminated tag at ${i}`);
        break;
      }
      const tag = div.slice(i + 1, end);
      i = end + 1;
      if (closedRoot) {
        problems.push('content after the root element');
      }
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim();
        const open = stack.pop();
        if (open !== name) {
          problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
        }
        if (stack.length === 0) {
          closedRoot = true;
        }
        continue;
      }
      if (tag.startsWith('!') || tag.startsWith('?')) {
        problems.push(`markup declaration or processing instruction <${tag}> is not allowed`);
        continue;
      }
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const match = /^([^\s]+)\s*(.*)$/s.exec(body);
      const name = match?.[1] ?? '';
      if (!NAME.test(name)) {
        problems.push(`bad element name "${name}"`);
      }
      if (!ALLOWED_ELEMENTS.has(name)) {
        problems.push(`element <${name}> is not allowed in a FHIR narrative`);
      }
      problems.push(...attributeProblems(name, match?.[2] ?? '', stack.length === 0));
      if (!selfClosing) {
        stack.push(name);
      } else if (stack.length === 0) {
        closedRoot = true;
      }
      continue;
    }
    if (ch === '&') {
      const end = div.indexOf(';', i);
      const entity = end < 0 ? '' : div.slice(i + 1, end);
      if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(entity)) {
        problems.push(`bad entity "&${entity}" at ${i}`);
      }
      text += 'x';
      i = end < 0 ? div.length : end + 1;
      continue;
    }
    if (ch === '>') {
      problems.push(`unescaped ">" at ${i}`);
    }
    if (stack.length === 0 && ch.trim() !== '') {
      problems.push('text outside the root element');
    }
    text += ch;
    i += 1;
  }
  if (stack.length > 0) {
    problems.push(`unclosed elements: ${stack.join(', ')}`);
  }
  if (text.trim() === '') {
    problems.push('narrative has no text content');
  }
  return problems;
}

function attributeProblems(element: string, source: string, isRoot: boolean): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const attribute = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')\s*/gy;
  let consumed = 0;
  for (let m = attribute.exec(source); m !== null; m = attribute.exec(source)) {
    consumed = attribute.lastIndex;
    const name = m[1];
    const value = m[3] ?? m[4] ?? '';
    if (seen.has(name)) {
      problems.push(`duplicate attribute ${name} on <${element}>`);
    }
    seen.add(name);
    if (name.toLowerCase().startsWith('on') || name === 'style' && /expression|url\(/i.test(value)) {
      problems.push(`attribute ${name} is not allowed on <${element}>`);
    }
    if (name === 'xmlns' && (!isRoot || value !== 'http://www.w3.org/1999/xhtml')) {
      problems.push(`unexpected xmlns="${value}" on <${element}>`);
    }
    if (value.includes('<')) {
      problems.push(`"<" in attribute ${name}`);
    }
  }
  if (source.slice(consumed).trim() !== '') {
    problems.push(`malformed attributes on <${element}>: ${source}`);
  }
  return problems;
}
