/**
 * The extension slices of a profile, which `@medplum/core`'s `validateResource` does not check (it skips
 * slicing of `extension` by `url`): for every element instance the slice applies to, the number of
 * extensions with the slice's url must lie within the slice's cardinality, and each such extension must
 * carry a value of a type its definition allows (when the definition is known).
 *
 * Slices are read from the profile's snapshot and differential (`<path>.extension:<name>`, nested as in
 * `ValueSet.extension:relatedArtifact.extension:publicationDate`), the url from the slice's type profile.
 *
 * @see https://hl7.org/fhir/R4/profiling.html#slicing
 * @see https://hl7.org/fhir/R4/extensibility.html
 */
import type { ElementDefinition, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { createIssue } from './issues.ts';
import type { ValidationIssue } from './types.ts';

/** One extension slice: where it applies, the extension url and its cardinality. */
interface ExtensionSlice {
  readonly id: string;
  readonly url: string;
  readonly min: number;
  readonly max: number;
}

/** Finds an extension definition by url (undefined when unknown). */
export type ExtensionDefinitionLookup = (url: string) => StructureDefinition | undefined;

/** A node reached while following a slice's path: the value and its FHIRPath location. */
interface Located {
  readonly value: unknown;
  readonly path: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function extensionSlices(profile: StructureDefinition): ExtensionSlice[] {
  const byId = new Map<string, ElementDefinition>();
  for (const e of [...(profile.snapshot?.element ?? []), ...(profile.differential?.element ?? [])]) {
    if (e.id !== undefined && !byId.has(e.id)) byId.set(e.id, e);
  }
  const slices: ExtensionSlice[] = [];
  for (const [id, e] of byId) {
    const last = id.slice(id.lastIndexOf('.') + 1);
    const url = e.type?.find((t) => t.code === 'Extension')?.profile?.[0];
    if (e.sliceName === undefined || url === undefined || !/^(extension|modifierExtension):/.test(last)) continue;
    slices.push({ id, url, min: e.min ?? 0, max: e.max === undefined || e.max === '*' ? Number.POSITIVE_INFINITY : Number(e.max) });
  }
  return slices;
}

/** Follows `segment` (an element name, possibly `extension:<slice>`) from each node. */
function step(nodes: readonly Located[], segment: string, urlOfSlice: (id: string) => string | undefined, prefix: string): Located[] {
  const [name, sliceName] = segment.split(':');
  const url = sliceName === undefined ? undefined : urlOfSlice(prefix);
  const next: Located[] = [];
  for (const node of nodes) {
    if (!isRecord(node.value)) continue;
    const raw = node.value[name];
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    list.forEach((value: unknown, i) => {
      if (url !== undefined && (!isRecord(value) || value.url !== url)) return;
      next.push({ value, path: Array.isArray(raw) ? `${node.path}.${name}[${i}]` : `${node.path}.${name}` });
    });
  }
  return next;
}

/** The value[x] types an extension definition allows, or undefined when it allows none (complex) or is unknown. */
function allowedValueTypes(definition: StructureDefinition | undefined): string[] | undefined {
  const elements = [...(definition?.snapshot?.element ?? []), ...(definition?.differential?.element ?? [])];
  const value = elements.find((e) => e.id === 'Extension.value[x]');
  if (value === undefined || value.max === '0' || value.type === undefined) return undefined;
  return value.type.map((t) => t.code).filter((code): code is string => code !== undefined);
}

function valueTypeOf(extension: Record<string, unknown>): string | undefined {
  const key = Object.keys(extension).find((k) => k.startsWith('value'));
  return key === undefined ? undefined : key.slice('value'.length);
}

function checkValue(extension: Located, url: string, lookup: ExtensionDefinitionLookup, label: string): ValidationIssue[] {
  const allowed = allowedValueTypes(lookup(url));
  if (allowed === undefined || !isRecord(extension.value)) return [];
  const found = valueTypeOf(extension.value);
  if (found !== undefined && allowed.some((t) => t.toLowerCase() === found.toLowerCase())) return [];
  const expected = allowed.map((t) => `value${t[0].toUpperCase()}${t.slice(1)}`).join(' or ');
  const text = found === undefined ? `Extension ${url} has no value: its definition requires ${expected}` : `Extension ${url} has value${found}: its definition allows ${expected}`;
  return [createIssue('profile', { severity: 'error', code: 'structure', text: `${text} (profile ${label})`, expression: extension.path })];
}

/**
 * Checks the extension slices of `profile` on `resource`.
 * @param lookup - finds extension definitions, for the value type check.
 */
export function checkExtensionSlices(resource: Resource, profile: StructureDefinition, lookup: ExtensionDefinitionLookup): ValidationIssue[] {
  const slices = extensionSlices(profile);
  const urlOfSlice = (id: string): string | undefined => slices.find((s) => s.id === id)?.url;
  const label = profile.name ?? profile.url;
  const issues: ValidationIssue[] = [];
  for (const slice of slices) {
    const segments = slice.id.split('.');
    if (segments[0] !== resource.resourceType || segments.some((s) => s.includes('[x]'))) continue;
    let parents: Located[] = [{ value: resource, path: resource.resourceType }];
    for (let i = 1; i < segments.length - 1; i++) parents = step(parents, segments[i], urlOfSlice, segments.slice(0, i + 1).join('.'));
    for (const parent of parents) {
      const found = step([parent], segments[segments.length - 1], urlOfSlice, slice.id);
      if (found.length < slice.min || found.length > slice.max) {
        const range = `${slice.min}..${Number.isFinite(slice.max) ? slice.max : '*'}`;
        issues.push(
          createIssue('profile', {
            severity: 'error',
            code: 'structure',
            text: `Extension ${slice.url} appears ${found.length} time(s); the slice ${slice.id.slice(slice.id.lastIndexOf(':') + 1)} allows ${range} (profile ${label})`,
            expression: parent.path,
          }),
        );
      }
      for (const extension of found) issues.push(...checkValue(extension, slice.url, lookup, label));
    }
  }
  return issues;
}

