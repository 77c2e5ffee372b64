/**
 * The accessors of a Parameters resource that every layer reads parameters with: by name, the value[x] of
 * one, and a primitive value as text. The operation registry has already checked each input's type and
 * cardinality against the OperationDefinition, so handlers read the first of a parameter declared `max` 1.
 *
 * @see https://hl7.org/fhir/R4/parameters.html
 */
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';

/**
 * All parameters with this name.
 */
export function params(parameters: Parameters, name: string): ParametersParameter[] {
  return parameters.parameter?.filter((p) => p.name === name) ?? [];
}

/**
 * The first parameter with this name.
 */
export function param(parameters: Parameters, name: string): ParametersParameter | undefined {
  return parameters.parameter?.find((p) => p.name === name);
}

/**
 * The value[x] of a parameter (primitive or complex), or undefined.
 */
export function paramValue(parameter: ParametersParameter | undefined): unknown {
  if (!parameter) return undefined;
  for (const [key, value] of Object.entries(parameter)) {
    if (key.startsWith('value')) return value;
  }
  return undefined;
}

/**
 * The primitive value of a parameter (or extension) as text: a string, number or boolean value[x].
 */
export function primitiveOf(p: ParametersParameter | Record<string, unknown>): string | undefined {
  const record = p as Record<string, unknown>;
  for (const k in record) {
    if (!k.startsWith('value') || !Object.hasOwn(record, k)) continue;
    const v = record[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  return undefined;
}

/**
 * The primitive value of the first parameter with this name, as text.
 */
export function paramString(parameters: Parameters, name: string): string | undefined {
  const p = param(parameters, name);
  return p === undefined ? undefined : primitiveOf(p);
}
