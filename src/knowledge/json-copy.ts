/**
 * A deep copy of JSON data (plain objects, arrays, primitives), for results that must share no object with
 * the frozen artifacts they were built from. Much cheaper than `structuredClone`, which goes through the
 * V8 serializer; results are trees of plain data, so nothing else needs handling.
 *
 * @see https://hl7.org/fhir/R4/json.html
 */

/**
 * A copy of `value` sharing no object or array with it (own enumerable properties, in order).
 */
export function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const list: unknown[] = [];
    for (let i = 0; i < value.length; i++) list.push(copyJson(value[i] as unknown));
    return list as T;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key === '__proto__') Object.defineProperty(out, key, { value: copyJson(source[key]), enumerable: true, writable: true, configurable: true });
    else out[key] = copyJson(source[key]);
  }
  return out as T;
}
