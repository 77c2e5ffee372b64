/**
 * FHIRPath `resolve()` over the `$apply` data, as the FHIR specification defines it for references inside a
 * Bundle: a contained reference (`#id`) resolves in the resource that holds it, any other reference to the
 * Bundle entry whose `fullUrl` it is, or whose resource is `Type/id` (relative or at the end of an absolute
 * URL). A reference the data cannot resolve is left out, as the specification says. `@medplum/core`'s own
 * `resolve()` only parses the reference into a `{ resourceType, id }` stub, which has no `code` to test.
 *
 * The index of the data is built once per apply, on the first `resolve()` (an apply whose expressions never
 * resolve does not walk its data), and found through the evaluation's variables (under a name no FHIRPath
 * expression can spell), so one parsed expression serves every request.
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 * @see https://hl7.org/fhir/R4/references.html#contained
 */
import { toTypedValue, type Atom, type AtomContext, type TypedValue } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';

/**
 * The variable holding the {@link ReferenceIndex} of an evaluation.
 */
export const REFERENCE_INDEX_VARIABLE = '%reference index';

/**
 * What `resolve()` can reach: the data Bundle's entries by URL, and the resource holding each contained reference.
 * @see https://hl7.org/fhir/R4/references.html
 */
export interface ReferenceIndex {
  readonly byUrl: ReadonlyMap<string, Resource>;
  /** Every object with a `#…` reference in the data, mapped to the resource whose `contained` it points into. */
  readonly containerOf: WeakMap<object, Resource>;
}

const ABSOLUTE_TYPE_ID = /\/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

function indexContainedReferences(value: unknown, container: Resource, out: WeakMap<object, Resource>, depth: number): void {
  if (depth > 64 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) indexContainedReferences(item, container, out, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.reference === 'string' && record.reference.startsWith('#')) out.set(record, container);
  for (const key in record) if (key !== 'contained') indexContainedReferences(record[key], container, out, depth + 1);
}

/**
 * The index of a data Bundle (empty for none).
 * @see https://hl7.org/fhir/R4/bundle.html#references
 */
export function referenceIndex(data: Bundle | undefined): ReferenceIndex {
  const byUrl = new Map<string, Resource>();
  const containerOf = new WeakMap<object, Resource>();
  for (const entry of data?.entry ?? []) {
    const resource = entry.resource;
    if (resource === undefined) continue;
    if (entry.fullUrl !== undefined && !byUrl.has(entry.fullUrl)) byUrl.set(entry.fullUrl, resource);
    if (resource.id !== undefined) {
      const relative = `${resource.resourceType}/${resource.id}`;
      if (!byUrl.has(relative)) byUrl.set(relative, resource);
    }
    indexContainedReferences(resource, resource, containerOf, 0);
  }
  return { byUrl, containerOf };
}

/** The index of one apply's data, built on first use. */
class LazyReferenceIndex {
  private index: ReferenceIndex | undefined;
  private readonly data: Bundle | undefined;

  constructor(data: Bundle | undefined) {
    this.data = data;
  }

  get(): ReferenceIndex {
    this.index ??= referenceIndex(this.data);
    return this.index;
  }
}

/**
 * The typed value that carries the (lazily built) reference index of a data Bundle in an evaluation's variables.
 */
export function referenceIndexVariable(data: Bundle | undefined): TypedValue {
  return { type: 'ReferenceIndex', value: new LazyReferenceIndex(data) };
}

function findIndex(context: AtomContext | undefined): ReferenceIndex | undefined {
  for (let c = context; c !== undefined; c = c.parent) {
    const held = c.variables[REFERENCE_INDEX_VARIABLE] as TypedValue | undefined;
    if (held !== undefined) return (held.value as LazyReferenceIndex).get();
  }
  return undefined;
}

function resolveOne(item: TypedValue, index: ReferenceIndex): Resource | undefined {
  const value = item.value as unknown;
  let reference: string | undefined;
  if (typeof value === 'string') reference = value;
  else if (typeof value === 'object' && value !== null) {
    const r = (value as { reference?: unknown }).reference;
    if (typeof r === 'string') reference = r;
    if (reference?.startsWith('#') === true) {
      const container = index.containerOf.get(value);
      const id = reference.slice(1);
      const contained = (container as { contained?: Resource[] } | undefined)?.contained;
      return contained?.find((c) => c.id === id);
    }
  }
  if (reference === undefined || reference.startsWith('#')) return undefined;
  const direct = index.byUrl.get(reference);
  if (direct !== undefined) return direct;
  const tail = ABSOLUTE_TYPE_ID.exec(reference);
  return tail === null ? undefined : index.byUrl.get(tail[1]);
}

/**
 * `resolve()`: for each Reference (or reference string) in the input, the resource it points at in the data,
 * if the data holds it.
 */
export class ResolveAtom implements Atom {
  readonly args: readonly Atom[];

  constructor(args: readonly Atom[]) {
    this.args = args;
  }

  eval(context: AtomContext, input: TypedValue[]): TypedValue[] {
    if (this.args.length !== 0) throw new Error(`resolve() takes no arguments; got ${this.args.length}`);
    const index = findIndex(context);
    if (index === undefined) return [];
    const out: TypedValue[] = [];
    for (const item of input) {
      const resource = resolveOne(item, index);
      if (resource !== undefined) out.push(toTypedValue(resource));
    }
    return out;
  }

  toString(): string {
    return 'resolve()';
  }
}
