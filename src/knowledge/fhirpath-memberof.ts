/**
 * FHIRPath `memberOf()` for `@medplum/core`, which does not have it ("Unrecognized function: memberOf").
 * Expressions are parsed with `parseFhirPath`, then every `FunctionAtom` named `memberOf` is replaced by a
 * {@link MemberOfAtom} (see `fhirpath-rewrite.ts`). The atom finds the terminology service in the evaluation's variables (under a name no
 * FHIRPath expression can spell), so one parsed expression can be cached and shared by every request.
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 * @see https://hl7.org/fhirpath/N1/#functions
 */
import type { Atom, AtomContext, TypedValue } from '@medplum/core';
import type { Coding } from '@medplum/fhirtypes';
import type { MembershipCheck } from './resolver.ts';

/**
 * The variable holding the {@link FhirPathTerminology} of an evaluation (the space keeps expressions from reading it).
 */
export const TERMINOLOGY_VARIABLE = '%terminology service';

/**
 * What `memberOf()` asks of the server's terminology.
 */
export interface FhirPathTerminology {
  readonly memberOf: MembershipCheck;
  /** The code systems a ValueSet draws its codes from (for bare `code` / `string` inputs); undefined when the ValueSet is unknown. */
  readonly valueSetSystems: (valueSet: string) => readonly string[] | undefined;
}

/**
 * The typed value that carries a terminology service in an evaluation's variables.
 */
export function terminologyVariable(terminology: FhirPathTerminology): TypedValue {
  return { type: 'TerminologyService', value: terminology };
}

function findTerminology(context: AtomContext | undefined): FhirPathTerminology {
  for (let c = context; c !== undefined; c = c.parent) {
    const held = c.variables[TERMINOLOGY_VARIABLE] as TypedValue | undefined;
    if (held !== undefined) return held.value as FhirPathTerminology;
  }
  throw new Error('memberOf() has no terminology service in this evaluation');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The codings of a coded value, or undefined when the value is not coded (then `memberOf()` is empty). */
function codingsOf(item: TypedValue, valueSet: string, terminology: FhirPathTerminology): readonly Coding[] | undefined {
  const { type, value } = item;
  if (typeof value === 'string') {
    // A bare code has no system: the ValueSet must draw from exactly one code system (FHIRPath terminology rule).
    if (type !== 'code' && type !== 'string' && type !== 'uri') return undefined;
    const systems = terminology.valueSetSystems(valueSet);
    if (systems === undefined) throw unknownValueSet(valueSet);
    return systems.length === 1 ? [{ system: systems[0], code: value }] : undefined;
  }
  if (!isRecord(value)) return undefined;
  if (type === 'CodeableConcept' || (type !== 'Coding' && Array.isArray(value.coding))) {
    return Array.isArray(value.coding) ? (value.coding as Coding[]) : [];
  }
  if (type === 'Coding' || typeof value.code === 'string') return [value as Coding];
  return undefined;
}

function unknownValueSet(valueSet: string): Error {
  return new Error(`memberOf('${valueSet}'): the ValueSet is not known to this server or cannot be evaluated`);
}

/**
 * `memberOf(valueset)`: true when the single input Coding, CodeableConcept (any coding) or code is in the
 * ValueSet; empty for an empty input or an input that is not coded; an error for an unknown ValueSet.
 */
export class MemberOfAtom implements Atom {
  readonly args: readonly Atom[];

  constructor(args: readonly Atom[]) {
    this.args = args;
  }

  eval(context: AtomContext, input: TypedValue[]): TypedValue[] {
    if (this.args.length !== 1) throw new Error(`memberOf() takes one argument, the ValueSet canonical; got ${this.args.length}`);
    if (input.length === 0) return [];
    if (input.length > 1) throw new Error(`memberOf() applies to a single item; its input has ${input.length}`);
    const argument = this.args[0].eval(context, input);
    if (argument.length !== 1 || typeof argument[0].value !== 'string') {
      throw new Error('memberOf() needs the ValueSet canonical as a single string');
    }
    const valueSet = argument[0].value;
    const terminology = findTerminology(context);
    const codings = codingsOf(input[0], valueSet, terminology);
    if (codings === undefined) return [];
    let unknown = false;
    for (const coding of codings) {
      const member = terminology.memberOf(valueSet, coding);
      if (member === true) return [{ type: 'boolean', value: true }];
      if (member === undefined) unknown = true;
    }
    if (unknown) throw unknownValueSet(valueSet);
    return [{ type: 'boolean', value: false }];
  }

  toString(): string {
    return `memberOf(${this.args.map((a) => a.toString()).join(', ')})`;
  }
}

/**
 * True when a value is a FHIRPath atom (has `eval`).
 */
export function isAtom(value: unknown): value is Atom {
  return typeof value === 'object' && value !== null && typeof (value as { eval?: unknown }).eval === 'function';
}

/**
 * The child atoms of an atom (its own properties that are atoms or lists of atoms), in property order.
 */
export function atomChildren(atom: Atom): Atom[] {
  const children: Atom[] = [];
  for (const value of Object.values(atom)) {
    if (isAtom(value)) children.push(value);
    else if (Array.isArray(value)) for (const item of value) if (isAtom(item)) children.push(item);
  }
  return children;
}
