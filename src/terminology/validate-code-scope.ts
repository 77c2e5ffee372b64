/**
 * What the steps of one code validation share: the value set being checked, with the prepared checkers of
 * the value sets it imports, and the code system lookup every step makes.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { ValueSet } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import type { CodeSystemProvider } from './provider.ts';
import { vurl } from './valueset-definition.ts';

/**
 * A value set being checked.
 */
export interface CheckScope {
  readonly ctx: TxContext;
  readonly vs: ValueSet;
  /** True for the implicit value set of a code system (CodeSystem/$validate-code). */
  readonly internallyDefined: boolean;
  /** The prepared scope of an imported value set (`compose.include.valueSet`); 422 when it was not prepared. */
  imported(reference: string): CheckScope;
}

/**
 * The provider of a complete or fragment code system (`version` exact or wildcard, the latest when
 * undefined), its supplements noted as used; undefined when there is none.
 */
export function findProvider(ctx: TxContext, system: string, version: string | undefined): CodeSystemProvider | undefined {
  const cs = ctx.findCodeSystem(system, version, ['complete', 'fragment']);
  if (cs === undefined) return undefined;
  const provider = ctx.provider(cs);
  ctx.noteSupplementsOf(provider);
  return provider;
}

/** The value set as messages name it. */
export function valueSetName(vs: ValueSet): string {
  return vs.url === undefined ? '(unidentified)' : vurl(vs);
}

/** True for an absolute URI (a scheme first). */
export function isAbsolute(url: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url);
}
