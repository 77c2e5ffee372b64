/**
 * The contract between the resource validator's binding check (`validation/`) and the terminology engine
 * (`terminology/`): the validator asks through these two functions and never imports the engine; the
 * composition (server, scripts) injects the engine's implementation (`terminology/binding-terminology.ts`),
 * so a required binding is checked the way `ValueSet/$validate-code` checks it.
 *
 * @see https://hl7.org/fhir/R4/terminologies.html#binding
 */
import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';

/**
 * The result of checking a code against a value set.
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export type MembershipResult = 'valid' | 'invalid' | 'unknown-valueset';

/**
 * Checks whether a code is in a value set (by canonical, `url|version` allowed). `system` is absent for bare
 * `code` elements (then the system is inferred from the value set, as `$validate-code` does with
 * `inferSystem`).
 */
export type ValueSetMembershipCheck = (valueSetUrl: string, coding: { readonly system?: string; readonly code: string }) => MembershipResult;

/**
 * The result of looking a code up in its code system.
 * @see https://hl7.org/fhir/R4/codesystem-operation-lookup.html
 */
export type CodeLookupResult =
  | { readonly result: 'found'; readonly displays: readonly string[] }
  | { readonly result: 'not-found'; readonly complete: boolean }
  | { readonly result: 'unknown-codesystem' };

/**
 * Looks a code up in a code system (by canonical url and optional version).
 */
export type CodeLookup = (coding: { readonly system: string; readonly version?: string; readonly code: string }) => CodeLookupResult;

/** The two checks the binding check needs. */
export interface BindingCodes {
  readonly checkValueSetMembership: ValueSetMembershipCheck;
  readonly lookupCode: CodeLookup;
}

/**
 * The code systems and value sets one validation sees (the package, the validated resource, the resolver
 * beyond them): every version with a canonical url.
 */
export interface BindingTerminologySource {
  findCodeSystems(query: { readonly url: string }): readonly CodeSystem[];
  findValueSets(query: { readonly url: string }): readonly ValueSet[];
}

/**
 * Builds the binding check's two lookups over what one validation sees; the implementation adds what it
 * knows itself (the server's store, the FHIR core terminology).
 */
export type BindingTerminology = (source: BindingTerminologySource) => BindingCodes;
