/**
 * Walks a resource element by element with the R4 element definitions (as indexed by `@medplum/core`),
 * reporting each value with its element definition, its concrete type and its FHIRPath location
 * (`PlanDefinition.action[0].relatedAction[1].relationship`; choice elements as `timing.ofType(Timing)`).
 * The binding and reference checks are visitors of this walk.
 *
 * Properties the definitions do not know are skipped (the schema and structure checks report them).
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html
 * @see https://hl7.org/fhir/R4/json.html#primitive
 */
import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import { isPrimitiveType, tryGetDataType } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { ensureCoreStructures, r4ResourceTypes } from './r4-core.ts';
import { fieldsOf } from '../lib/records.ts';

/**
 * One value met by the walk.
 * @see https://hl7.org/fhir/R4/elementdefinition.html
 */
export interface ElementVisit {
  /** FHIRPath location of the value, with indexes. */
  readonly path: string;
  /** The element definition of the value. */
  readonly element: InternalSchemaElement;
  /** The concrete FHIR type of the value (`code`, `Coding`, `PlanDefinitionAction`, `ValueSet`...). */
  readonly type: string;
  /** The JSON value (for primitives, the primitive itself). */
  readonly value: unknown;
  /** The JSON property name the value came from (e.g. `definitionCanonical`). */
  readonly property: string;
  /** The JSON object holding the property (e.g. the `include` holding `system` and `version`). */
  readonly parent: Readonly<Record<string, unknown>>;
  /** The nearest enclosing resource. */
  readonly resource: Resource;
  /** True for values inside a primitive's `_name` extension object. */
  readonly inPrimitiveExtension: boolean;
}

/**
 * A visitor; returning `false` stops the walk from descending into the value.
 */
export type ElementVisitor = (visit: ElementVisit) => void | boolean;

/**
 * Resource entry of a walk (a root or contained resource).
 */
export interface ResourceVisit {
  readonly path: string;
  readonly resource: Resource;
  readonly schema: InternalTypeSchema;
}

/**
 * Callbacks of a walk.
 */
export interface WalkCallbacks {
  readonly onElement: ElementVisitor;
  readonly onResource?: (visit: ResourceVisit) => void;
  /** Properties not walked (`CodeSystem.concept` when a specialised check visits the concept tree). */
  readonly skip?: (path: string, property: string) => boolean;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Finds the element of a JSON property, resolving choice elements (`timingTiming` → `timing[x]`, type Timing).
 */
export function resolveProperty(
  schema: InternalTypeSchema,
  property: string,
): { readonly name: string; readonly element: InternalSchemaElement; readonly choiceType?: string } | undefined {
  const direct = Object.hasOwn(schema.elements, property) ? schema.elements[property] : undefined;
  if (direct !== undefined) return { name: property, element: direct };
  for (const [name, element] of Object.entries(schema.elements)) {
    if (!name.endsWith('[x]')) continue;
    const base = name.slice(0, -3);
    if (!property.startsWith(base) || property.length === base.length) continue;
    const suffix = property.slice(base.length);
    const type = element.type.find((t) => capitalize(t.code) === suffix);
    if (type !== undefined) return { name: base, element, choiceType: type.code };
  }
  return undefined;
}

/**
 * The type schema of a complex value of type `type` (inner backbone types first, then data and resource types).
 */
export function complexTypeSchema(owner: InternalTypeSchema, type: string, value: unknown): InternalTypeSchema | undefined {
  if (type === 'Resource' || r4ResourceTypes().has(type)) {
    const resourceType = (value as { resourceType?: unknown } | null)?.resourceType;
    return typeof resourceType === 'string' && r4ResourceTypes().has(resourceType) ? tryGetDataType(resourceType) : undefined;
  }
  let current: InternalTypeSchema | undefined = owner;
  while (current !== undefined) {
    const inner = current.innerTypes.find((t) => t.name === type);
    if (inner !== undefined) return inner;
    current = current.parentType;
  }
  return tryGetDataType(type);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object with a resourceType inside a resource: itself, a contained or a Bundle entry resource. */
function isResourceObject(object: Record<string, unknown>): object is Record<string, unknown> & Resource {
  return typeof object.resourceType === 'string';
}

/**
 * Walks a resource (R4 core structures must be indexed). Unknown resource types are not walked.
 * @param resource - the resource (as parsed JSON).
 * @param callbacks - called for every resource (root and contained) and every element value.
 */
export function walkResource(resource: Resource, callbacks: WalkCallbacks): void {
  ensureCoreStructures();
  const schema = r4ResourceTypes().has(resource.resourceType) ? tryGetDataType(resource.resourceType) : undefined;
  if (schema === undefined) return;
  walkObject(fieldsOf(resource), schema, resource.resourceType, resource, false, callbacks);
}

function walkObject(
  object: Record<string, unknown>,
  schema: InternalTypeSchema,
  path: string,
  resource: Resource,
  inPrimitiveExtension: boolean,
  callbacks: WalkCallbacks,
): void {
  if (isResourceObject(object)) {
    resource = object;
    callbacks.onResource?.({ path, resource, schema });
  }
  for (const [property, raw] of Object.entries(object)) {
    if (property === 'resourceType' || raw === undefined || raw === null) continue;
    if (callbacks.skip?.(path, property) === true) continue;
    const isExtensionOfPrimitive = property.startsWith('_');
    const resolved = resolveProperty(schema, isExtensionOfPrimitive ? property.slice(1) : property);
    if (resolved === undefined) continue;
    const { name, element, choiceType } = resolved;
    const type = choiceType ?? element.type[0]?.code;
    if (type === undefined) continue;
    const elementPath = choiceType === undefined ? `${path}.${name}` : `${path}.${name}.ofType(${choiceType})`;
    const values = Array.isArray(raw) ? raw : [raw];
    values.forEach((value, i) => {
      if (value === undefined || value === null) return;
      const valuePath = Array.isArray(raw) ? `${elementPath}[${i}]` : elementPath;
      if (isExtensionOfPrimitive) {
        // `_status: { extension: [...] }` holds the id and extensions of the primitive `status`.
        const elementSchema = tryGetDataType('Element');
        if (isObject(value) && elementSchema !== undefined) walkObject(value, elementSchema, valuePath, resource, true, callbacks);
        return;
      }
      walkValue({ path: valuePath, element, type, value, property, parent: object, resource, inPrimitiveExtension }, schema, callbacks);
    });
  }
}

/**
 * Visits one (non-null) value as the walk does: reports it, then walks into it when it is complex.
 * @param owner - the type schema holding the value's element (for resolving backbone types)
 */
export function walkValue(visit: ElementVisit, owner: InternalTypeSchema, callbacks: WalkCallbacks): void {
  const { type, value } = visit;
  const descend = callbacks.onElement(visit);
  if (descend === false || isPrimitiveType(type) || !isObject(value)) return;
  const childSchema = complexTypeSchema(owner, type, value);
  if (childSchema !== undefined) walkObject(value, childSchema, visit.path, visit.resource, visit.inPrimitiveExtension, callbacks);
}

/**
 * A check that runs as part of the single walk of a resource and collects issues.
 */
export interface WalkCheck {
  onElement(visit: ElementVisit): void;
  onResource?(visit: ResourceVisit): void;
  /** Called once the whole resource has been walked. */
  finish?(): void;
}

/**
 * Runs several checks in one walk of the resource. `options.skip` leaves properties out of the walk and
 * `options.more` visits them another way, before the checks finish.
 */
export function walkWithChecks(resource: Resource, checks: readonly WalkCheck[], options: { readonly skip?: WalkCallbacks['skip']; readonly more?: (callbacks: WalkCallbacks) => void } = {}): void {
  const callbacks: WalkCallbacks = {
    onElement: (visit) => {
      for (const check of checks) check.onElement(visit);
    },
    onResource: (visit) => {
      for (const check of checks) check.onResource?.(visit);
    },
    skip: options.skip,
  };
  walkResource(resource, callbacks);
  options.more?.(callbacks);
  for (const check of checks) check.finish?.();
}
