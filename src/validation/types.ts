/**
 * Public types of the content validator: its options, its results and the check (layer) that raised an issue.
 *
 * Issues are plain `OperationOutcomeIssue`s (severity, code, `details.text`, `expression` as a FHIRPath
 * location) so the HTTP layer can return them unchanged in an OperationOutcome; the check that raised an
 * issue is carried as a coding of `details` (see {@link VALIDATION_CHECK_SYSTEM}).
 *
 * @see https://hl7.org/fhir/R4/validation.html
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { BindingTerminology } from '../fhir/binding-terminology.ts';

/**
 * The checks (layers) of the validator, in the order they run.
 *
 * - `schema`: the R4 JSON schema (JSON types, unknown properties, primitive formats).
 * - `structure`: element cardinality and types against the R4 StructureDefinitions.
 * - `invariant`: the FHIRPath constraints of the R4 StructureDefinitions (errors; warning-level ones as warnings).
 * - `profile`: the profiles the resource claims in `meta.profile`, or that the caller requires (shareable).
 * - `binding`: codes of required bindings are in their value set; codes of known code systems exist.
 * - `reference`: canonical references resolve in the package or in FHIR core content.
 * - `uniqueness`: `url|version` and `ResourceType/id` are unique in the package.
 * - `file`: content-file rules (JSON parses, file name is `<ResourceType>-<id>.json`).
 */
export const ValidationCheck = {
  schema: 'schema',
  structure: 'structure',
  invariant: 'invariant',
  profile: 'profile',
  binding: 'binding',
  reference: 'reference',
  uniqueness: 'uniqueness',
  file: 'file',
} as const;
/** One of the checks above. */
export type ValidationCheck = (typeof ValidationCheck)[keyof typeof ValidationCheck];

/**
 * Every check, in running order.
 */
export const ALL_VALIDATION_CHECKS: readonly ValidationCheck[] = Object.values(ValidationCheck);

/**
 * System of the `details.coding` that names the check which raised an issue. A project-local code system
 * (a placeholder under the project's canonical base); the codes are the values of {@link ValidationCheck}.
 * @see https://hl7.org/fhir/R4/operationoutcome-definitions.html#OperationOutcome.issue.details
 */
export const VALIDATION_CHECK_SYSTEM = 'https://example.org/fhir/liver-cryoablation/CodeSystem/validation-check';

/**
 * An issue raised by the validator.
 * @see https://hl7.org/fhir/R4/operationoutcome-definitions.html#OperationOutcome.issue
 */
export type ValidationIssue = OperationOutcomeIssue;

export type {
  BindingCodes,
  BindingTerminology,
  BindingTerminologySource,
  CodeLookup,
  CodeLookupResult,
  MembershipResult,
  ValueSetMembershipCheck,
} from '../fhir/binding-terminology.ts';

/**
 * A canonical reference split into its parts.
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
export interface CanonicalReference {
  readonly url: string;
  readonly version?: string;
}

/**
 * Finds a conformance resource by canonical url (and version when given). Used to resolve references beyond
 * the package (for example the server's store). Synchronous: stores that load asynchronously pass an
 * in-memory index.
 */
export type CanonicalResolver = (reference: CanonicalReference) => Resource | undefined;

/**
 * Options of {@link createValidator}.
 */
export interface ValidatorOptions {
  /**
   * The package the validated resources belong to: canonical references resolve against it, it supplies code
   * systems and value sets to the binding check, and `url|version` uniqueness is checked against it.
   */
  readonly packageResources?: readonly Resource[];
  /** Resolves canonicals beyond the package (consulted after the package, before FHIR core content). */
  readonly resolveCanonical?: CanonicalResolver;
  /**
   * The terminology the binding check asks (value-set membership, code lookup): the terminology engine's
   * (`createBindingTerminology()` of `terminology/binding-terminology.ts`), injected so that validation stays
   * free of it.
   */
  readonly bindingTerminology: BindingTerminology;
  /**
   * Canonical base of the package's own artifacts, e.g. `https://example.org/fhir/liver-cryoablation`. Codings
   * whose system lies under it must resolve to a CodeSystem, and artifacts under it must use SemVer versions
   * when shareability is required.
   */
  readonly canonicalBase?: string;
}

/**
 * Options of one validation.
 */
export interface ValidateOptions {
  /** Profiles (canonical urls) to validate against in addition to those the resource claims in `meta.profile`. */
  readonly profiles?: readonly string[];
  /**
   * Requires the R4 core `shareable*` profile for the knowledge-artifact types that have one (CodeSystem,
   * ValueSet, ActivityDefinition, PlanDefinition, Library, Measure) plus `title` and `date`, as the content
   * rules of the project require, whether or not the resource claims the profile.
   */
  readonly requireShareable?: boolean;
  /**
   * A profile the resource claims in `meta.profile` that does not resolve is an error (default: a warning
   * saying the resource was not validated against it, as a server holding other content must accept it).
   */
  readonly requireKnownProfiles?: boolean;
  /** Checks to skip (all run by default). */
  readonly skip?: readonly ValidationCheck[];
}

/**
 * The issues of one resource of a package.
 */
export interface ResourceValidationResult {
  /** Position of the resource in the list given to `validatePackage`. */
  readonly index: number;
  readonly resourceType: string | undefined;
  readonly id: string | undefined;
  readonly issues: readonly ValidationIssue[];
}

/**
 * The result of validating a package.
 * @see https://hl7.org/fhir/packages.html
 */
export interface PackageValidationResult {
  readonly resources: readonly ResourceValidationResult[];
  readonly errorCount: number;
  readonly warningCount: number;
}

/**
 * Options of `validatePackage`.
 */
export interface ValidatePackageOptions extends ValidateOptions {
  /**
   * Resources that belong to the package but are not validated themselves (for example the rest of the
   * content folder when only some files are checked): they resolve references and count for uniqueness. A
   * validated resource replaces a context resource with the same `ResourceType/id`.
   */
  readonly context?: readonly Resource[];
}

/**
 * The validator: create once, use for every resource (all schemas and indexes are built once, lazily).
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */
export interface Validator {
  /** Validates one resource (any JSON value: the schema check reports what is not a resource). */
  validate(resource: unknown, options?: ValidateOptions): ValidationIssue[];
  /**
   * The same issues as {@link Validator.validate}, with the costly structure check of a large resource run off
   * the event loop (see `structure-pool.ts`), so that the server answers other clients meanwhile.
   * @param json - the resource's JSON text, when the caller has it
   */
  validateAsync(resource: unknown, options?: ValidateOptions, json?: string): Promise<ValidationIssue[]>;
  /** Validates the resources of a package together: each one, their references and their uniqueness. */
  validatePackage(resources: readonly unknown[], options?: ValidatePackageOptions): PackageValidationResult;
  /**
   * Builds the schemas and indexes now (otherwise the first validation does): the R4 structures, every core
   * conformance resource, the package index, and the JSON schemas of `resourceTypes` (default: the types of
   * the package resources and of the knowledge artifacts; compiling all 146 R4 types takes about 2 s).
   */
  warmUp(options?: { readonly resourceTypes?: readonly string[] }): void;
}
