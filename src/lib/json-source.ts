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
 * @see https://www.rfc-editor.org/rfc/rfc8259
 */
export function rememberJsonText(value: object, text: string): void {
  texts.set(value, text);
}

/**
 * The JSON text remembered for `value`, which is then forgotten; undefined when none was remembered.
 * @see https://www.rfc-editor.org/rfc/rfc8259
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
