/**
 * A tiny, deterministic XHTML builder for FHIR narratives: every string passes through `escapeXhtml`, only the
 * element names FHIR allows in `Narrative.div` can be produced, and no attributes other than `class` and `xmlns`
 * are ever written (no scripts, no event handlers, no styles).
 *
 * @see https://hl7.org/fhir/R4/narrative.html#xhtml
 */

/** The XHTML namespace every narrative `div` declares. @see https://hl7.org/fhir/R4/narrative.html#Narrative */
export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

/**
 * The subset of the FHIR narrative elements (rule txt-1) this builder emits.
 */
export const NARRATIVE_ELEMENTS = [
  'div', 'p', 'b', 'i', 'code', 'br', 'h2', 'h3', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
] as const;

/** An element name the builder may emit. */
export type NarrativeElement = (typeof NARRATIVE_ELEMENTS)[number];

/**
 * A fragment of already-escaped XHTML. Build it only through the functions of this module.
 */
export interface Xhtml {
  readonly xhtml: string;
}

/**
 * Escapes text for XHTML content and attribute values (`&`, `<`, `>`, `"`, `'`).
 */
export function escapeXhtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Content accepted by `el`: escaped fragments, plain text (escaped here), or nothing.
 */
export type XhtmlContent = Xhtml | string | undefined | false | readonly XhtmlContent[];

/**
 * Concatenates content into one fragment; strings are escaped, `undefined`/`false` are skipped.
 */
export function fragment(...content: XhtmlContent[]): Xhtml {
  let out = '';
  const append = (item: XhtmlContent): void => {
    if (item === undefined || item === false) {
      return;
    }
    if (typeof item === 'string') {
      out += escapeXhtml(item);
    } else if (Array.isArray(item)) {
      for (const child of item as readonly XhtmlContent[]) {
        append(child);
      }
    } else {
      out += (item as Xhtml).xhtml;
    }
  };
  for (const item of content) {
    append(item);
  }
  return { xhtml: out };
}

/**
 * One element with escaped content. `br` is written empty (`<br/>`).
 */
export function el(name: NarrativeElement, ...content: XhtmlContent[]): Xhtml {
  const inner = fragment(...content).xhtml;
  return { xhtml: inner === '' && name === 'br' ? '<br/>' : `<${name}>${inner}</${name}>` };
}

/**
 * The narrative root: `<div xmlns="http://www.w3.org/1999/xhtml">…</div>`.
 */
export function narrativeDiv(...content: XhtmlContent[]): string {
  return `<div xmlns="${XHTML_NAMESPACE}">${fragment(...content).xhtml}</div>`;
}

/**
 * A two-column table of label/value rows; rows whose value is empty are left out.
 */
export function factTable(rows: readonly (readonly [string, XhtmlContent])[]): Xhtml | undefined {
  const kept = rows.filter(([, value]) => fragment(value).xhtml !== '');
  if (kept.length === 0) {
    return undefined;
  }
  return el('table', el('tbody', kept.map(([label, value]) => el('tr', el('th', label), el('td', value)))));
}

/**
 * A table with a header row; every row must have as many cells as there are headers.
 */
export function dataTable(headers: readonly string[], rows: readonly (readonly XhtmlContent[])[]): Xhtml {
  return el(
    'table',
    el('thead', el('tr', headers.map((h) => el('th', h)))),
    el('tbody', rows.map((row) => el('tr', row.map((cell) => el('td', cell))))),
  );
}

/**
 * Renders the small Markdown subset the content uses (paragraphs separated by blank lines, `- ` list items) as
 * XHTML paragraphs and lists; everything else is shown as escaped text.
 *
 * @see https://hl7.org/fhir/R4/datatypes.html#markdown
 */
export function markdownBlock(markdown: string | undefined): Xhtml | undefined {
  if (markdown === undefined || markdown.trim() === '') {
    return undefined;
  }
  const blocks: Xhtml[] = [];
  let paragraph: string[] = [];
  let items: string[] = [];
  const flushParagraph = (): void => {
    if (paragraph.length > 0) {
      blocks.push(el('p', paragraph.join(' ')));
      paragraph = [];
    }
  };
  const flushItems = (): void => {
    if (items.length > 0) {
      blocks.push(el('ul', items.map((item) => el('li', item))));
      items = [];
    }
  };
  for (const rawLine of markdown.split('\n')) {
    const line = rawLine.trim();
    if (line === '') {
      flushParagraph();
      flushItems();
    } else if (line.startsWith('- ')) {
      flushParagraph();
      items.push(line.slice(2).trim());
    } else {
      flushItems();
      paragraph.push(line);
    }
  }
  flushParagraph();
  flushItems();
  return fragment(blocks);
}
