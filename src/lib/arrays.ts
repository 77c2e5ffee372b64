/**
 * Array helpers that stay safe at any size.
 *
 * `target.push(...source)` passes every element as a call argument: past ~120,000 elements it throws
 * `RangeError: Maximum call stack size exceeded`. Request-sized arrays (validation issues, search matches)
 * are appended with {@link appendAll} instead.
 *
 * @see https://tc39.es/ecma262/#sec-array.prototype.push
 */

/**
 * Appends every element of `source` to `target` in place, one by one; returns `target`.
 */
export function appendAll<T>(target: T[], source: Iterable<T>): T[] {
  for (const item of source) target.push(item);
  return target;
}
