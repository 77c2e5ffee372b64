/**
 * Interim ValueSet membership over stored ValueSets: explicit `compose.include.concept` lists (and whole
 * code systems stored here, without filters). Replaced by the terminology engine's `$validate-code` once it
 * is wired; kept minimal on purpose.
 *
 * @see https://hl7.org/fhir/R4/valueset.html#compose
 */
import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import type { Repository } from '../store/repository.ts';
import type { ValueSetMembership } from './services.ts';

function codesOf(concepts: readonly CodeSystemConcept[] | undefined, out: Set<string>): Set<string> {
  for (const c of concepts ?? []) {
    out.add(c.code as string);
    codesOf(c.concept, out);
  }
  return out;
}

/** Membership by enumerated concepts and whole stored code systems. */
export function storedValueSetMembership(repository: Repository): ValueSetMembership {
  return (valueSet, coding) => {
    const [url, version] = valueSet.split('|');
    const vs = repository.findByCanonical('ValueSet', url, version)[0]?.resource as ValueSet | undefined;
    if (!vs?.compose?.include) return undefined;
    const inSet = (include: NonNullable<ValueSet['compose']>['include'][number]): boolean | undefined => {
      if (include.system !== coding.system) return false;
      if (include.filter?.length || include.valueSet?.length) return undefined;
      if (include.concept) return include.concept.some((c) => c.code === coding.code);
      const cs = repository.findByCanonical('CodeSystem', include.system as string, include.version)[0]?.resource as CodeSystem | undefined;
      return cs ? codesOf(cs.concept, new Set()).has(coding.code as string) : undefined;
    };
    let unknown = false;
    for (const include of vs.compose.include) {
      const r = inSet(include);
      if (r === true) return !(vs.compose.exclude ?? []).some((ex) => inSet(ex) === true);
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
}
