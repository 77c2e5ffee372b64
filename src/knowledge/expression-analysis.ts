/**
 * Static reading of a FHIRPath expression for data requirements: which resource types it tests for
 * (`is`, `as`, `ofType()`), which ValueSets it checks codes against (`<path>.memberOf('<ValueSet>')`),
 * which elements its `where()` criteria read, which `%`-variables it uses and which elements of
 * `%subject` it reads. A reading, not a proof: it recognises the shapes knowledge artifacts use, such as
 * `%data.entry.resource.where(($this is MedicationRequest or $this is MedicationStatement) and
 * status = 'active' and medication.memberOf('…')).exists()`.
 *
 * @see https://hl7.org/fhir/R4/library-operation-data-requirements.html
 * @see https://hl7.org/fhir/R4/metadatatypes.html#DataRequirement
 */
import { AsAtom, DotAtom, FunctionAtom, IsAtom, isResourceType, LiteralAtom, SymbolAtom, type Atom } from '@medplum/core';
import { ensureR4Schemas } from './element-paths.ts';
import { compileFhirPath } from './fhirpath.ts';
import { atomChildren, MemberOfAtom } from './fhirpath-memberof.ts';

/**
 * What one expression reads.
 */
export interface ExpressionReads {
  /** Resource types the expression tests for. */
  readonly resourceTypes: readonly string[];
  /** `memberOf()` checks: the element path before the call (relative to the resource) and the ValueSet. */
  readonly memberOf: readonly { readonly path?: string; readonly valueSet: string }[];
  /** Elements the `where()` / `exists()` / `all()` / `select()` criteria read first. */
  readonly criteriaElements: readonly string[];
  /** `%`-variables used, without the `%`. */
  readonly variables: readonly string[];
  /** Elements read directly from `%subject`. */
  readonly subjectElements: readonly string[];
}

const CRITERIA_FUNCTIONS = new Set(['where', 'exists', 'all', 'select', 'any', 'repeat']);
const TYPE_FUNCTIONS = new Set(['ofType', 'is', 'as']);

function typeName(atom: Atom | undefined): string | undefined {
  if (!(atom instanceof SymbolAtom)) return undefined;
  const name = atom.name.replace(/^FHIR\./, '');
  return isResourceType(name) ? name : undefined;
}

function isElementSymbol(atom: Atom): atom is SymbolAtom {
  return atom instanceof SymbolAtom && !atom.name.startsWith('%') && !atom.name.startsWith('$');
}

/** The atoms of a `.`-chain, left to right. */
function chain(atom: Atom): Atom[] {
  return atom instanceof DotAtom ? [...chain(atom.left), ...chain(atom.right)] : [atom];
}

/** The element path that ends a chain (`medication`, `code`), without a trailing `coding`. */
function trailingPath(atom: Atom): string | undefined {
  const names: string[] = [];
  for (const link of chain(atom).reverse()) {
    if (!isElementSymbol(link)) break;
    names.unshift(link.name);
  }
  if (names.length > 1 && names[names.length - 1] === 'coding') names.pop();
  return names.length === 0 ? undefined : names.join('.');
}

/** The first element each path in a criteria expression reads (`status` in `status = 'active'`). */
function leadingElements(atom: Atom, out: Set<string>): void {
  if (isElementSymbol(atom)) {
    out.add(atom.name);
    return;
  }
  if (atom instanceof IsAtom || atom instanceof AsAtom) {
    leadingElements(atom.left, out);
    return;
  }
  if (atom instanceof DotAtom) {
    leadingElements(atom.left, out);
    // Arguments of a function called on the path (e.g. `memberOf('…')`) may read elements too.
    for (const child of atomChildren(atom.right)) leadingElements(child, out);
    return;
  }
  if (atom instanceof FunctionAtom && TYPE_FUNCTIONS.has(atom.name)) return;
  for (const child of atomChildren(atom)) leadingElements(child, out);
}

interface Collector {
  readonly resourceTypes: Set<string>;
  readonly memberOf: Map<string, { path?: string; valueSet: string }>;
  readonly criteriaElements: Set<string>;
  readonly variables: Set<string>;
  readonly subjectElements: Set<string>;
}

function literalString(atom: Atom | undefined): string | undefined {
  return atom instanceof LiteralAtom && typeof atom.value.value === 'string' ? atom.value.value : undefined;
}

function visit(atom: Atom, collector: Collector): void {
  if (atom instanceof IsAtom || atom instanceof AsAtom) {
    const type = typeName(atom.right);
    if (type !== undefined) collector.resourceTypes.add(type);
  } else if (atom instanceof FunctionAtom) {
    if (TYPE_FUNCTIONS.has(atom.name)) {
      const type = typeName(atom.args[0]);
      if (type !== undefined) collector.resourceTypes.add(type);
    }
    if (CRITERIA_FUNCTIONS.has(atom.name)) for (const arg of atom.args) leadingElements(arg, collector.criteriaElements);
  } else if (atom instanceof MemberOfAtom) {
    const valueSet = literalString(atom.args[0]);
    if (valueSet !== undefined && !collector.memberOf.has(`|${valueSet}`)) collector.memberOf.set(`|${valueSet}`, { valueSet });
  } else if (atom instanceof DotAtom) {
    if (atom.right instanceof MemberOfAtom) {
      const valueSet = literalString(atom.right.args[0]);
      const path = trailingPath(atom.left);
      if (valueSet !== undefined) {
        collector.memberOf.delete(`|${valueSet}`);
        collector.memberOf.set(`${path ?? ''}|${valueSet}`, { path, valueSet });
      }
      visit(atom.left, collector);
      for (const arg of atom.right.args) visit(arg, collector);
      return;
    }
    if (atom.left instanceof SymbolAtom && atom.left.name === '%subject' && isElementSymbol(atom.right)) collector.subjectElements.add(atom.right.name);
  } else if (atom instanceof SymbolAtom && atom.name.startsWith('%')) {
    collector.variables.add(atom.name.slice(1));
  }
  for (const child of atomChildren(atom)) visit(child, collector);
}

/**
 * What a FHIRPath expression reads; throws when the text does not parse.
 */
export function analyzeFhirPath(text: string): ExpressionReads {
  ensureR4Schemas();
  const collector: Collector = {
    resourceTypes: new Set(),
    memberOf: new Map(),
    criteriaElements: new Set(),
    variables: new Set(),
    subjectElements: new Set(),
  };
  visit(compileFhirPath(text), collector);
  return {
    resourceTypes: [...collector.resourceTypes],
    memberOf: [...collector.memberOf.values()],
    criteriaElements: [...collector.criteriaElements],
    variables: [...collector.variables],
    subjectElements: [...collector.subjectElements],
  };
}
