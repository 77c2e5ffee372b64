/**
 * The server's FHIRPath functions, swapped into parsed `@medplum/core` expression trees: `memberOf()` (which
 * medplum lacks), `resolve()` into the `$apply` data (medplum's returns a stub), `matches()` on a linear-time
 * matcher, and `replaceMatches()` refused (it would run on a backtracking engine); names navigate through `LeanSymbolAtom` (same results, less searching). Everything
 * else stays medplum's.
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 * @see https://hl7.org/fhirpath/N1/#functions
 */
import { FunctionAtom, SymbolAtom, type Atom } from '@medplum/core';
import { LinearMatchesAtom, RefusedFunctionAtom } from './fhirpath-matches.ts';
import { isAtom, MemberOfAtom } from './fhirpath-memberof.ts';
import { ResolveAtom } from './fhirpath-resolve.ts';
import { LeanSymbolAtom } from './fhirpath-symbol.ts';

function replacement(name: string, args: readonly Atom[]): Atom | undefined {
  switch (name) {
    case 'memberOf':
      return new MemberOfAtom(args);
    case 'matches':
      return new LinearMatchesAtom(args);
    case 'resolve':
      return new ResolveAtom(args);
    case 'replaceMatches':
      return new RefusedFunctionAtom(name, 'its regular expressions would run on a backtracking engine', args);
    default:
      return undefined;
  }
}

/**
 * A copy of the tree with the server's functions swapped in. Atoms are never changed: an atom with a
 * replaced descendant is copied (same prototype, same fields, new children), the rest is shared.
 */
export function withServerFunctions(atom: Atom): Atom {
  if (atom instanceof SymbolAtom) return atom instanceof LeanSymbolAtom ? atom : new LeanSymbolAtom(atom.name);
  if (atom instanceof FunctionAtom) {
    const args = atom.args.map(withServerFunctions);
    const swapped = replacement(atom.name, args);
    if (swapped !== undefined) return swapped;
    return args.every((a, i) => a === atom.args[i]) ? atom : new FunctionAtom(atom.name, args);
  }
  let changes: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(atom)) {
    if (isAtom(value)) {
      const rewritten = withServerFunctions(value);
      if (rewritten !== value) (changes ??= {})[key] = rewritten;
    } else if (Array.isArray(value) && value.some(isAtom)) {
      const rewritten = value.map((item: unknown) => (isAtom(item) ? withServerFunctions(item) : item));
      if (rewritten.some((item, i) => item !== value[i])) (changes ??= {})[key] = rewritten;
    }
  }
  if (changes === undefined) return atom;
  return Object.assign(Object.create(Object.getPrototypeOf(atom) as object) as Atom, atom, changes);
}
