/**
 * Reading and writing an object's members by a name computed at run time (`value[x]`, choice types,
 * elements of a later FHIR version). TypeScript interfaces have no index signature, so such an access needs
 * the object seen as a record: this is the one place that does so.
 */

/** The object's members by name. */
export function fieldsOf(value: object): Readonly<Record<string, unknown>> {
  return value as Record<string, unknown>;
}

/** Sets a member by a computed name (the object is the caller's own, being built). */
export function setField(target: object, name: string, value: unknown): void {
  (target as Record<string, unknown>)[name] = value;
}
