/**
 * The state of one running expansion, shared by the steps that resolve its sources, collect and exclude
 * codes and build its output.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
import type { ValueSet } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import type { CollectedCodes } from './expansion-codes.ts';
import type { Entry, EntryBuilder } from './expansion-entries.ts';
import type { ExpansionParameters } from './expansion-parameters.ts';
import type { Paging } from './expansion-paging.ts';
import type { VersionRule } from './params.ts';

/** The codes of an imported value set (`compose.include.valueSet`), expanded by a nested expansion. */
export interface ImportedCodes {
  /** The expanded value set. */
  readonly vs: ValueSet;
  /** Its entries (at any depth) by `system~code`. */
  readonly codes: Map<string, Entry>;
}

/** One expansion while it runs. */
export interface ExpansionRun {
  readonly ctx: TxContext;
  /** The value set being expanded. */
  readonly valueSet: ValueSet;
  /** The `filter` parameter when it holds text (top level and imports alike). */
  readonly textFilter: string | undefined;
  readonly paging: Paging;
  readonly codes: CollectedCodes;
  readonly parameters: ExpansionParameters;
  readonly entries: EntryBuilder;
  /** The version rules applied, echoed in `expansion.parameter` unless they name the value set itself. */
  readonly usedRules: Set<VersionRule>;
  /** Why the expansion is not closed (`valueset-unclosed-reason`). */
  readonly unclosedReasons: string[];
  /** Expands an imported value set (a nested expansion; cycles are reported). */
  expandImport(reference: string, exclude: boolean): ImportedCodes;
}
