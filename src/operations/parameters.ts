/**
 * Decoding of operation inputs from HTTP into a `Parameters` resource, checked against the operation's
 * OperationDefinition: GET query strings are typed by the definition, POST bodies must be `Parameters`
 * (or, for an operation with exactly one resource input, that resource itself), and single-valued
 * parameters may appear once. Unknown parameters are ignored (the terminology test suite relies on it).
 *
 * @see https://hl7.org/fhir/R4/operations.html#request
 * @see https://hl7.org/fhir/R4/parameters.html
 */
import type { OperationDefinition, OperationDefinitionParameter, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest, shown } from '../fhir/errors.ts';
import { fieldsOf } from '../lib/records.ts';

/** Query parameters that are about the response format, not inputs. */
const FORMAT_PARAMS = new Set(['_format', '_pretty', '_summary', '_elements']);

/** Primitive FHIR types and the `value[x]` name they use. */
const PRIMITIVE_VALUE: Readonly<Record<string, string>> = {
  base64Binary: 'valueBase64Binary',
  boolean: 'valueBoolean',
  canonical: 'valueCanonical',
  code: 'valueCode',
  date: 'valueDate',
  dateTime: 'valueDateTime',
  decimal: 'valueDecimal',
  id: 'valueId',
  instant: 'valueInstant',
  integer: 'valueInteger',
  markdown: 'valueMarkdown',
  oid: 'valueOid',
  positiveInt: 'valuePositiveInt',
  string: 'valueString',
  time: 'valueTime',
  unsignedInt: 'valueUnsignedInt',
  uri: 'valueUri',
  url: 'valueUrl',
  uuid: 'valueUuid',
};

/** What decoding needs from a definition, derived once per definition object (definitions never change). */
interface InputIndex {
  /** Input parameters by name (the first declaration of a name). */
  readonly byName: ReadonlyMap<string, OperationDefinitionParameter>;
  /** Input parameters with a numeric `max` (usually "1"). */
  readonly limited: readonly OperationDefinitionParameter[];
  /** Input parameters with `min` of 1 or more. */
  readonly required: readonly OperationDefinitionParameter[];
}

const inputIndexes = new WeakMap<OperationDefinition, InputIndex>();

function inputIndex(definition: OperationDefinition): InputIndex {
  let index = inputIndexes.get(definition);
  if (index === undefined) {
    const byName = new Map<string, OperationDefinitionParameter>();
    const limited: OperationDefinitionParameter[] = [];
    const required: OperationDefinitionParameter[] = [];
    for (const p of definition.parameter ?? []) {
      if (p.use !== 'in' || p.name === undefined || byName.has(p.name)) continue;
      byName.set(p.name, p);
      if (p.max !== undefined && p.max !== '*') limited.push(p);
      if ((p.min ?? 0) >= 1) required.push(p);
    }
    index = { byName, limited, required };
    inputIndexes.set(definition, index);
  }
  return index;
}

function inputDefinition(definition: OperationDefinition, name: string): OperationDefinitionParameter | undefined {
  return inputIndex(definition).byName.get(name);
}

function typedFromString(param: OperationDefinitionParameter, raw: string): ParametersParameter {
  const name = param.name as string;
  const type = param.type ?? 'string';
  switch (type) {
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw badRequest(`Parameter ${name} must be true or false, got ${shown(raw)}`, { expression: name });
      return { name, valueBoolean: raw === 'true' };
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt':
      if (!/^[-+]?\d+$/.test(raw)) throw badRequest(`Parameter ${name} must be an integer, got ${shown(raw)}`, { expression: name });
      checkIntegerRange(name, type, Number(raw), name);
      return { name, [PRIMITIVE_VALUE[type]]: Number(raw) } as ParametersParameter;
    case 'decimal':
      if (!/^-?\d+(\.\d+)?$/.test(raw)) throw badRequest(`Parameter ${name} must be a decimal, got ${shown(raw)}`, { expression: name });
      return { name, valueDecimal: Number(raw) };
    case 'Coding': {
      // A common GET convenience: system|code.
      const bar = raw.indexOf('|');
      if (bar < 0) throw badRequest(`Parameter ${name} (Coding) must be system|code in a query string`, { expression: name });
      return { name, valueCoding: { system: raw.slice(0, bar) || undefined, code: raw.slice(bar + 1) } };
    }
    case 'CodeableConcept': {
      // GET convenience: system|code, or a bare code.
      const bar = raw.indexOf('|');
      const coding = bar < 0 ? { code: raw } : { system: raw.slice(0, bar) || undefined, code: raw.slice(bar + 1) };
      return { name, valueCodeableConcept: { coding: [coding] } };
    }
    default: {
      const key = PRIMITIVE_VALUE[type];
      if (key !== undefined) return { name, [key]: raw } as ParametersParameter;
      if (param.searchType !== undefined || type === 'Reference') return { name, valueString: raw };
      throw badRequest(`Parameter ${name} has type ${type} and must be sent in a POST Parameters body`, { expression: name });
    }
  }
}

/** Largest and smallest FHIR `integer` (a 32-bit signed int). */
const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

/**
 * Checks an integer input against its FHIR type: `integer` is a 32-bit signed int, `unsignedInt` is 0 or
 * more, `positiveInt` 1 or more.
 * @see https://hl7.org/fhir/R4/datatypes.html#integer
 */
function checkIntegerRange(name: string, type: string, n: number, expression: string): void {
  if (n > INT32_MAX || n < INT32_MIN) {
    throw badRequest(`Parameter ${name} is out of range: a FHIR integer lies between ${INT32_MIN} and ${INT32_MAX}`, { expression });
  }
  if (type === 'unsignedInt' && n < 0) throw badRequest(`Parameter ${name} must be 0 or more (unsignedInt), got ${n}`, { expression });
  if (type === 'positiveInt' && n < 1) throw badRequest(`Parameter ${name} must be 1 or more (positiveInt), got ${n}`, { expression });
}

const STRING_KEYS = ['valueString', 'valueCode', 'valueId', 'valueUri', 'valueUrl', 'valueCanonical', 'valueOid', 'valueUuid', 'valueMarkdown'];
const INTEGER_KEYS = ['valueInteger', 'valueUnsignedInt', 'valuePositiveInt'];
const DATE_KEYS = ['valueDate', 'valueDateTime', 'valueInstant'];
const PRIMITIVE_KEYS: ReadonlySet<string> = new Set(Object.values(PRIMITIVE_VALUE));
const STRING_TYPES = new Set(['string', 'code', 'id', 'uri', 'url', 'canonical', 'oid', 'uuid', 'markdown']);
/** Types whose value may be anything (no check). */
const OPEN_TYPES = new Set(['Any', 'Element', 'Type', 'DataType', 'BackboneElement']);
/** The R4 complex data types (sent as `value[Type]`); any other capitalised type is a resource type. */
const COMPLEX_TYPES = new Set([
  'Address', 'Age', 'Annotation', 'Attachment', 'CodeableConcept', 'Coding', 'ContactDetail', 'ContactPoint', 'Contributor', 'Count',
  'DataRequirement', 'Distance', 'Dosage', 'Duration', 'Expression', 'HumanName', 'Identifier', 'Meta', 'Money', 'ParameterDefinition',
  'Period', 'Quantity', 'Range', 'Ratio', 'Reference', 'RelatedArtifact', 'SampledData', 'Signature', 'Timing', 'TriggerDefinition',
  'UsageContext',
]);

/**
 * The `value[x]` names a POSTed parameter of this definition may use. Kindred primitives are accepted for
 * each other (a `uri` input as valueString or valueCanonical, an `integer` as valueUnsignedInt …): clients
 * differ there and the value is read the same way. Undefined when the input takes a resource or parts.
 */
function acceptedValueKeys(param: OperationDefinitionParameter): readonly string[] | undefined {
  const type = param.type;
  if (type === undefined) return undefined;
  if (STRING_TYPES.has(type)) return param.searchType === 'reference' ? [...STRING_KEYS, 'valueReference'] : STRING_KEYS;
  switch (type) {
    case 'boolean':
      return ['valueBoolean'];
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt':
      return INTEGER_KEYS;
    case 'decimal':
      return ['valueDecimal', ...INTEGER_KEYS];
    case 'date':
    case 'dateTime':
    case 'instant':
      return DATE_KEYS;
    case 'CodeableConcept':
      return ['valueCodeableConcept', 'valueCoding'];
    case 'Reference':
      return ['valueReference', ...STRING_KEYS];
    default:
      if (PRIMITIVE_VALUE[type] !== undefined) return [PRIMITIVE_VALUE[type]];
      return COMPLEX_TYPES.has(type) ? [`value${type}`] : undefined;
  }
}

/** What a POSTed entry carries: its value[x] keys, and whether it has a resource or parts. */
function valueKeysOf(entry: ParametersParameter): string[] {
  const keys: string[] = [];
  for (const key of Object.keys(entry)) {
    if ((key.startsWith('value') || key === 'resource' || key === 'part') && fieldsOf(entry)[key] !== undefined) keys.push(key);
  }
  return keys;
}

function describeKeys(keys: readonly string[]): string {
  return keys.map((k) => shown(k)).join(', ');
}

/**
 * Checks one POSTed Parameters entry: one value at most (value[x], resource or part: R4 inv-1), and for a
 * declared input a value of the declared type (parts checked against the declared parts).
 * @see https://hl7.org/fhir/R4/parameters.html#invs
 */
function checkEntry(entry: ParametersParameter, param: OperationDefinitionParameter | undefined, path: string): void {
  const keys = valueKeysOf(entry);
  const name = entry.name;
  if (keys.length > 1) {
    throw badRequest(`Parameter ${shown(name)} has more than one value (${describeKeys(keys)}); a parameter carries one value[x], resource or part`, {
      expression: path,
    });
  }
  if (param === undefined || param.type === undefined && param.part === undefined) return;
  const type = param.type;
  if (type !== undefined && OPEN_TYPES.has(type)) return;
  const key = keys[0];
  const got = key === undefined ? 'no value' : shown(key);
  if (type === undefined) {
    // A tuple input: parts only.
    if (key !== 'part' || !Array.isArray(entry.part)) throw badRequest(`Parameter ${name} must be sent as parts, got ${got}`, { expression: name });
    checkEntries(entry.part, param.part ?? [], `${path}.part`);
    return;
  }
  const accepted = acceptedValueKeys(param);
  if (accepted === undefined) {
    // A resource input.
    const resource = entry.resource as { resourceType?: unknown } | undefined;
    if (key !== 'resource' || resource === null || typeof resource !== 'object' || Array.isArray(resource) || typeof resource.resourceType !== 'string') {
      throw badRequest(`Parameter ${name} must carry a ${type} resource (in "resource"), got ${got}`, { expression: name });
    }
    if (type !== 'Resource' && type !== 'DomainResource' && resource.resourceType !== type) {
      throw badRequest(`Parameter ${name} must carry a ${type} resource, not ${shown(resource.resourceType)}`, { expression: name });
    }
    return;
  }
  if (key === undefined || !accepted.includes(key)) {
    throw badRequest(`Parameter ${name} has type ${type} and must be sent as ${accepted[0]}, got ${got}`, { expression: name });
  }
  const value = fieldsOf(entry)[key];
  if (INTEGER_KEYS.includes(key)) {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest(`Parameter ${name} must be an integer`, { expression: name });
    checkIntegerRange(name, type === 'decimal' ? 'integer' : type, value, name);
    if (key !== 'valueInteger') checkIntegerRange(name, key === 'valueUnsignedInt' ? 'unsignedInt' : 'positiveInt', value, name);
  } else if (key === 'valueDecimal') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`Parameter ${name} must be a decimal number`, { expression: name });
  } else if (key === 'valueBoolean') {
    // The HL7 terminology test suite sends "valueBoolean": "true" (a string): tolerated, read the same way.
    if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') throw badRequest(`Parameter ${name} must be true or false`, { expression: name });
  } else if (PRIMITIVE_KEYS.has(key)) {
    if (typeof value !== 'string') throw badRequest(`Parameter ${name} must be a JSON string in ${key}`, { expression: name });
  } else if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`Parameter ${name} must be a JSON object in ${key}`, { expression: name });
  }
}

/** Checks POSTed entries (or parts) against the declared inputs (or parts). */
function checkEntries(entries: readonly ParametersParameter[], declared: readonly OperationDefinitionParameter[], path: string): void {
  for (const [i, entry] of entries.entries()) {
    if (!entry || typeof entry !== 'object' || typeof entry.name !== 'string' || entry.name === '') {
      throw badRequest(`${path}[${i}] must have a name`, { expression: `${path}[${i}].name` });
    }
    checkEntry(entry, declared.find((d) => d.name === entry.name && (d.use === undefined || d.use === 'in')), `${path}[${i}]`);
  }
}

/**
 * Enforces the declared cardinality of every input: `min` (a required input is missing) and a numeric
 * `max` (a single-valued input is repeated).
 * @see https://hl7.org/fhir/R4/operationdefinition-definitions.html#OperationDefinition.parameter.min
 */
function checkCardinality(definition: OperationDefinition, parameters: readonly ParametersParameter[]): void {
  const { limited, required } = inputIndex(definition);
  const counts = new Map<string, number>();
  for (const p of parameters) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  for (const param of required) {
    const n = counts.get(param.name as string) ?? 0;
    if (n < (param.min ?? 0)) {
      const how = param.documentation !== undefined && param.documentation.length <= 300 ? ` ${param.documentation}` : '';
      throw badRequest(`$${definition.code} needs the parameter ${param.name} (at least ${param.min}, got ${n}).${how}`, { expression: param.name });
    }
  }
  for (const param of limited) {
    const n = counts.get(param.name as string) ?? 0;
    const max = Number(param.max);
    if (n > max) {
      throw badRequest(
        max === 1 ? `Parameter ${param.name} may appear only once, got ${n}` : `Parameter ${param.name} may appear at most ${max} times, got ${n}`,
        { expression: param.name },
      );
    }
  }
}

/**
 * GET: the query string as Parameters, typed by the definition.
 */
export function queryToParameters(definition: OperationDefinition, pairs: readonly (readonly [string, string])[]): Parameters {
  const parameter = queryParameters(definition, pairs);
  checkCardinality(definition, parameter);
  return { resourceType: 'Parameters', parameter };
}

/** The typed inputs of a query string (cardinality not yet checked: a POST adds its body's). */
function queryParameters(definition: OperationDefinition, pairs: readonly (readonly [string, string])[]): ParametersParameter[] {
  const parameter: ParametersParameter[] = [];
  for (const [name, raw] of pairs) {
    if (FORMAT_PARAMS.has(name)) continue;
    const param = inputDefinition(definition, name);
    if (!param) continue; // unknown parameters are ignored
    parameter.push(typedFromString(param, raw));
  }
  return parameter;
}

/**
 * POST: the body must be a Parameters resource — or the one resource input, posted directly.
 */
export function bodyToParameters(definition: OperationDefinition, body: unknown, pairs: readonly (readonly [string, string])[] = []): Parameters {
  if (body === undefined) {
    // A POST without a body carries its parameters in the query string.
    return queryToParameters(definition, pairs);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The body of an operation POST must be a Parameters resource');
  }
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType !== 'Parameters') {
    const resourceInputs = (definition.parameter ?? []).filter(
      (p) => p.use === 'in' && p.type !== undefined && /^[A-Z]/.test(p.type) && (p.type === 'Resource' || p.type === resourceType),
    );
    if (typeof resourceType === 'string' && resourceInputs.length === 1) {
      const fromQuery = queryParameters(definition, pairs);
      const parameter = [{ name: resourceInputs[0].name as string, resource: body as never }, ...fromQuery];
      checkCardinality(definition, parameter);
      return { resourceType: 'Parameters', parameter };
    }
    throw badRequest(
      typeof resourceType === 'string'
        ? `The body of an operation POST must be a Parameters resource, not ${resourceType}`
        : 'The body of an operation POST must be a Parameters resource (it has no resourceType; send {"resourceType":"Parameters","parameter":[…]})',
      { expression: 'resourceType' },
    );
  }
  const parameters = body as Parameters;
  if (parameters.parameter !== undefined && !Array.isArray(parameters.parameter)) {
    throw badRequest('Parameters.parameter must be an array', { expression: 'Parameters.parameter' });
  }
  checkEntries(parameters.parameter ?? [], definition.parameter ?? [], 'Parameters.parameter');
  // Query parameters of a POST are inputs too (e.g. `$expand?count=10` with a body).
  const extra = queryParameters(definition, pairs);
  const merged = extra.length === 0 ? parameters : { ...parameters, parameter: [...(parameters.parameter ?? []), ...extra] };
  checkCardinality(definition, merged.parameter ?? []);
  return merged;
}

