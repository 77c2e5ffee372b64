/**
 * The R4 form of an expansion built with R5 `property` elements: properties become extensions.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { Extension, ValueSet, ValueSetExpansion, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { valueOf, type Entry } from './expansion-entries.ts';
import { setField } from '../lib/records.ts';

/**
 * R5 expansion.property in R4.
 */
export const EXT_EXPANSION_PROPERTY = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property';
/**
 * R5 expansion.contains.property in R4.
 */
export const EXT_CONTAINS_PROPERTY = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property';

/**
 * Converts an expansion built with R5 `property` elements to its R4 form (extensions).
 */
export function expansionToR4(vs: ValueSet, options: { readonly ownedEntries?: boolean } = {}): ValueSet {
  const exp = vs.expansion as (ValueSetExpansion & { property?: { code: string; uri?: string }[] }) | undefined;
  if (exp === undefined) return vs;
  const owned = options.ownedEntries === true;
  const convertOwned = (list: Entry[]): Entry[] => {
    // Entries and lists built for this request, in R4 form but for `property` (and `contains` last): converted in place.
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.property !== undefined) list[i] = convertEntry(c) as Entry;
      else if (c.contains !== undefined) convertOwned(c.contains);
    }
    return list;
  };
  const convertContains = (list: readonly Entry[] | undefined): ValueSetExpansionContains[] | undefined =>
    owned && list !== undefined ? convertOwned(list as Entry[]) : list?.map(convertEntry);
  const convertEntry = (c: Entry): ValueSetExpansionContains => {
    const { property, contains, ...rest } = c;
    const out: ValueSetExpansionContains = { ...rest };
    if (property !== undefined && property.length > 0) {
      out.extension = [
        ...(rest.extension ?? []),
        ...property.map((p) => {
          const [vn, v] = valueOf(Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'code')));
          const value: Extension = { url: 'value' };
          if (vn !== undefined) setField(value, vn, v);
          return { url: EXT_CONTAINS_PROPERTY, extension: [{ url: 'code', valueCode: p.code }, value] };
        }),
      ];
    }
    if (contains !== undefined) out.contains = convertContains(contains);
    return out;
  };
  const { property, contains, ...rest } = exp;
  const out: ValueSetExpansion = { ...rest };
  if (property !== undefined && property.length > 0) {
    out.extension = [
      ...(rest.extension ?? []),
      ...property.map((p) => ({
        url: EXT_EXPANSION_PROPERTY,
        extension: [{ url: 'code', valueCode: p.code }, ...(p.uri !== undefined ? [{ url: 'uri', valueUri: p.uri }] : [])],
      })),
    ];
  }
  if (contains !== undefined) out.contains = convertContains(contains as Entry[]);
  return { ...vs, expansion: out };
}
