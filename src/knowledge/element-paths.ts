/**
 * Setting an element by path on a resource being built (`dynamicValue.path`): identifiers and constant
 * indexes only (`payload[0].contentString`, `status`, `code.text`), checked against the R4 type definitions
 * so that lists stay lists, single values stay single and choice elements name their type.
 *
 * @see https://hl7.org/fhir/R4/activitydefinition-definitions.html#ActivityDefinition.dynamicValue.path
 */
import { getElementDefinition, type TypedValue } from '@medplum/core';
import { loadR4StructureDefinitions } from '../fhir/definitions.ts';

/**
 * Loads (once) the R4 type definitions the path checks and the dependency walk use.
 */
export function ensureR4Schemas(): void {
  loadR4StructureDefinitions();
}

interface PathSegment {
  readonly name: string;
  readonly index?: number;
}

const SEGMENT = /^([A-Za-z][A-Za-z0-9_]*)(?:\[(\d{1,4})\])?$/;

function parsePath(path: string, typeName: string): PathSegment[] {
  const parts = path.split('.');
  if (parts.length > 1 && parts[0] === typeName) parts.shift();
  return parts.map((part) => {
    const m = SEGMENT.exec(part);
    if (m === null) throw new Error(`path "${path}" may hold only element names and [n] indexes ("${part}" is neither)`);
    return m[2] === undefined ? { name: m[1] } : { name: m[1], index: Number(m[2]) };
  });
}

interface ElementInfo {
  readonly isArray: boolean;
  readonly typeCode: string;
  /** The definition path (`ServiceRequest.occurrence[x]`), shared by every variant of a choice element. */
  readonly definitionPath: string;
}

function elementOf(typeName: string, name: string): ElementInfo {
  const element = getElementDefinition(typeName, name);
  if (element === undefined) throw new Error(`${typeName} has no element "${name}"`);
  const base = element.path.split('.').pop() as string;
  let typeCode = element.type[0]?.code ?? 'BackboneElement';
  if (base.endsWith('[x]')) {
    const stem = base.slice(0, -3);
    const suffix = name.slice(stem.length).toLowerCase();
    const match = element.type.find((t) => t.code.toLowerCase() === suffix);
    if (match === undefined) {
      const example = `${stem}${typeCode.charAt(0).toUpperCase()}${typeCode.slice(1)}`;
      throw new Error(`"${name}" is a choice element of ${typeName}: name its type, e.g. "${example}"`);
    }
    typeCode = match.code;
  }
  const isArray = element.isArray ?? (element.max > 1);
  return { isArray, typeCode, definitionPath: element.path };
}

function isPrimitiveType(typeCode: string): boolean {
  return /^[a-z]/.test(typeCode);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkValue(value: unknown, typeCode: string, name: string): unknown {
  if (isPrimitiveType(typeCode) === isRecord(value)) {
    throw new Error(`"${name}" is a ${typeCode} but the expression returned ${isRecord(value) ? 'a complex value' : `the primitive ${JSON.stringify(value)}`}`);
  }
  return value;
}

/** Removes the other variants of a choice element (`occurrenceTiming` when setting `occurrenceDateTime`). */
function withoutOtherVariants(node: Record<string, unknown>, typeName: string, name: string, info: ElementInfo): Record<string, unknown> {
  if (!info.definitionPath.endsWith('[x]')) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== name && getElementDefinition(typeName, key)?.path === info.definitionPath) continue;
    out[key] = value;
  }
  return out;
}

function setAt(node: Record<string, unknown>, typeName: string, segments: readonly PathSegment[], values: readonly unknown[]): Record<string, unknown> {
  const [segment, ...rest] = segments;
  const info = elementOf(typeName, segment.name);
  const current = node[segment.name];
  if (rest.length === 0) {
    const checked = values.map((v) => checkValue(v, info.typeCode, segment.name));
    const base = withoutOtherVariants(node, typeName, segment.name, info);
    if (info.isArray) {
      if (segment.index === undefined) return { ...base, [segment.name]: checked };
      if (checked.length > 1) throw new Error(`"${segment.name}[${segment.index}]" takes one value but the expression returned ${checked.length}`);
      const list = Array.isArray(current) ? [...(current as unknown[])] : [];
      if (segment.index > list.length) throw new Error(`"${segment.name}[${segment.index}]" would leave a gap in a list of ${list.length}`);
      list[segment.index] = checked[0];
      return { ...base, [segment.name]: list };
    }
    if (segment.index !== undefined && segment.index !== 0) throw new Error(`"${segment.name}" is not a list`);
    if (checked.length > 1) throw new Error(`"${segment.name}" takes one value but the expression returned ${checked.length}`);
    return { ...base, [segment.name]: checked[0] };
  }
  if (isPrimitiveType(info.typeCode)) throw new Error(`"${segment.name}" is a ${info.typeCode}: a path cannot go below it`);
  if (info.isArray) {
    const index = segment.index ?? 0;
    const list = Array.isArray(current) ? [...(current as unknown[])] : [];
    if (index > list.length) throw new Error(`"${segment.name}[${index}]" would leave a gap in a list of ${list.length}`);
    const child = isRecord(list[index]) ? list[index] : {};
    list[index] = setAt(child, info.typeCode, rest, values);
    return { ...node, [segment.name]: list };
  }
  if (segment.index !== undefined && segment.index !== 0) throw new Error(`"${segment.name}" is not a list`);
  return { ...node, [segment.name]: setAt(isRecord(current) ? current : {}, info.typeCode, rest, values) };
}

/**
 * A copy of `target` (of FHIR type `typeName`) with the element at `path` set to the values (a list element
 * without an index receives all of them). An empty result leaves the target as it is. Throws an `Error`
 * saying what is wrong with the path or the values.
 */
export function withElementValue<T extends object>(target: T, typeName: string, path: string, values: readonly TypedValue[]): T {
  ensureR4Schemas();
  const segments = parsePath(path, typeName);
  if (values.length === 0) return target;
  return setAt(target as Record<string, unknown>, typeName, segments, values.map((v) => v.value)) as T;
}
