/**
 * The terminology engine behind the resource validator's binding check: value-set membership is decided by
 * `$validate-code`'s engine (compose rules, filters, imported value sets, versions, supplements), codes are
 * looked up through the same code system providers as `$lookup`. The validator receives this through its
 * `bindingTerminology` option (see `fhir/binding-terminology.ts`).
 *
 * Where the engine cannot decide because a code system is not defined here, the value set's own definition
 * decides when it can: grammar-based systems (BCP-47 language tags, BCP-13 MIME types), which have no
 * CodeSystem resource, by syntax; value sets that list their codes (UCUM's `units-of-time`) by their lists.
 *
 * @see https://hl7.org/fhir/R4/terminologies.html#binding
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { CodeSystem, ConceptMap, ValueSet } from '@medplum/fhirtypes';
import type { BindingCodes, BindingTerminology, BindingTerminologySource, CodeLookupResult, MembershipResult } from '../fhir/binding-terminology.ts';
import type { TxContext } from './context.ts';
import { membershipContext, membershipIn, withCore } from './membership.ts';
import type { TerminologyResources } from './resources.ts';

/** Syntax of systems defined by a grammar rather than a list of codes. */
const GRAMMAR_SYSTEMS: ReadonlyMap<string, RegExp> = new Map([
  // BCP-47 language tags (simplified RFC 5646: language, optional script/region/variants/extensions)
  ['urn:ietf:bcp:47', /^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/],
  // BCP-13 MIME types: type "/" subtype, optional parameters
  ['urn:ietf:bcp:13', /^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*\/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*(\s*;\s*[^\s;=]+=[^;]+)*$/],
]);

const NO_CONCEPT_MAPS: readonly ConceptMap[] = [];

/**
 * Membership decided by the value set's definition alone, for when the engine cannot decide (a code system it
 * has no definition of): a value set whose includes all list their concepts (`units-of-time`, from UCUM), or
 * are all whole grammar-based systems (`languages`, `mimetypes`), with no exclude; undefined for any other.
 */
function definedMembership(valueSet: ValueSet, coding: { readonly system?: string; readonly code: string }): MembershipResult | undefined {
  const includes = valueSet.compose?.include ?? [];
  if (includes.length === 0 || (valueSet.compose?.exclude ?? []).length > 0) return undefined;
  if (includes.some((i) => i.system === undefined || i.valueSet !== undefined || i.filter !== undefined)) return undefined;
  const decidable = includes.every((i) => i.concept !== undefined || GRAMMAR_SYSTEMS.has(i.system as string));
  if (!decidable) return undefined;
  const member = includes.some((i) => {
    if (coding.system !== undefined && coding.system !== i.system) return false;
    if (i.concept !== undefined) return i.concept.some((c) => c.code === coding.code);
    return GRAMMAR_SYSTEMS.get(i.system as string)?.test(coding.code) === true;
  });
  return member ? 'valid' : 'invalid';
}

/**
 * The one code system a value set draws every code from (no imports), or undefined: a bare `code` bound to
 * such a value set is that system's (as the value set says), not inferred from its code systems' content,
 * which may be unknown here (UCUM for `units-of-time`).
 */
function soleSystem(valueSet: ValueSet): string | undefined {
  const includes = valueSet.compose?.include ?? [];
  if (includes.length === 0 || includes.some((i) => i.valueSet !== undefined || i.system === undefined)) return undefined;
  const systems = new Set(includes.map((i) => i.system));
  return systems.size === 1 ? includes[0].system : undefined;
}

/** Looks a code up in its code system (any version when the one asked for is not known). */
function lookupIn(ctx: TxContext, coding: { readonly system: string; readonly version?: string; readonly code: string }): CodeLookupResult {
  const grammar = GRAMMAR_SYSTEMS.get(coding.system);
  if (grammar !== undefined) return grammar.test(coding.code) ? { result: 'found', displays: [] } : { result: 'not-found', complete: true };
  const codeSystem = ctx.findCodeSystem(coding.system, coding.version) ?? (coding.version === undefined ? undefined : ctx.findCodeSystem(coding.system, undefined));
  if (codeSystem === undefined || codeSystem.content === 'not-present') return { result: 'unknown-codesystem' };
  const provider = ctx.provider(codeSystem);
  const c = provider.locate(coding.code);
  if (c < 0) return { result: 'not-found', complete: provider.content === 'complete' };
  const displays = [provider.display(c), ...provider.designations(c).map((d) => d.value)].filter((d): d is string => typeof d === 'string');
  return { result: 'found', displays: [...new Set(displays)] };
}

/**
 * The binding check's terminology: what one validation sees first, then `layers` (for the server, its
 * store), then the FHIR core terminology unless `core` is null.
 */
export function createBindingTerminology(options: { readonly layers?: readonly TerminologyResources[]; readonly core?: TerminologyResources | null } = {}): BindingTerminology {
  return (source: BindingTerminologySource): BindingCodes => {
    const seen: TerminologyResources = {
      findCodeSystems: (query): readonly CodeSystem[] => source.findCodeSystems(query),
      findValueSets: (query): readonly ValueSet[] => source.findValueSets(query),
      findConceptMaps: () => NO_CONCEPT_MAPS,
    };
    const layers = withCore([seen, ...(options.layers ?? [])], options.core);
    // A fresh context for each question, as for each `$validate-code` request (a context records the
    // supplements a value set requires); code system providers are shared between contexts all the same.
    const contextFor = (inferSystem: boolean): TxContext => membershipContext(layers, { inferSystem });
    return {
      checkValueSetMembership: (valueSetUrl, coding): MembershipResult => {
        const valueSet = contextFor(false).findValueSet(valueSetUrl);
        if (valueSet === undefined) return 'unknown-valueset';
        const system = coding.system ?? soleSystem(valueSet);
        const ctx = contextFor(system === undefined);
        const membership = membershipIn(ctx, valueSet, { system, code: coding.code }, system === undefined ? 'code' : 'coding');
        if (membership === 'member') return 'valid';
        if (membership === 'not-member') return 'invalid';
        return definedMembership(valueSet, coding) ?? 'unknown-valueset';
      },
      lookupCode: (coding) => lookupIn(contextFor(false), coding),
    };
  };
}
