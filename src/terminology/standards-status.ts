/**
 * The `structuredefinition-standards-status` extension (draft, trial-use, normative, deprecated, …), which
 * code systems, value sets and concepts carry and the terminology operations report (as a concept status, and
 * as a warning when a deprecated or withdrawn resource is used).
 *
 * @see https://hl7.org/fhir/R4/extension-structuredefinition-standards-status.html
 */
import type { Extension } from '@medplum/fhirtypes';

/** The extension's URL. */
export const EXT_STANDARDS_STATUS = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status';

/** The element's standards status (the extension's `valueCode`), when it has one. */
export function standardsStatusOf(element: { readonly extension?: readonly Extension[] } | undefined): string | undefined {
  const list = element?.extension;
  if (list === undefined) return undefined;
  for (const e of list) if (e.url === EXT_STANDARDS_STATUS) return e.valueCode;
  return undefined;
}
