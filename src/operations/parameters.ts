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
  /** Input parameters that may appear at most once. */
  readonly single: readonly OperationDefinitionParameter[];
}

const inputIndexes = new WeakMap<OperationDefinition, InputIndex>();

function inputIndex(definition: OperationDefinition): InputIndex {
  let index = inputIndexes.get(definition);
  if (index === undefined) {
    const byName = new Map<string, OperationDefinitionParameter>();
    const single: OperationDefinitionParameter[] = [];
    for (const p of definition.parameter ?? []) {
      if (p.use !== 'in') continue;
      if (p.name !== undefined && !byName.has(p.name)) byName.set(p.name, p);
      if (p.max === '1') single.push(p);
    }
    index = { byName, single };
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
      if (!/^-?\d{1,9}$/.test(raw)) throw badRequest(`Parameter ${name} must be an integer, got ${shown(raw)}`, { expression: name });
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

function hasRepeatedName(parameters: readonly ParametersParameter[]): boolean {
  for (let i = 1; i < parameters.length; i++) {
    for (let j = 0; j < i; j++) if (parameters[i].name === parameters[j].name) return true;
  }
  return false;
}

function checkCardinality(definition: OperationDefinition, parameters: readonly ParametersParameter[]): void {
  // Few parameters, usually all distinct: the counting only runs when a name repeats.
  if (parameters.length < 2 || (parameters.length <= 32 && !hasRepeatedName(parameters))) return;
  const counts = new Map<string, number>();
  for (const p of parameters) counts.set(p.name as string, (counts.get(p.name as string) ?? 0) + 1);
  for (const param of inputIndex(definition).single) {
    const n = counts.get(param.name as string) ?? 0;
    if (n > 1) {
      throw badRequest(`Parameter ${param.name} may appear only once, got ${n}`, { expression: param.name });
    }
  }
}

/**
 * GET: the query string as Parameters, typed by the definition.
 * @see https://hl7.org/fhir/R4/operations.html#request
 */
export function queryToParameters(definition: OperationDefinition, pairs: readonly (readonly [string, string])[]): Parameters {
  const parameter: ParametersParameter[] = [];
  for (const [name, raw] of pairs) {
    if (FORMAT_PARAMS.has(name)) continue;
    const param = inputDefinition(definition, name);
    if (!param) continue; // unknown parameters are ignored
    parameter.push(typedFromString(param, raw));
  }
  checkCardinality(definition, parameter);
  return { resourceType: 'Parameters', parameter };
}

/**
 * POST: the body must be a Parameters resource — or the one resource input, posted directly.
 * @see https://hl7.org/fhir/R4/operations.html#request
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
      const fromQuery = queryToParameters(definition, pairs).parameter ?? [];
      return { resourceType: 'Parameters', parameter: [{ name: resourceInputs[0].name as string, resource: body as never }, ...fromQuery] };
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
  for (const [i, p] of (parameters.parameter ?? []).entries()) {
    if (!p || typeof p !== 'object' || typeof p.name !== 'string' || p.name === '') {
      throw badRequest(`Parameters.parameter[${i}] must have a name`, { expression: `Parameters.parameter[${i}].name` });
    }
  }
  // Query parameters of a POST are inputs too (e.g. `$expand?count=10` with a body).
  const extra = queryToParameters(definition, pairs).parameter ?? [];
  const merged = extra.length === 0 ? parameters : { ...parameters, parameter: [...(parameters.parameter ?? []), ...extra] };
  checkCardinality(definition, merged.parameter ?? []);
  return merged;
}

/** All parameters with a name. */
export function params(parameters: Parameters, name: string): ParametersParameter[] {
  return (parameters.parameter ?? []).filter((p) => p.name === name);
}

/** The value[x] of a parameter (primitive or complex), or undefined. */
export function paramValue(parameter: ParametersParameter | undefined): unknown {
  if (!parameter) return undefined;
  for (const [key, value] of Object.entries(parameter)) {
    if (key.startsWith('value')) return value;
  }
  return undefined;
}

/** The first parameter's value as a string (value[x] of a primitive type), or undefined. */
export function stringParam(parameters: Parameters, name: string): string | undefined {
  const value = paramValue(params(parameters, name)[0]);
  return typeof value === 'string' ? value : undefined;
}

/** The first parameter's boolean value, or undefined. */
export function booleanParam(parameters: Parameters, name: string): boolean | undefined {
  const value = paramValue(params(parameters, name)[0]);
  return typeof value === 'boolean' ? value : undefined;
}
