/**
 * Linear `distinct()` and `isDistinct()` for `@medplum/core`'s FHIRPath engine.
 *
 * `@medplum/core` 5.2 implements both by comparing every item with every item kept so far (`Array.some`
 * inside a loop): O(n²). R4's invariants call them on whole resources — `csd-1`
 * (`concept.code.combine(...).isDistinct()`) on a CodeSystem's codes, `bdl-7` on a Bundle's fullUrls — so a
 * flat CodeSystem of 99,999 concepts took 8 s of one core to validate. This module replaces the two functions
 * with a `Set`, which keeps their exact meaning: `@medplum/core` compares items with `===`, and a `Set` with
 * SameValueZero, which differs from `===` only for `NaN` (never a JSON value). Every other function is
 * dispatched to `@medplum/core` unchanged. `FunctionAtom` is the exported class of a FHIRPath function call;
 * its function table is not exported, so the dispatch is the only place to intervene.
 *
 * @see https://hl7.org/fhirpath/N1/#distinct-collection
 * @see https://hl7.org/fhirpath/N1/#isdistinct-boolean
 */
import { booleanToTypedValue, FunctionAtom } from '@medplum/core';
import type { TypedValue } from '@medplum/core';

let installed = false;

/**
 * The items of a collection without repeats, first occurrence kept, in one pass.
 */
export function distinctItems(input: readonly TypedValue[]): TypedValue[] {
  const seen = new Set<unknown>();
  const result: TypedValue[] = [];
  for (const item of input) {
    if (seen.has(item.value)) continue;
    seen.add(item.value);
    result.push(item);
  }
  return result;
}

/**
 * Makes `@medplum/core` evaluate `distinct()` and `isDistinct()` in linear time (idempotent).
 */
export function useLinearDistinct(): void {
  if (installed) return;
  installed = true;
  const medplumEval = FunctionAtom.prototype.eval;
  FunctionAtom.prototype.eval = function evalFunction(this: FunctionAtom, context, input) {
    if (this.name === 'distinct') return distinctItems(input);
    if (this.name === 'isDistinct') return booleanToTypedValue(distinctItems(input).length === input.length);
    return medplumEval.call(this, context, input);
  };
}
