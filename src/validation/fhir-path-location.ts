/**
 * Turns locations from other tools into the validator's FHIRPath style: JSON pointers from ajv
 * (`/action/0/timingTiming/repeat`) and `@medplum/core` element paths (`PlanDefinition.action[0].timing[x]`)
 * become `PlanDefinition.action[0].timing.ofType(Timing).repeat`; a primitive's `_name` extension object
 * becomes the element `name`.
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html
 * @see https://hl7.org/fhirpath/N1/#paths-and-polymorphic-items
 */
import type { InternalTypeSchema } from '@medplum/core';
import { isPrimitiveType, tryGetDataType } from '@medplum/core';
import { complexTypeSchema, resolveProperty } from './element-walker.ts';
import { ensureCoreStructures, r4ResourceTypes } from './r4-core.ts';

type Segment = string | number;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Splits an RFC 6901 JSON pointer into property names and array indexes.
 */
export function parseJsonPointer(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * The FHIRPath location of a JSON location inside a resource. Names the definitions know are mapped (choice
 * types, primitive extensions); unknown names are kept as they are.
 */
export function expressionFromJsonPath(resource: unknown, segments: readonly Segment[]): string {
  ensureCoreStructures();
  const resourceType = isObject(resource) && typeof resource.resourceType === 'string' ? resource.resourceType : 'Resource';
  let expression = resourceType;
  let schema: InternalTypeSchema | undefined = r4ResourceTypes().has(resourceType) ? tryGetDataType(resourceType) : undefined;
  let data: unknown = resource;
  let pendingType: string | undefined;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      expression += `[${segment}]`;
      data = Array.isArray(data) ? data[segment] : undefined;
    } else {
      if (pendingType !== undefined && schema !== undefined) schema = complexTypeSchema(schema, pendingType, data);
      pendingType = undefined;
      const property = segment.startsWith('_') ? segment.slice(1) : segment;
      const resolved = schema === undefined ? undefined : resolveProperty(schema, property);
      if (resolved === undefined) {
        expression += `.${segment}`;
        schema = undefined;
      } else {
        expression += resolved.choiceType === undefined ? `.${resolved.name}` : `.${resolved.name}.ofType(${resolved.choiceType})`;
        const type = resolved.choiceType ?? resolved.element.type[0]?.code;
        if (segment.startsWith('_')) {
          schema = tryGetDataType('Element');
        } else if (type === undefined || isPrimitiveType(type)) {
          schema = undefined;
        } else {
          pendingType = type;
        }
      }
      data = isObject(data) ? data[segment] : undefined;
    }
    // Resolve a complex type once the value (after any index) is known: contained resources need it.
    if (pendingType !== undefined && !Array.isArray(data) && schema !== undefined) {
      schema = complexTypeSchema(schema, pendingType, data);
      pendingType = undefined;
    }
  }
  return expression;
}

/**
 * The FHIRPath location of an ajv `instancePath`.
 */
export function expressionFromJsonPointer(resource: unknown, pointer: string): string {
  return expressionFromJsonPath(resource, parseJsonPointer(pointer));
}

/**
 * Maps a `@medplum/core` issue location (`PlanDefinition.action[0].timing[x].repeat`) onto the JSON of the
 * resource, then into the validator's FHIRPath style. Locations that cannot be followed in the JSON (paths
 * without indexes) keep their names, with `[x]` removed.
 */
export function normalizeElementPath(resource: unknown, path: string): string {
  const tokens = path.split('.');
  if (tokens.length === 0 || !isObject(resource) || tokens[0] !== resource.resourceType) return path.replace(/\[x\]/g, '');
  const segments: Segment[] = [];
  let data: unknown = resource;
  for (const token of tokens.slice(1)) {
    const match = /^([^[\]]+)((?:\[(?:x|\d+)\])*)$/.exec(token);
    if (match === null || !isObject(data)) return path.replace(/\[x\]/g, '');
    const [, name, suffixes] = match;
    let property = name;
    if (suffixes.includes('[x]')) {
      const object = data;
      const found = Object.keys(object).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)));
      if (found === undefined) return path.replace(/\[x\]/g, '');
      property = found;
    }
    segments.push(property);
    data = data[property];
    for (const index of suffixes.matchAll(/\[(\d+)\]/g)) {
      const i = Number(index[1]);
      segments.push(i);
      data = Array.isArray(data) ? data[i] : undefined;
    }
  }
  return expressionFromJsonPath(resource, segments);
}
