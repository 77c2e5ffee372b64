/**
 * The content validator used by the command line (`npm run validate`, `npm run package`), the tests and the
 * server (create, update, `$validate`). Create it once with {@link createValidator}: the JSON schemas, the R4
 * StructureDefinition index, the core terminology and the package index are built on first use and reused by
 * every validation.
 *
 * A resource goes through the checks in order (see {@link ValidationCheck}): schema, structure and
 * invariants, profiles, bindings, references, uniqueness. Each check reports every problem it finds, and a
 * problem reported by an earlier check at the same location is not repeated by a later one. At most
 * {@link MAX_ISSUES} issues are reported, then one issue says how many more there were; a resource with more
 * schema errors than that gets no deeper check.
 *
 * @see https://hl7.org/fhir/R4/validation.html
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */
import type { CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { appendAll } from '../lib/arrays.ts';
import { createBindingCheck } from './binding-check.ts';
import { CanonicalIndex } from './canonical-index.ts';
import { findStructureDefinition, resolveProfiles } from './claimed-profiles.ts';
import { scanConceptTree, visitConceptCodings, type PlainConceptTree } from './codesystem-concepts.ts';
import { createElementRulesCheck } from './element-rules-check.ts';
import { checkExtensionSlices } from './extension-slice-check.ts';
import { walkWithChecks, type WalkCallbacks } from './element-walker.ts';
import { capIssues, countIssues, createIssue, MAX_ISSUES, dedupeIssues, issueCheck, issueExpression, isErrorIssue, sortIssues } from './issues.ts';
import { ensureCoreStructures, loadAllCoreCanonicals, r4ResourceTypes, SHAREABLE_PROFILES } from './r4-core.ts';
import { createReferenceCheck } from './reference-check.ts';
import { checkSchema, compileSchemas } from './schema-check.ts';
import { checkShareableExtras } from './shareable-check.ts';
import { checkStructure } from './structure-check.ts';
import { checkStructureAsync } from './structure-pool.ts';
import type {
  BindingTerminologySource,
  PackageValidationResult,
  ResourceValidationResult,
  ValidateOptions,
  ValidatePackageOptions,
  ValidationCheck,
  ValidationIssue,
  Validator,
  ValidatorOptions,
} from './types.ts';
import { checkCanonicalUniqueness, checkIdUniqueness } from './uniqueness-check.ts';

/** What {@link prepareChecks} leaves to check: a resource, or the final issues. */
type Prepared = { readonly done: ValidationIssue[] } | Checking;

/** A resource past the schema check, with the profiles to check it against (none wanted: undefined). */
interface Checking {
  readonly resource: Resource;
  readonly skip: ReadonlySet<ValidationCheck>;
  readonly issues: ValidationIssue[];
  readonly profiles: StructureDefinition[] | undefined;
  /** A CodeSystem's plain concept tree, checked by the specialised check (see codesystem-concepts.ts). */
  readonly plainTree: PlainConceptTree | undefined;
  /** What the schema and structure checks see: the resource, or a plain-tree CodeSystem without its concepts. */
  readonly checked: Resource;
}

/**
 * The plain concept tree of a CodeSystem validated against no profile, or undefined (a profile may
 * constrain concepts, so then the generic checks see them).
 */
function plainTreeOf(input: unknown, validateOptions: ValidateOptions): PlainConceptTree | undefined {
  if (!isResourceLike(input) || input.resourceType !== 'CodeSystem' || !Array.isArray((input as { concept?: unknown }).concept)) return undefined;
  if ((validateOptions.profiles ?? []).length > 0 || validateOptions.requireShareable === true) return undefined;
  const claimed = (input as { meta?: { profile?: unknown } }).meta?.profile;
  if (claimed !== undefined && !(Array.isArray(claimed) && claimed.length === 0)) return undefined;
  return scanConceptTree((input as { concept?: unknown }).concept);
}

/** A CodeSystem without its `concept` tree. */
function withoutConcepts(resource: Resource): Resource {
  const { concept: _concept, ...rest } = resource as Resource & { concept?: unknown };
  return rest as Resource;
}

/**
 * The code systems and value sets a validation sees, for the binding check's terminology: every version in
 * the package (the validated resource included), then what the resolver beyond it gives.
 */
function bindingSource(index: CanonicalIndex): BindingTerminologySource {
  const versions = <T extends CodeSystem | ValueSet>(resourceType: T['resourceType'], url: string): T[] => {
    const found = index.packageCanonicals(url).filter((r): r is T => r.resourceType === resourceType);
    const beyond = index.canonicalResolver?.({ url });
    if (beyond?.resourceType === resourceType && !found.includes(beyond as T)) found.push(beyond as T);
    return found;
  };
  return {
    findCodeSystems: ({ url }) => versions<CodeSystem>('CodeSystem', url),
    findValueSets: ({ url }) => versions<ValueSet>('ValueSet', url),
  };
}

/** Resolves in the next turn of the event loop, after the I/O waiting now. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isResourceLike(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

/** `@medplum/core` structure messages that repeat what the JSON schema check reports. */
const SCHEMA_OVERLAP = /^(Invalid JSON type|Expected array of values|Expected single value|Invalid additional property|Invalid \S+ format)/;

function withoutIndexes(expression: string): string {
  return expression.replace(/\[\d+\]/g, '');
}

/**
 * Drops issues a later check repeats at a location an earlier check already reported as an error: the
 * structure check repeats the schema check's wrong types, unknown properties and formats (sometimes at a
 * location without indexes), and the schema check's `enum` error repeats the binding check's (more precise)
 * one.
 */
function dropRepeats(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const schemaErrors = issues.filter((i) => issueCheck(i) === 'schema' && isErrorIssue(i)).map(issueExpression);
  const schemaAt = new Set(schemaErrors);
  const schemaNear = new Set(schemaErrors.map(withoutIndexes));
  const bindingErrors = new Set(issues.filter((i) => issueCheck(i) === 'binding' && isErrorIssue(i)).map(issueExpression));
  return issues.filter((issue) => {
    const check = issueCheck(issue);
    const expression = issueExpression(issue);
    if (check === 'structure' && isErrorIssue(issue)) {
      if (schemaAt.has(expression)) return false;
      if (SCHEMA_OVERLAP.test(issue.details?.text ?? '') && schemaNear.has(withoutIndexes(expression))) return false;
    }
    if (check === 'schema' && issue.code === 'code-invalid' && bindingErrors.has(expression)) return false;
    return true;
  });
}

/**
 * The checks before the structure check: the schema check, and the profiles to check against (or the
 * decision that there is nothing more to check). Synchronous, like {@link finishChecks}; the structure check
 * between them runs inline or off the event loop.
 */
function prepareChecks(input: unknown, index: CanonicalIndex, validateOptions: ValidateOptions): Prepared {
  const skip = new Set<ValidationCheck>(validateOptions.skip ?? []);
  const issues: ValidationIssue[] = [];
  const plainTree = plainTreeOf(input, validateOptions);
  const checked = plainTree === undefined ? input : withoutConcepts(input as Resource);
  if (!skip.has('schema')) appendAll(issues, checkSchema(checked));
  // A resource the schema check could not even list every problem of gets no deeper check.
  if (issues.length > MAX_ISSUES) return { done: issues };
  if (!isResourceLike(input) || !r4ResourceTypes().has(input.resourceType)) {
    if (skip.has('schema')) {
      issues.push(createIssue('schema', { severity: 'error', code: 'structure', text: 'Not a FHIR R4 resource' }));
    }
    return { done: issues };
  }
  const resource = input;
  ensureCoreStructures();
  const structureWanted = !skip.has('structure') || !skip.has('invariant') || !skip.has('profile');
  if (!structureWanted) return { resource, skip, issues, profiles: undefined, plainTree, checked: checked as Resource };
  const { profiles, issues: profileIssues } = skip.has('profile') ? { profiles: [], issues: [] } : resolveProfiles(resource, index, validateOptions);
  appendAll(issues, profileIssues);
  return { resource, skip, issues, profiles, plainTree, checked: checked as Resource };
}

/**
 * The checks of the element walk (bindings, references, element rules), their issues appended to
 * `prepared.issues` in that order: rules, bindings, references.
 */
function walkChecks(options: ValidatorOptions, prepared: Checking, index: CanonicalIndex, validateOptions: ValidateOptions): void {
  const { resource, skip, issues } = prepared;
  const bindingCheck = createBindingCheck(options.bindingTerminology(bindingSource(index)));
  const referenceCheck = createReferenceCheck({ index, root: resource, canonicalBase: options.canonicalBase, requireKnownProfiles: validateOptions.requireKnownProfiles });
  const rulesCheck = createElementRulesCheck(resource);
  const checks = [
    ...(skip.has('binding') ? [] : [bindingCheck]),
    ...(skip.has('reference') ? [] : [referenceCheck]),
    ...(skip.has('structure') && skip.has('invariant') ? [] : [rulesCheck]),
  ];
  const plainTree = prepared.plainTree;
  const walkOptions =
    plainTree === undefined
      ? {}
      : {
          skip: (path: string, property: string) => property === 'concept' && path === 'CodeSystem',
          more: (callbacks: WalkCallbacks) => visitConceptCodings(resource, plainTree, callbacks, [rulesCheck.issues, bindingCheck.issues, referenceCheck.issues]),
        };
  try {
    walkWithChecks(resource, checks, walkOptions);
  } catch (err: unknown) {
    // The walk's checks expect the shapes the schema describes; where the schema check already failed, a
    // shape they do not expect ends the walk, and the schema errors say what is wrong.
    if (!issues.some((i) => issueCheck(i) === 'schema' && isErrorIssue(i))) throw err;
    issues.push(createIssue('structure', { severity: 'warning', code: 'incomplete', text: 'Some element checks were not run: fix the schema errors first' }));
  }
  appendAll(issues, rulesCheck.issues.filter((i) => !skip.has(issueCheck(i) as ValidationCheck)));
  appendAll(issues, bindingCheck.issues);
  appendAll(issues, referenceCheck.issues);
}

/** Every check after the structure check, then the final issues: without repeats, sorted, capped. */
function finishChecks(
  options: ValidatorOptions,
  prepared: Checking,
  structureIssues: readonly ValidationIssue[],
  index: CanonicalIndex,
  validateOptions: ValidateOptions,
): ValidationIssue[] {
  const { resource, skip, issues } = prepared;
  appendAll(issues, structureIssues.filter((i) => !skip.has(issueCheck(i) as ValidationCheck)));
  const extensionDefinition = (url: string): StructureDefinition | undefined => findStructureDefinition(index, url);
  for (const profile of prepared.profiles ?? []) appendAll(issues, checkExtensionSlices(resource, profile, extensionDefinition));
  if (validateOptions.requireShareable && !skip.has('profile')) appendAll(issues, checkShareableExtras(resource, options.canonicalBase));
  walkChecks(options, prepared, index, validateOptions);
  if (!skip.has('uniqueness')) appendAll(issues, checkCanonicalUniqueness(resource, index, index.canonicalResolver));
  return capIssues(sortIssues(dedupeIssues(dropRepeats(issues))));
}

/** Validates the resources of a package together, each against the others (ids unique among them). */
function validatePackageWith(
  validateInContext: (input: unknown, index: CanonicalIndex, validateOptions: ValidateOptions) => ValidationIssue[],
  packageIndex: CanonicalIndex,
  resources: readonly unknown[],
  validateOptions: ValidatePackageOptions,
): PackageValidationResult {
  const members = resources.filter(isResourceLike);
  const index = new CanonicalIndex([...(validateOptions.context ?? []), ...members], { base: packageIndex });
  const duplicateIds = validateOptions.skip?.includes('uniqueness') ? new Map<number, ValidationIssue[]>() : checkIdUniqueness(resources);
  let errorCount = 0;
  let warningCount = 0;
  const results: ResourceValidationResult[] = resources.map((resource, i) => {
    const issues = sortIssues([...(duplicateIds.get(i) ?? []), ...validateInContext(resource, index, validateOptions)]);
    const counts = countIssues(issues);
    errorCount += counts.errors;
    warningCount += counts.warnings;
    const { resourceType, id } = isResourceLike(resource) ? resource : { resourceType: undefined, id: undefined };
    return { index: i, resourceType, id: typeof id === 'string' ? id : undefined, issues };
  });
  return { resources: results, errorCount, warningCount };
}

/**
 * Creates a validator (see {@link ValidatorOptions}). Cheap: every schema and index is built on first use and
 * shared by all validations (the R4 core parts by all validators of the process).
 */
export function createValidator(options: ValidatorOptions): Validator {
  let packageIndex: CanonicalIndex | undefined;
  const getPackageIndex = (): CanonicalIndex =>
    (packageIndex ??= new CanonicalIndex(options.packageResources ?? [], { resolver: options.resolveCanonical }));

  const validateInContext = (input: unknown, index: CanonicalIndex, validateOptions: ValidateOptions): ValidationIssue[] => {
    const prepared = prepareChecks(input, index, validateOptions);
    if ('done' in prepared) return prepared.done;
    const structureIssues = prepared.profiles === undefined ? [] : checkStructure(prepared.checked, prepared.profiles);
    return finishChecks(options, prepared, structureIssues, index, validateOptions);
  };

  const indexFor = (resource: unknown): CanonicalIndex => {
    const base = getPackageIndex();
    return isResourceLike(resource) ? new CanonicalIndex([resource], { base }) : base;
  };

  return {
    validate(resource: unknown, validateOptions: ValidateOptions = {}): ValidationIssue[] {
      return validateInContext(resource, indexFor(resource), validateOptions);
    },

    async validateAsync(resource: unknown, validateOptions: ValidateOptions = {}, json?: string): Promise<ValidationIssue[]> {
      const index = indexFor(resource);
      const prepared = prepareChecks(resource, index, validateOptions);
      if ('done' in prepared) return prepared.done;
      // Each step runs in its own turn of the event loop, so other clients are answered in between.
      await nextTurn();
      const structureIssues =
        prepared.profiles === undefined ? [] : await checkStructureAsync(prepared.checked, prepared.profiles, prepared.plainTree === undefined ? json : undefined);
      await nextTurn();
      return finishChecks(options, prepared, structureIssues, index, validateOptions);
    },

    validatePackage(resources: readonly unknown[], validateOptions: ValidatePackageOptions = {}): PackageValidationResult {
      return validatePackageWith(validateInContext, getPackageIndex(), resources, validateOptions);
    },

    warmUp(warmUpOptions: { readonly resourceTypes?: readonly string[] } = {}): void {
      ensureCoreStructures();
      loadAllCoreCanonicals();
      const packageTypes = (options.packageResources ?? []).map((r) => r.resourceType);
      const types = warmUpOptions.resourceTypes ?? [...packageTypes, ...Object.keys(SHAREABLE_PROFILES)];
      compileSchemas(new Set(types.filter((t) => r4ResourceTypes().has(t))));
      getPackageIndex();
    },
  };
}
