/**
 * ConceptMap/$translate: maps a code through one ConceptMap (by url) or every ConceptMap that covers its
 * system, forwards or in reverse. ConceptMaps may be R4 (`equivalence`) or R5-shaped (`relationship`,
 * `sourceScope`), as tx-resources sometimes are.
 *
 * @see https://hl7.org/fhir/R4/conceptmap-operation-translate.html
 * @see https://hl7.org/fhir/R4/valueset-concept-map-equivalence.html
 */
import type { ConceptMap, ConceptMapGroup, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import { vurl } from './valueset-definition.ts';

/** R5 relationship → R4 equivalence (also used by the HL7 test runner to turn R5 test input into R4). */
export const RELATIONSHIP_TO_EQUIVALENCE: Readonly<Record<string, string>> = {
  'related-to': 'relatedto',
  equivalent: 'equivalent',
  'source-is-narrower-than-target': 'wider',
  'source-is-broader-than-target': 'narrower',
  'not-related-to': 'disjoint',
};

/** R4 equivalence → R5 relationship. */
const EQUIVALENCE_TO_RELATIONSHIP: Readonly<Record<string, string>> = {
  relatedto: 'related-to',
  equivalent: 'equivalent',
  equal: 'equivalent',
  wider: 'source-is-narrower-than-target',
  subsumes: 'source-is-narrower-than-target',
  narrower: 'source-is-broader-than-target',
  specializes: 'source-is-broader-than-target',
  inexact: 'related-to',
  unmatched: 'not-related-to',
  disjoint: 'not-related-to',
};

/**
 * What to translate.
 */
export interface TranslateInput {
  readonly url?: string;
  readonly conceptMap?: ConceptMap;
  readonly conceptMapVersion?: string;
  readonly system?: string;
  readonly code?: string;
  readonly version?: string;
  readonly source?: string;
  readonly target?: string;
  readonly targetSystem?: string;
  /** Reverse: `code` is a target code. */
  readonly reverse: boolean;
}

type R5Target = { code?: string; display?: string; equivalence?: string; relationship?: string; comment?: string };

function equivalenceOf(t: R5Target): string {
  return t.equivalence ?? RELATIONSHIP_TO_EQUIVALENCE[t.relationship ?? ''] ?? 'equivalent';
}

function relationshipOf(t: R5Target): string {
  return t.relationship ?? EQUIVALENCE_TO_RELATIONSHIP[t.equivalence ?? ''] ?? 'equivalent';
}

/**
 * Translates a code.
 */
export function translate(ctx: TxContext, input: TranslateInput): Parameters {
  const maps: ConceptMap[] = [];
  if (input.conceptMap !== undefined) maps.push(input.conceptMap);
  else if (input.url !== undefined) {
    const m = ctx.findConceptMap(input.url, input.conceptMapVersion);
    if (m !== undefined) maps.push(m);
  } else {
    maps.push(...ctx.findConceptMapsFor({ source: input.source, target: input.target }));
  }
  const matches: ParametersParameter[] = [];
  let ok = false;
  for (const map of maps) {
    for (const g of (map.group ?? []) as ConceptMapGroup[]) {
      const gs = g.source ?? '';
      const gt = g.target ?? '';
      if (!input.reverse) {
        if (input.system !== undefined && gs !== input.system) continue;
        if (input.targetSystem !== undefined && gt !== input.targetSystem) continue;
        for (const el of g.element ?? []) {
          if (el.code !== input.code) continue;
          for (const t of (el.target ?? []) as R5Target[]) {
            const eq = equivalenceOf(t);
            const part: ParametersParameter[] = [
              { name: 'equivalence', valueCode: eq },
              { name: 'relationship', valueCode: relationshipOf(t) },
            ];
            if (t.code !== undefined) {
              part.push({ name: 'concept', valueCoding: { system: gt, code: t.code, ...(t.display !== undefined ? { display: t.display } : {}) } });
            }
            part.push({ name: 'originMap', valueCanonical: vurl(map) });
            if (eq !== 'unmatched' && eq !== 'disjoint') ok = true;
            matches.push({ name: 'match', part });
          }
        }
      } else {
        if (input.targetSystem !== undefined && gt !== input.targetSystem) continue;
        if (input.system !== undefined && gs !== input.system && gt !== input.system) continue;
        for (const el of g.element ?? []) {
          for (const t of (el.target ?? []) as R5Target[]) {
            if (t.code !== input.code) continue;
            const eq = equivalenceOf(t);
            const part: ParametersParameter[] = [
              { name: 'equivalence', valueCode: eq },
              { name: 'relationship', valueCode: relationshipOf(t) },
              { name: 'concept', valueCoding: { system: gt, code: t.code } },
              { name: 'originMap', valueCanonical: vurl(map) },
              { name: 'source', valueCoding: { system: gs, code: el.code } },
            ];
            if (eq !== 'unmatched' && eq !== 'disjoint') ok = true;
            matches.push({ name: 'match', part });
          }
        }
      }
    }
  }
  const out: ParametersParameter[] = [{ name: 'result', valueBoolean: ok }];
  if (!ok) out.push({ name: 'message', valueString: `No translations found for code '${input.code ?? ''}' in system '${input.system ?? ''}'` });
  out.push(...matches);
  return { resourceType: 'Parameters', parameter: out };
}
