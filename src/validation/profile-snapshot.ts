/**
 * A snapshot for a profile published as a differential only (the CRMI profiles are), derived from the
 * differential and the snapshot of its base: each differential element is merged into the base element of
 * the same id (cardinality, types, fixed and pattern values, binding, constraints, conditions, must-support).
 *
 * What it does not do, it refuses rather than guesses: a constraining element the base does not have, other
 * than a slice, makes it throw (elements inside data types that only mark must-support are skipped: they
 * change nothing a validator checks). Slices are left out of the snapshot: `@medplum/core` does not validate extension slices
 * (the extension-slice check reads them from the profile), and the only slices the supported profiles carry
 * are extension slices and choice-type slices that add nothing a base element does not already allow.
 *
 * @see https://hl7.org/fhir/R4/profiling.html#snapshot
 * @see https://hl7.org/fhir/R4/elementdefinition.html
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/** Differential keys copied onto the base element when present (prefix match for fixed[x] and pattern[x]). */
const MERGED_KEYS = ['min', 'max', 'type', 'binding', 'mustSupport', 'maxLength', 'contentReference'] as const;

/** Raised when a differential uses something this derivation does not support. */
export class UnsupportedDifferentialError extends Error {}

function isSliceElement(element: ElementDefinition): boolean {
  return element.sliceName !== undefined || (element.id ?? '').includes(':');
}

/** True when a differential element changes what is valid (not only must-support or documentation). */
function constrains(diff: ElementDefinition): boolean {
  return Object.keys(diff).some(
    (key) => ((MERGED_KEYS as readonly string[]).includes(key) && key !== 'mustSupport') || key.startsWith('fixed') || key.startsWith('pattern') || key === 'constraint',
  );
}

function mergeElement(base: ElementDefinition, diff: ElementDefinition): ElementDefinition {
  const merged: ElementDefinition = { ...base };
  for (const [key, value] of Object.entries(diff)) {
    const copied = (MERGED_KEYS as readonly string[]).includes(key) || key.startsWith('fixed') || key.startsWith('pattern');
    if (copied && value !== undefined) Object.assign(merged, { [key]: value });
  }
  if (diff.constraint !== undefined) merged.constraint = [...(base.constraint ?? []), ...diff.constraint];
  if (diff.condition !== undefined) merged.condition = [...new Set([...(base.condition ?? []), ...diff.condition])];
  return merged;
}

/**
 * The profile with a snapshot derived from its differential and `base` (its `baseDefinition`, with a snapshot).
 * @throws UnsupportedDifferentialError when a differential element has no counterpart in the base.
 */
export function snapshotFromDifferential(profile: StructureDefinition, base: StructureDefinition): StructureDefinition {
  const baseElements = base.snapshot?.element ?? [];
  if (baseElements.length === 0) throw new UnsupportedDifferentialError(`Base ${base.url} has no snapshot`);
  if (base.type !== profile.type) throw new UnsupportedDifferentialError(`Base ${base.url} constrains ${base.type}, not ${profile.type}`);
  const elements = baseElements.filter((e) => !isSliceElement(e)).map((e) => ({ ...e }));
  const byId = new Map(elements.map((e, i) => [e.id ?? e.path, i]));
  for (const diff of profile.differential?.element ?? []) {
    if (isSliceElement(diff)) continue;
    const at = byId.get(diff.id ?? diff.path);
    if (at === undefined) {
      // An element inside a data type (e.g. `PlanDefinition.relatedArtifact.display`) that only documents
      // (must-support, text) changes nothing a validator checks; one that constrains is not supported.
      if (!constrains(diff)) continue;
      throw new UnsupportedDifferentialError(`Element ${diff.id ?? diff.path} is not in the base ${base.url}`);
    }
    elements[at] = mergeElement(elements[at], diff);
  }
  return { ...profile, snapshot: { element: elements } };
}
