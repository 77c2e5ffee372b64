/**
 * Element rules `@medplum/core`'s validator leaves out, run during the validator's walk:
 *
 * - a choice element (`definition[x]`, `timing[x]`, `value[x]`...) holds one value only: two JSON properties
 *   for one choice (`definitionCanonical` and `definitionUri`) are an error;
 * - warning-level invariants of the R4 definitions (`dom-6` narrative, `pdf-0`/`adf-0`/`csd-0`/`vsd-0`
 *   computable names...) are evaluated and reported as warnings;
 * - the error-level invariants `@medplum/core` cannot evaluate because its FHIRPath engine returns nothing for
 *   `descendants()` and `children()`: `csd-1` (codes unique in the whole concept tree, not only at the top
 *   level) and `dom-3` (every contained resource is referenced from elsewhere in the resource). (`ele-1` is
 *   covered by the empty-value checks; `que-2` and `sdf-9` concern types outside this project.)
 * - `txt-1`/`txt-2` on every `Narrative.div` (see `narrative-check.ts`): safe XHTML with some content;
 * - an `Expression` in `text/fhirpath` parses as FHIRPath (a CDS engine would fail on it at `$apply` time).
 *
 * @see https://hl7.org/fhir/R4/formats.html#choice
 * @see https://hl7.org/fhir/R4/conformance-rules.html#constraints
 * @see https://hl7.org/fhir/R4/metadatatypes.html#Expression
 */
import type { FhirPathAtom, TypedValue } from '@medplum/core';
import { evalFhirPathTyped, parseFhirPath, toTypedValue } from '@medplum/core';
import type { CodeSystem, CodeSystemConcept, Resource } from '@medplum/fhirtypes';
import type { ElementVisit, ResourceVisit, WalkCheck } from './element-walker.ts';
import { createIssue } from './issues.ts';
import { narrativeProblems } from './narrative-check.ts';
import type { ValidationIssue } from './types.ts';

interface Constraint {
  readonly key: string;
  readonly severity: string;
  readonly expression: string;
  readonly description: string;
}

/** Parsed FHIRPath expressions of invariants, shared by every validation (the set of invariants is fixed). */
const parsedExpressions = new Map<string, FhirPathAtom | null>();

function parsed(expression: string): FhirPathAtom | null {
  let atom = parsedExpressions.get(expression);
  if (atom === undefined) {
    try {
      atom = parseFhirPath(expression);
    } catch {
      atom = null;
    }
    parsedExpressions.set(expression, atom);
  }
  return atom;
}

/** The id a `#id` reference (Reference.reference, canonical or uri) points to; '' for `#` (the container). */
function localReference(visit: ElementVisit): string | undefined {
  const { type, value } = visit;
  let text: unknown;
  if (type === 'Reference' && typeof value === 'object' && value !== null) text = (value as { reference?: unknown }).reference;
  else if (type === 'canonical' || type === 'uri') text = value;
  return typeof text === 'string' && text.startsWith('#') ? text.slice(1) : undefined;
}

/** The state of one resource's walk the invariant checks share. */
interface RulesWalk {
  readonly issues: ValidationIssue[];
  readonly rootTyped: TypedValue;
  /** Typed values of the resources met (the root and contained ones), each built once. */
  readonly resourceTyped: Map<Resource, TypedValue>;
}

/** The warning-level invariants among `constraints`, evaluated on `context`; each one broken is a warning. */
function evaluateWarnings(walk: RulesWalk, constraints: readonly Constraint[] | undefined, context: TypedValue, resource: Resource, path: string): void {
  for (const constraint of constraints ?? []) {
    if (constraint.severity !== 'warning') continue;
    const atom = parsed(constraint.expression);
    if (atom === null) continue;
    let resourceValue = walk.resourceTyped.get(resource);
    if (resourceValue === undefined) {
      resourceValue = toTypedValue(resource);
      walk.resourceTyped.set(resource, resourceValue);
    }
    let holds: boolean;
    try {
      const result = evalFhirPathTyped(atom, [context], { '%context': context, '%resource': resourceValue, '%rootResource': walk.rootTyped });
      // An empty result (e.g. `name.matches(...)` without a name) does not break the rule.
      holds = !(result.length === 1 && result[0].value === false);
    } catch {
      continue; // an expression the engine cannot evaluate says nothing about the content
    }
    if (!holds) {
      walk.issues.push(
        createIssue('invariant', {
          severity: 'warning',
          code: 'invariant',
          text: `Constraint ${constraint.key} not met: ${constraint.description}`,
          expression: path,
          diagnostics: constraint.expression,
        }),
      );
    }
  }
}

/** csd-1 over the whole concept tree. */
function checkUniqueCodes(issues: ValidationIssue[], codeSystem: CodeSystem, constraints: readonly Constraint[], path: string): void {
  const csd1 = constraints.find((c) => c.key === 'csd-1');
  if (csd1 === undefined) return;
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const visit = (concepts: readonly CodeSystemConcept[] | undefined): void => {
    for (const concept of concepts ?? []) {
      if (typeof concept.code === 'string') {
        if (seen.has(concept.code)) duplicates.add(concept.code);
        seen.add(concept.code);
      }
      visit(concept.concept);
    }
  };
  visit(codeSystem.concept);
  if (duplicates.size === 0) return;
  issues.push(
    createIssue('invariant', {
      severity: 'error',
      code: 'invariant',
      text: `Constraint csd-1 not met: ${csd1.description}`,
      expression: path,
      diagnostics: `duplicate code(s): ${[...duplicates].join(', ')}`,
    }),
  );
}

/** dom-3: every contained resource is referenced (by `#id`, or `#` from within) somewhere in the resource. */
function checkContainedReferenced(issues: ValidationIssue[], root: Resource, rootConstraints: readonly Constraint[], localReferences: ReadonlySet<string>): void {
  const dom3 = rootConstraints.find((c) => c.key === 'dom-3');
  const contained = (root as { contained?: unknown }).contained;
  if (dom3 === undefined || !Array.isArray(contained)) return;
  contained.forEach((resource: unknown, i) => {
    const id = (resource as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && !localReferences.has(id) && !localReferences.has('')) {
      issues.push(
        createIssue('invariant', {
          severity: 'error',
          code: 'invariant',
          text: `Constraint dom-3 not met: ${dom3.description}`,
          expression: `${root.resourceType}.contained[${i}]`,
          diagnostics: dom3.expression,
        }),
      );
    }
  });
}

/** One type per choice element: `choicesSeen` maps each choice's base path to the first type met there. */
function checkOneChoiceType(issues: ValidationIssue[], choicesSeen: Map<string, string>, path: string): void {
  const choice = /^(.*)\.ofType\(([^)]+)\)$/.exec(path);
  if (choice === null) return;
  const [, base, type] = choice;
  const previous = choicesSeen.get(base);
  if (previous !== undefined && previous !== type) {
    issues.push(
      createIssue('structure', {
        severity: 'error',
        code: 'structure',
        text: `Only one type of the choice element may be present, found ${previous} and ${type}`,
        expression: base,
      }),
    );
  } else {
    choicesSeen.set(base, type);
  }
}

/** An `Expression` in `text/fhirpath` parses as FHIRPath. */
function checkFhirPathExpression(issues: ValidationIssue[], visit: ElementVisit): void {
  if (visit.type !== 'Expression' || typeof visit.value !== 'object' || visit.value === null) return;
  const { language, expression } = visit.value as { language?: unknown; expression?: unknown };
  if (language !== 'text/fhirpath' || typeof expression !== 'string') return;
  try {
    parseFhirPath(expression);
  } catch (err: unknown) {
    issues.push(
      createIssue('structure', {
        severity: 'error',
        code: 'invalid',
        text: `Not a valid FHIRPath expression: ${err instanceof Error ? err.message : String(err)}`,
        expression: `${visit.path}.expression`,
      }),
    );
  }
}

/** txt-1/txt-2 on a `Narrative.div`. */
function checkNarrative(issues: ValidationIssue[], visit: ElementVisit): void {
  if (visit.type !== 'xhtml' || typeof visit.value !== 'string') return;
  for (const problem of narrativeProblems(visit.value).slice(0, 10)) {
    issues.push(
      createIssue('invariant', {
        severity: 'error',
        code: 'invariant',
        text: `Constraint ${problem.startsWith('the narrative has no content') ? 'txt-2' : 'txt-1'} not met: ${problem}`,
        expression: visit.path,
      }),
    );
  }
}

/**
 * Creates the element-rules check for one resource.
 */
export function createElementRulesCheck(root: Resource): WalkCheck & { readonly issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const localReferences = new Set<string>();
  let rootConstraints: readonly Constraint[] = [];
  const choicesSeen = new Map<string, string>();
  const rootTyped = toTypedValue(root);
  const walk: RulesWalk = { issues, rootTyped, resourceTyped: new Map<Resource, TypedValue>([[root, rootTyped]]) };

  return {
    issues,
    onResource({ path, resource, schema }: ResourceVisit): void {
      evaluateWarnings(walk, schema.constraints, walk.resourceTyped.get(resource) ?? toTypedValue(resource), resource, path);
      if (resource === root) rootConstraints = schema.constraints ?? [];
      if (resource.resourceType === 'CodeSystem') checkUniqueCodes(issues, resource as CodeSystem, schema.constraints ?? [], path);
    },
    finish(): void {
      checkContainedReferenced(issues, root, rootConstraints, localReferences);
    },
    onElement(visit: ElementVisit): void {
      const local = localReference(visit);
      if (local !== undefined) localReferences.add(local);
      checkOneChoiceType(issues, choicesSeen, visit.path);
      checkFhirPathExpression(issues, visit);
      checkNarrative(issues, visit);
      if (visit.element.constraints?.some((c) => c.severity === 'warning')) {
        evaluateWarnings(walk, visit.element.constraints, { type: visit.type, value: visit.value }, visit.resource, visit.path);
      }
    },
  };
}
