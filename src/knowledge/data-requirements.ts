/**
 * `$data-requirements`: a Library (type `module-definition`) saying what patient data applying an artifact
 * reads — one DataRequirement per resource type its conditions and dynamic values test for, with a
 * `codeFilter` per `memberOf()` check on that type and `mustSupport` for the elements its criteria read —
 * what it depends on (`relatedArtifact` `depends-on`, versioned where the server knows the target) and the
 * `$apply` inputs its expressions use (`parameter`). The artifact's executable closure is analysed: the
 * artifact, the ActivityDefinitions and nested PlanDefinitions its actions apply, and the ValueSets its
 * expressions name. Overlapping requirements (same type and same code filters) are collapsed.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-data-requirements.html
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-data-requirements.html
 */
import { getElementDefinition } from '@medplum/core';
import type {
  DataRequirement,
  Expression,
  Library,
  ParameterDefinition,
  PlanDefinition,
  PlanDefinitionAction,
  RelatedArtifact,
  Resource,
} from '@medplum/fhirtypes';
import { tooCostly } from '../fhir/errors.ts';
import { canonicalOf, splitCanonical } from './canonical.ts';
import { directDependencies } from './dependencies.ts';
import { analyzeFhirPath, type ExpressionReads } from './expression-analysis.ts';
import { FHIRPATH_LANGUAGE } from './expressions.ts';
import { MAX_PACKAGE_RESOURCES } from './limits.ts';
import type { KnowledgeResolver } from './resolver.ts';
import { fieldsOf } from '../lib/records.ts';

/**
 * Options of {@link dataRequirementsLibrary}.
 */
export interface DataRequirementsOptions {
  readonly resolver: KnowledgeResolver;
  readonly deadline: number;
}

/** The `$apply` inputs an expression can read, with their types. */
const INPUT_TYPES: Readonly<Record<string, string>> = {
  data: 'Bundle',
  encounter: 'Encounter',
  practitioner: 'Practitioner',
  organization: 'Organization',
  userType: 'CodeableConcept',
  userLanguage: 'CodeableConcept',
  userTaskContext: 'CodeableConcept',
  setting: 'CodeableConcept',
  settingContext: 'CodeableConcept',
};

function actionDefinitions(actions: readonly PlanDefinitionAction[] | undefined, out: string[]): string[] {
  for (const action of actions ?? []) {
    if (action.definitionCanonical !== undefined) out.push(action.definitionCanonical);
    actionDefinitions(action.action, out);
  }
  return out;
}

/** The artifact and what applying it applies: ActivityDefinitions and nested PlanDefinitions, recursively. */
function executableClosure(root: Resource, options: DataRequirementsOptions): Resource[] {
  const seen = new Set<Resource>([root]);
  const ordered: Resource[] = [];
  const queue: Resource[] = [root];
  while (queue.length > 0) {
    if (Date.now() > options.deadline) throw tooCostly('$data-requirements ran out of time');
    const resource = queue.shift() as Resource;
    ordered.push(resource);
    if (ordered.length > MAX_PACKAGE_RESOURCES) throw tooCostly(`More than ${MAX_PACKAGE_RESOURCES} artifacts to analyse (MAX_PACKAGE_RESOURCES)`);
    if (resource.resourceType !== 'PlanDefinition') continue;
    for (const canonical of actionDefinitions((resource as PlanDefinition).action, [])) {
      const definition = options.resolver.resolve(canonical, ['ActivityDefinition', 'PlanDefinition']);
      if (definition !== undefined && !seen.has(definition)) {
        seen.add(definition);
        queue.push(definition);
      }
    }
  }
  return ordered;
}

/** True for an object with a string `language` and `expression`: an Expression. */
function isExpression(value: object): value is Expression {
  const record = fieldsOf(value);
  return typeof record.language === 'string' && typeof record.expression === 'string';
}

/** Every Expression in a resource (conditions, dynamic values, …). */
function expressionsIn(value: unknown, out: Expression[]): Expression[] {
  if (Array.isArray(value)) {
    for (const item of value) expressionsIn(item, out);
  } else if (typeof value === 'object' && value !== null) {
    if (isExpression(value)) {
      out.push(value);
      // Its cqf-alternativeExpression (the FHIRPath form of a CQL condition) is an Expression too.
      expressionsIn(value.extension, out);
    } else for (const child of Object.values(value)) expressionsIn(child, out);
  }
  return out;
}

function hasElement(resourceType: string, path: string): boolean {
  return getElementDefinition(resourceType, path.split('.')[0]) !== undefined;
}

/** The data requirements one expression's reading implies. */
function requirementsOf(reads: ExpressionReads, subjectType: string): DataRequirement[] {
  const requirements: DataRequirement[] = [];
  for (const type of reads.resourceTypes) {
    const filters = reads.memberOf.filter((m) => m.path !== undefined && hasElement(type, m.path));
    const mustSupport = [...new Set([...reads.criteriaElements, ...filters.map((f) => f.path as string)])].filter((e) => hasElement(type, e));
    const requirement: DataRequirement = { type: type as DataRequirement['type'] };
    if (mustSupport.length > 0) requirement.mustSupport = mustSupport;
    if (filters.length > 0) requirement.codeFilter = filters.map((f) => ({ path: f.path, valueSet: f.valueSet }));
    requirements.push(requirement);
  }
  if (reads.variables.includes('subject')) {
    const requirement: DataRequirement = { type: subjectType as DataRequirement['type'] };
    if (reads.subjectElements.length > 0) requirement.mustSupport = [...reads.subjectElements];
    requirements.push(requirement);
  }
  return requirements;
}

/** Collapses requirements with the same type and code filters (their mustSupport lists are merged). */
function collapse(requirements: readonly DataRequirement[]): DataRequirement[] {
  const byKey = new Map<string, DataRequirement>();
  for (const requirement of requirements) {
    const key = `${requirement.type}|${JSON.stringify(requirement.codeFilter ?? [])}`;
    const existing = byKey.get(key);
    if (existing === undefined) {
      byKey.set(key, requirement);
      continue;
    }
    const mustSupport = [...new Set([...(existing.mustSupport ?? []), ...(requirement.mustSupport ?? [])])];
    byKey.set(key, mustSupport.length === 0 ? existing : { ...existing, mustSupport });
  }
  return [...byKey.values()];
}

function parameterDefinitions(variables: ReadonlySet<string>, subjectType: string): ParameterDefinition[] {
  const parameters: ParameterDefinition[] = [];
  if (variables.has('subject')) parameters.push({ name: 'subject', use: 'in', min: 1, max: '1', type: subjectType as ParameterDefinition['type'] });
  for (const name of variables) {
    if (name === 'subject') continue;
    const known = INPUT_TYPES[name];
    const parameter: ParameterDefinition = { name, use: 'in', min: 0, max: '1', type: (known ?? 'Any') as ParameterDefinition['type'] };
    if (known === undefined) parameter.documentation = `Passed in the $apply "parameters" input as "${name}"`;
    parameters.push(parameter);
  }
  return parameters;
}

function titleOf(resource: Resource): string {
  const { title, name, id } = resource as { title?: string; name?: string; id?: string };
  return title ?? name ?? id ?? resource.resourceType;
}

/**
 * The module-definition Library of an artifact.
 */
export function dataRequirementsLibrary(root: Resource, options: DataRequirementsOptions): Library {
  const closure = executableClosure(root, options);
  const subjectType = (root as PlanDefinition).subjectCodeableConcept?.coding?.[0]?.code ?? 'Patient';

  const requirements: DataRequirement[] = [];
  const variables = new Set<string>();
  const dependencies = new Map<string, RelatedArtifact>();
  const addDependency = (canonical: string, resourceTypes?: readonly string[]): void => {
    const target = options.resolver.resolve(canonical, resourceTypes);
    const versioned = target === undefined ? canonical : (canonicalOf(target as { url?: string; version?: string }) ?? canonical);
    const { url } = splitCanonical(versioned);
    if ([...dependencies.keys()].some((k) => splitCanonical(k).url === url) || url === (root as { url?: string }).url) return;
    const artifact: RelatedArtifact = { type: 'depends-on', resource: versioned };
    const display = target === undefined ? undefined : ((target as { title?: string }).title ?? (target as { name?: string }).name);
    dependencies.set(versioned, display === undefined ? artifact : { ...artifact, display });
  };

  for (const resource of closure) {
    for (const dependency of directDependencies(resource)) {
      if (!dependency.documentation && !dependency.path.endsWith('.meta.profile')) addDependency(dependency.canonical, dependency.resourceTypes);
    }
    for (const expression of expressionsIn(resource, [])) {
      if (expression.language !== FHIRPATH_LANGUAGE) continue;
      let reads: ExpressionReads;
      try {
        reads = analyzeFhirPath(expression.expression as string);
      } catch {
        // A broken expression has no requirements to report; $apply reports it with its action.
        continue;
      }
      for (const name of reads.variables) variables.add(name);
      requirements.push(...requirementsOf(reads, subjectType));
    }
  }

  const library: Library = {
    resourceType: 'Library',
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/library-type', code: 'module-definition', display: 'Module Definition' }] },
    title: `Data requirements of ${titleOf(root)}`,
  };
  const relatedArtifact = [...dependencies.values()];
  if (relatedArtifact.length > 0) library.relatedArtifact = relatedArtifact;
  const parameter = parameterDefinitions(variables, subjectType);
  if (parameter.length > 0) library.parameter = parameter;
  const dataRequirement = collapse(requirements);
  if (dataRequirement.length > 0) library.dataRequirement = dataRequirement;
  return library;
}
