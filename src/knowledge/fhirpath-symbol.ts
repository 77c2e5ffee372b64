/**
 * Property navigation (`status`, `medication`, …) for `@medplum/core`'s FHIRPath, with a shortcut for the
 * common empty case. When a value's type has no element of that name (e.g. `status` on a Patient, as in
 * `%data.entry.resource.where(status = 'active')`), medplum looks for the name followed by each of its ~60
 * FHIR type names (`statusBoolean`, `statusString`, …), building a string for each, and finds nothing. The
 * atom here skips the values where that search cannot find anything — a plain object with no key starting
 * with the name, no schema element and no resource type of that name — and leaves every other value to
 * medplum, so results are the same.
 *
 * @see https://hl7.org/fhirpath/N1/#path-selection
 * @see https://hl7.org/fhir/R4/fhirpath.html
 */
import { getElementDefinition, isResource, SymbolAtom, type AtomContext, type TypedValue } from '@medplum/core';

/** Names `in` finds on every plain object (through its prototype). */
const OBJECT_PROTOTYPE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype);

function hasVariable(context: AtomContext | undefined, name: string): boolean {
  for (let c = context; c !== undefined; c = c.parent) if (c.variables[name] !== undefined) return true;
  return false;
}

/** True when any own key of `value`, or a name of Object.prototype, starts with `prefix`. */
function mayHoldPrefix(value: Record<string, unknown>, prefix: string): boolean {
  for (const key in value) if (key.startsWith(prefix)) return true;
  for (const key of OBJECT_PROTOTYPE_NAMES) if (key.startsWith(prefix)) return true;
  return false;
}

/**
 * A `SymbolAtom` that does not hand medplum the values on which the name surely selects nothing.
 */
export class LeanSymbolAtom extends SymbolAtom {
  /** The name without a `[x]` suffix, as medplum's schema-less lookup uses it. */
  private readonly stem: string;

  constructor(name: string) {
    super(name);
    this.stem = name.endsWith('[x]') ? name.substring(0, name.length - 3) : name;
  }

  override eval(context: AtomContext, input: TypedValue[]): TypedValue[] {
    if (this.name === '$this' || this.name.startsWith('%') || hasVariable(context, this.name)) return super.eval(context, input);
    let kept: TypedValue[] | undefined;
    for (let i = 0; i < input.length; i++) {
      if (this.selectsNothing(input[i])) {
        kept ??= input.slice(0, i);
      } else if (kept !== undefined) {
        kept.push(input[i]);
      }
    }
    return super.eval(context, kept ?? input);
  }

  /** True only when medplum's lookup of this name on the value surely returns nothing. */
  private selectsNothing(item: TypedValue): boolean {
    const value = item.value as unknown;
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
    const record = value as Record<string, unknown>;
    if (this.name in record || mayHoldPrefix(record, this.stem)) return false;
    if (isResource(record, this.name as never)) return false;
    return getElementDefinition(item.type, this.name) === undefined;
  }
}
