/**
 * Screening of `$apply`'s `data` Bundle before the engine sees it. An entry with no resource, or one that is
 * not a FHIR resource (`null`, a string, no `resourceType`), cannot be read by any condition: it is left out.
 * A resource that fails the R4 JSON schema (e.g. `"status": 42`) is kept — the rest of it may still matter —
 * but conditions may not see what is wrong in it. Both are reported to the caller as warnings (the engine
 * puts them in the CarePlan's `note`), never dropped silently: a care plan built without some of the data
 * must say so.
 *
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-plandefinition-apply.html
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { checkSchema } from '../../validation/schema-check.ts';

/** Most warnings listed about one data Bundle; one more says how many were left out. */
export const MAX_DATA_WARNINGS = 20;

/** The data to apply with, and what the caller should know about it. */
export interface ScreenedData {
  readonly data: Bundle | undefined;
  readonly warnings: readonly string[];
}

function describeEntry(index: number, resource: unknown): string {
  const r = resource as { resourceType?: unknown; id?: unknown };
  const name = typeof r.id === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(r.id) ? `${String(r.resourceType)}/${r.id}` : String(r.resourceType);
  return `data entry ${index} (${name})`;
}

/**
 * Leaves out the entries that are not resources and lists every problem found (see the module comment).
 */
export function screenData(bundle: Bundle | undefined): ScreenedData {
  if (bundle === undefined) return { data: undefined, warnings: [] };
  const entries: unknown = bundle.entry;
  if (entries === undefined) return { data: bundle, warnings: [] };
  const warnings: string[] = [];
  if (!Array.isArray(entries)) return { data: { ...bundle, entry: [] }, warnings: ['data: Bundle.entry is not an array; no entry was used'] };
  const kept: BundleEntry[] = [];
  for (const [index, entry] of (entries as unknown[]).entries()) {
    const resource: unknown = typeof entry === 'object' && entry !== null ? (entry as { resource?: unknown }).resource : undefined;
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
      warnings.push(`data entry ${index} has no resource and was left out`);
      continue;
    }
    if (typeof (resource as { resourceType?: unknown }).resourceType !== 'string') {
      warnings.push(`data entry ${index} is not a FHIR resource (no resourceType) and was left out`);
      continue;
    }
    kept.push(entry as BundleEntry);
    const problems = checkSchema(resource).filter((i) => i.severity === 'error');
    if (problems.length > 0) {
      const first = problems[0];
      const where = first?.expression?.[0] === undefined ? '' : ` at ${first.expression[0]}`;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
      warnings.push(`${describeEntry(index, resource)} is not valid FHIR R4: ${first?.details?.text ?? 'invalid'}${where}${more}; conditions may not see that part of it`);
    }
  }
  if (warnings.length > MAX_DATA_WARNINGS) {
    const omitted = warnings.length - MAX_DATA_WARNINGS;
    warnings.length = MAX_DATA_WARNINGS;
    warnings.push(`${omitted} more data warnings not listed`);
  }
  return { data: kept.length === entries.length ? bundle : { ...bundle, entry: kept }, warnings };
}
