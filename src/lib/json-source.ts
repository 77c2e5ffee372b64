/**
 * The JSON text a parsed value was read from, remembered beside the value so that storing it again need
 * not serialise it again: `JSON.stringify` of a 100,000-concept tree costs about as much as parsing it.
 *
 * The text is held in a `WeakMap` keyed by the parsed object (an array or object), and given back once:
 * {@link takeJsonText} forgets it, so a stored value does not keep its request body alive. Whoever
 * remembers text vouches that it parses to exactly that value (no repeated keys), and the value must not be
 * changed in between — a value built or changed by the server is a new object and has no text.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8259
 */

const texts = new WeakMap<object, string>();

/**
 * Remembers `text` as the JSON that `value` was parsed from.
 */
export function rememberJsonText(value: object, text: string): void {
  texts.set(value, text);
}

/**
 * The JSON text remembered for `value`, which is then forgotten; undefined when none was remembered.
 */
export function takeJsonText(value: object): string | undefined {
  const text = texts.get(value);
  if (text !== undefined) texts.delete(value);
  return text;
}

/**
 * `JSON.stringify(object)` for a plain object of JSON values, with the remembered text of any member
 * value (taken, see {@link takeJsonText}) in place of serialising that value again. Members keep their order.
 * @see https://tc39.es/ecma262/#sec-json.stringify
 */
export function stringifyReusing(object: Readonly<Record<string, unknown>>): string {
  let reused: Map<string, string> | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (typeof value !== 'object' || value === null) continue;
    const text = takeJsonText(value);
    if (text !== undefined) (reused ??= new Map()).set(key, text);
  }
  if (reused === undefined) return JSON.stringify(object);
  // Concatenation, not join: the reused text (tens of megabytes) is then referenced, not copied.
  let json = '';
  for (const key of Object.keys(object)) {
    const text = reused.get(key) ?? (JSON.stringify(object[key]) as string | undefined);
    if (text !== undefined) json += `${json === '' ? '' : ','}${JSON.stringify(key)}:${text}`;
  }
  return `{${json}}`;
}

/** The index of the quote closing the string whose text starts at `from` (not preceded by an odd run of backslashes); -1 when none. */
function closingQuote(text: string, from: number): number {
  let end = text.indexOf('"', from);
  while (end >= 0) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/**
 * `JSON.parse(text)`, remembering (see {@link rememberJsonText}) the text of each top-level member whose
 * object or array value is at least `minChars` long — for JSON from a trusted source such as the content
 * folder, which is not scanned for repeated keys (a repeated key inside a member is kept in its text, which
 * parses, last key winning like `JSON.parse`, to the same value).
 * @throws SyntaxError as `JSON.parse` does
 */
export function parseJsonRemembering(text: string, minChars: number): unknown {
  const value: unknown = JSON.parse(text);
  if (text.length < minChars || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  let depth = 0;
  let key = '';
  let start = -1;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const end = closingQuote(text, i + 1);
      if (depth === 1 && expectKey) key = JSON.parse(text.slice(i, end + 1)) as string;
      expectKey = false;
      i = end;
    } else if (c === 123 || c === 91) {
      if (depth === 1) start = i;
      depth++;
      expectKey = depth === 1;
    } else if (c === 125 || c === 93) {
      depth--;
      const member = object[key];
      if (depth === 1 && i + 1 - start >= minChars && typeof member === 'object' && member !== null) rememberJsonText(member, text.slice(start, i + 1));
    } else if (c === 44 && depth === 1) expectKey = true;
  }
  return value;
}
