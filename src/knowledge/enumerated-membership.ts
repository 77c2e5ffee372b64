/**
 * ValueSet membership read from explicit concept lists, for when the server's terminology cannot decide:
 * a ValueSet that enumerates codes of a code system the server does not hold (the blood-thinner ValueSet
 * lists RxNorm codes; RxNorm is not loaded) still says which codes it contains — `compose.include.concept`
 * is the definition of its content, whether or not the code system can be consulted.
 *
 * @see https://hl7.org/fhir/R4/valueset.html#compose
 */
import type { Coding, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { KnowledgeResolver } from './resolver.ts';

/** Deepest chain of `include.valueSet` followed. */
const MAX_VALUESET_IMPORT_DEPTH = 8;

type Verdict = boolean | undefined;

function inInclude(include: ValueSetComposeInclude, coding: Coding, resolver: KnowledgeResolver, depth: number): Verdict {
  const imported = include.valueSet ?? [];
  if (imported.length > 0) {
    // A system and value sets together mean their intersection: not decided from lists alone.
    if (include.system !== undefined) return include.system === coding.system ? undefined : false;
    const verdicts = imported.map((vs) => enumeratedMembership(resolver, vs, coding, depth + 1));
    if (verdicts.every((v) => v === true)) return true;
    return verdicts.some((v) => v === undefined) ? undefined : false;
  }
  if (include.system !== coding.system) return false;
  if ((include.filter?.length ?? 0) > 0 || include.concept === undefined) return undefined;
  if (include.version !== undefined && coding.version !== undefined && include.version !== coding.version) return false;
  return include.concept.some((c) => c.code === coding.code);
}

/**
 * Membership by the ValueSet's explicit concept lists: true when an include lists the code (and no exclude
 * removes it), false when every include and exclude that could hold it is an explicit list without it,
 * undefined otherwise (filters, whole code systems, unknown ValueSets).
 */
export function enumeratedMembership(resolver: KnowledgeResolver, valueSet: string, coding: Coding, depth = 0): Verdict {
  if (depth > MAX_VALUESET_IMPORT_DEPTH) return undefined;
  const vs = resolver.resolve(valueSet, ['ValueSet']) as ValueSet | undefined;
  if (vs?.compose === undefined) return undefined;
  let included: Verdict = false;
  for (const include of vs.compose.include) {
    const verdict = inInclude(include, coding, resolver, depth);
    if (verdict === true) {
      included = true;
      break;
    }
    if (verdict === undefined) included = undefined;
  }
  if (included !== true) return included;
  for (const exclude of vs.compose.exclude ?? []) {
    const verdict = inInclude(exclude, coding, resolver, depth);
    if (verdict !== false) return verdict === true ? false : undefined;
  }
  return true;
}
