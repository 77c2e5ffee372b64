/**
 * The canonical dependencies of a knowledge or terminology artifact: every element of type `canonical`
 * (definitions, related artifacts, value sets, supplements, libraries, profiles…), every Coding's code
 * system, every ValueSet `compose.include.system`, and every ValueSet named by `memberOf()` in a FHIRPath
 * expression. Found with a typed walk over the R4 definitions, so no element is missed by name.
 *
 * @see https://hl7.org/fhir/uv/crmi/packaging.html
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
import { crawlTypedValue, LiteralAtom, toTypedValue, type Atom, type TypedValueWithPath } from '@medplum/core';
import type { Expression, RelatedArtifact, Resource } from '@medplum/fhirtypes';
import { ensureR4Schemas } from './element-paths.ts';
import { FHIRPATH_LANGUAGE } from './expressions.ts';
import { compileFhirPath } from './fhirpath.ts';
import { atomChildren, MemberOfAtom } from './fhirpath-memberof.ts';

/**
 * One canonical reference found in an artifact.
 */
export interface Dependency {
  /** The canonical as referenced (`url` or `url|version`). */
  readonly canonical: string;
  /** The resource types it can resolve to (from the element's target profiles); undefined: any. */
  readonly resourceTypes?: readonly string[];
  /** Where it was found (element path, e.g. `PlanDefinition.action.definition[x]`). */
  readonly path: string;
  /**
   * True for a `relatedArtifact` whose type is not `depends-on` or `composed-of` (documentation,
   * justification, citation…): packaged, but not something the artifact needs to run.
   */
  readonly documentation: boolean;
}

/** RelatedArtifact types that make the target something the artifact needs. */
const REQUIRED_ARTIFACT_TYPES = new Set(['depends-on', 'composed-of']);

const STRUCTURE_DEFINITION_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * ValueSet canonicals named by `memberOf('…')` in a parsed expression.
 */
export function memberOfValueSets(atom: Atom, out: Set<string> = new Set()): Set<string> {
  if (atom instanceof MemberOfAtom) {
    const argument = atom.args[0];
    if (argument instanceof LiteralAtom && typeof argument.value.value === 'string') out.add(argument.value.value);
  }
  for (const child of atomChildren(atom)) memberOfValueSets(child, out);
  return out;
}

/**
 * ValueSets named by `memberOf()` in an Expression (none when it is not FHIRPath or does not parse).
 */
export function expressionValueSets(expression: Expression | undefined): string[] {
  if (expression?.language !== FHIRPATH_LANGUAGE || typeof expression.expression !== 'string') return [];
  try {
    return [...memberOfValueSets(compileFhirPath(expression.expression))];
  } catch {
    // A broken expression is reported by $apply, with its action; it has no dependencies to package.
    return [];
  }
}

function targetTypes(profiles: readonly string[] | undefined): readonly string[] | undefined {
  const types = (profiles ?? [])
    .filter((p) => p.startsWith(STRUCTURE_DEFINITION_BASE))
    .map((p) => p.slice(STRUCTURE_DEFINITION_BASE.length))
    .filter((t) => t !== 'Resource' && t !== 'MetadataResource');
  return types.length === 0 ? undefined : types;
}

/**
 * The direct dependencies of an artifact, in document order, each canonical once.
 */
export function directDependencies(resource: Resource): Dependency[] {
  ensureR4Schemas();
  const found = new Map<string, Dependency>();
  const add = (dependency: Dependency): void => {
    const existing = found.get(dependency.canonical);
    // A dependency found both as documentation and as a requirement is a requirement.
    if (existing === undefined || (existing.documentation && !dependency.documentation)) found.set(dependency.canonical, dependency);
  };
  crawlTypedValue(toTypedValue(resource), {
    visitProperty: (parent, key, path, propertyValues, schema) => {
      const values = (propertyValues.flat() as TypedValueWithPath[]).filter((v) => v !== undefined && v.value !== undefined);
      for (const value of values) {
        if (value.type === 'canonical' && typeof value.value === 'string') {
          const element = schema.elements[key];
          const documentation = parent.type === 'RelatedArtifact' && !REQUIRED_ARTIFACT_TYPES.has((parent.value as RelatedArtifact).type as string);
          add({ canonical: value.value, resourceTypes: targetTypes(element?.type.flatMap((t) => t.targetProfile ?? [])), path, documentation });
        } else if (value.type === 'Coding' && typeof value.value?.system === 'string') {
          const { system, version } = value.value as { system: string; version?: string };
          add({ canonical: version === undefined ? system : `${system}|${version}`, resourceTypes: ['CodeSystem'], path: `${path}.system`, documentation: false });
        } else if (value.type === 'uri' && typeof value.value === 'string' && /\.compose\.(include|exclude)\.system$/.test(path)) {
          const version = (parent.value as { version?: string }).version;
          add({ canonical: version === undefined ? value.value : `${value.value}|${version}`, resourceTypes: ['CodeSystem'], path, documentation: false });
        } else if (value.type === 'Expression') {
          for (const valueSet of expressionValueSets(value.value as Expression)) {
            add({ canonical: valueSet, resourceTypes: ['ValueSet'], path: `${path}.expression`, documentation: false });
          }
        }
      }
    },
  });
  return [...found.values()];
}
