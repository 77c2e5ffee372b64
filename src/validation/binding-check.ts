/**
 * The binding check (`@medplum/core` checks no code at all: `status: "nonsense"` passes it):
 *
 * - every `code`, `Coding` and `CodeableConcept` under a **required** binding holds a code of the bound value
 *   set (a value set that cannot be expanded locally gives a warning, not an error);
 * - every `Coding` whose system is a code system known locally (the package or FHIR core) holds a code of
 *   that system, and a `display` the system knows for it (a warning otherwise);
 * - in ValueSets, `compose.include/exclude.concept` codes and `is-a`-style filter values exist in their code
 *   system; in CodeSystems, concept properties are declared in `CodeSystem.property`, and a supplement only
 *   supplements codes of the supplemented system.
 *
 * @see https://hl7.org/fhir/R4/terminologies.html#required
 * @see https://hl7.org/fhir/R4/codesystem.html#supplements
 */
import type {
  CodeSystem,
  CodeSystemConcept,
  CodeSystemConceptProperty,
  CodeSystemProperty,
  Coding,
  ValueSet,
  ValueSetComposeInclude,
  ValueSetComposeIncludeConcept,
  ValueSetComposeIncludeFilter,
} from '@medplum/fhirtypes';
import { parseCanonical } from './canonical-index.ts';
import type { ElementVisit, ResourceVisit, WalkCheck } from './element-walker.ts';
import { createIssue } from './issues.ts';
import type { CodeLookup, CodeLookupResult, ValidationIssue, ValueSetMembershipCheck } from './types.ts';

/** Types a terminology binding applies to that this check reads. */
const CODED_TYPES = new Set(['code', 'Coding', 'CodeableConcept']);

/** Filter operators whose value is a code of the system. */
const CODE_VALUED_FILTER_OPS = new Set(['is-a', 'descendent-of', 'is-not-a', 'generalizes']);

function normalizeDisplay(display: string): string {
  return display.trim().replace(/\s+/g, ' ').toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the binding check needs.
 * @see https://hl7.org/fhir/R4/terminologies.html#binding
 */
export interface BindingCheckContext {
  readonly checkValueSetMembership: ValueSetMembershipCheck;
  readonly lookupCode: CodeLookup;
}

/** Where the checks of one resource report: its issues, as errors or warnings of the binding check. */
interface BindingReport {
  error(code: ValidationIssue['code'], text: string, expression: string): void;
  warning(code: ValidationIssue['code'], text: string, expression: string): void;
}

function bindingReport(issues: ValidationIssue[]): BindingReport {
  return {
    error: (code, text, expression) => {
      issues.push(createIssue('binding', { severity: 'error', code, text, expression }));
    },
    warning: (code, text, expression) => {
      issues.push(createIssue('binding', { severity: 'warning', code, text, expression }));
    },
  };
}

/** A `code`, `Coding` or `CodeableConcept` under a required binding: one of its codes is in the value set. */
function checkRequired(context: BindingCheckContext, report: BindingReport, visit: ElementVisit, valueSet: string): void {
  const { path, type, value } = visit;
  const cannotCheck = (): void =>
    report.warning('not-supported', `Value set ${valueSet} cannot be expanded locally: the code was not checked against its required binding`, path);
  if (type === 'code') {
    if (typeof value !== 'string') return;
    const result = context.checkValueSetMembership(valueSet, { code: value });
    if (result === 'invalid') report.error('code-invalid', `The code "${value}" is not in the value set ${valueSet} (required binding)`, path);
    else if (result === 'unknown-valueset') cannotCheck();
    return;
  }
  const codings: unknown[] = type === 'Coding' ? [value] : isRecord(value) && Array.isArray(value.coding) ? value.coding : [];
  const candidates = codings.filter(isRecord).filter((c) => typeof c.code === 'string') as Coding[];
  if (candidates.length === 0) {
    report.error('code-invalid', `No code given, but the binding to ${valueSet} is required`, path);
    return;
  }
  const results = candidates.map((c) => context.checkValueSetMembership(valueSet, { system: c.system, code: c.code as string }));
  if (results.includes('valid')) return;
  if (results.includes('unknown-valueset')) {
    cannotCheck();
    return;
  }
  const shown = candidates.map((c) => `${c.system ?? '(no system)'}#${c.code}`).join(', ');
  report.error('code-invalid', `None of the codes ${shown} is in the value set ${valueSet} (required binding)`, path);
}

/** What a lookup of a coding found: an unknown code, or a display the code system does not know. */
function reportLookup(report: BindingReport, found: CodeLookupResult, coding: Coding, path: string): void {
  if (found.result === 'not-found') {
    if (found.complete) report.error('code-invalid', `Unknown code "${coding.code}" in code system ${coding.system}`, path);
    else report.warning('code-invalid', `The code "${coding.code}" is not in the (partial) content of code system ${coding.system}`, path);
  } else if (found.result === 'found' && typeof coding.display === 'string' && found.displays.length > 0) {
    const display = normalizeDisplay(coding.display);
    if (!found.displays.some((d) => normalizeDisplay(d) === display)) {
      report.warning(
        'invalid',
        `Display "${coding.display}" is not a display of ${coding.system}#${coding.code} (expected "${found.displays[0]}")`,
        `${path}.display`,
      );
    }
  }
}

/** A `Coding` of a locally known code system holds a code (and a display) of it. */
function checkCoding(context: BindingCheckContext, report: BindingReport, coding: Coding, path: string): void {
  if (typeof coding.system !== 'string' || typeof coding.code !== 'string') return;
  const found = context.lookupCode({ system: coding.system, version: coding.version, code: coding.code });
  reportLookup(report, found, coding, path);
}

/**
 * The objects of an array element, for walking a resource the schema check may have found wrong: a
 * non-array, `null` items or primitives where objects belong are skipped (the schema check reports them).
 * Indexes are kept (holes for the skipped items), so locations stay right.
 */
function objectsOf<T>(value: unknown): T[] {
  const out: T[] = [];
  if (!Array.isArray(value)) return out;
  (value as unknown[]).forEach((v, i) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[i] = v as T;
  });
  return out;
}

/** A ValueSet's `compose.include/exclude` concept codes and code-valued filter values exist in their system. */
function checkValueSet(context: BindingCheckContext, report: BindingReport, valueSet: ValueSet, path: string): void {
  (['include', 'exclude'] as const).forEach((part) => {
    objectsOf<ValueSetComposeInclude>(valueSet.compose?.[part]).forEach((include, i) => {
      const system = include.system;
      if (typeof system !== 'string') return;
      const at = `${path}.compose.${part}[${i}]`;
      objectsOf<ValueSetComposeIncludeConcept>(include.concept).forEach((concept, j) => {
        if (typeof concept.code !== 'string') return;
        const found = context.lookupCode({ system, version: include.version, code: concept.code });
        reportLookup(report, found, { system, code: concept.code, display: concept.display }, `${at}.concept[${j}]`);
      });
      objectsOf<ValueSetComposeIncludeFilter>(include.filter).forEach((filter, j) => {
        if (filter.op === undefined || !CODE_VALUED_FILTER_OPS.has(filter.op) || typeof filter.value !== 'string') return;
        if (filter.property !== 'concept' && filter.property !== 'code') return;
        const found = context.lookupCode({ system, version: include.version, code: filter.value });
        if (found.result === 'not-found' && found.complete) {
          report.error('code-invalid', `Filter value "${filter.value}" is not a code of ${system}`, `${at}.filter[${j}].value`);
        }
      });
    });
  });
}

/** A CodeSystem's concept properties are declared, and a supplement's codes are in the supplemented system. */
function checkCodeSystem(context: BindingCheckContext, report: BindingReport, codeSystem: CodeSystem, path: string): void {
  const declared = new Set(objectsOf<CodeSystemProperty>(codeSystem.property).map((p) => p.code));
  const supplemented = typeof codeSystem.supplements === 'string' ? parseCanonical(codeSystem.supplements) : undefined;
  const visit = (concepts: readonly CodeSystemConcept[] | undefined, at: string): void => {
    objectsOf<CodeSystemConcept>(concepts).forEach((concept, i) => {
      const conceptPath = `${at}.concept[${i}]`;
      objectsOf<CodeSystemConceptProperty>(concept.property).forEach((property, j) => {
        if (typeof property.code === 'string' && !declared.has(property.code)) {
          report.error('invalid', `Concept property "${property.code}" is not declared in CodeSystem.property`, `${conceptPath}.property[${j}].code`);
        }
      });
      if (codeSystem.content === 'supplement' && supplemented !== undefined && typeof concept.code === 'string') {
        const found = context.lookupCode({ system: supplemented.url, version: supplemented.version, code: concept.code });
        if (found.result === 'not-found') {
          const text = `The supplement adds to code "${concept.code}", which is not in ${codeSystem.supplements}`;
          if (found.complete) report.error('code-invalid', text, `${conceptPath}.code`);
          else report.warning('code-invalid', text, `${conceptPath}.code`);
        }
      }
      visit(concept.concept, conceptPath);
    });
  };
  visit(codeSystem.concept, path);
}

/**
 * Creates the binding check for one resource.
 */
export function createBindingCheck(context: BindingCheckContext): WalkCheck & { readonly issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const report = bindingReport(issues);
  return {
    issues,
    onResource({ path, resource }: ResourceVisit): void {
      if (resource.resourceType === 'ValueSet') checkValueSet(context, report, resource, path);
      else if (resource.resourceType === 'CodeSystem') checkCodeSystem(context, report, resource, path);
    },
    onElement(visit: ElementVisit): void {
      const binding = visit.element.binding;
      if (binding?.strength === 'required' && typeof binding.valueSet === 'string' && CODED_TYPES.has(visit.type) && !visit.inPrimitiveExtension) {
        checkRequired(context, report, visit, binding.valueSet);
      }
      if (visit.type === 'Coding' && isRecord(visit.value)) {
        checkCoding(context, report, visit.value as Coding, visit.path);
      }
    },
  };
}
