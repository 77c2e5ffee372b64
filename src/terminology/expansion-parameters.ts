/**
 * The `expansion.parameter` list of an expansion: the request parameters it echoes, the code systems, value
 * sets and supplements it used, and the warnings about used resources that are deprecated, withdrawn,
 * retired, experimental or draft.
 *
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/
 */
import type { Extension, ValueSet, ValueSetExpansionParameter } from '@medplum/fhirtypes';
import { standardsStatusOf } from './standards-status.ts';
import type { TxParams } from './params.ts';
import { vurl } from './valueset-definition.ts';

/** The boolean request parameters an expansion echoes when the request gave them, in this order. */
const ECHOED_FLAGS = ['excludeNested', 'activeOnly', 'includeDesignations', 'includeDefinition', 'excludeNotForUI', 'excludePostCoordinated'] as const;

/**
 * The parameters of one expansion, each name/value pair once, in order of first use.
 */
export class ExpansionParameters {
  readonly list: ValueSetExpansionParameter[] = [];

  private has(name: string, value: string | number | boolean): boolean {
    return this.list.some(
      (p) =>
        p.name === name &&
        (p.valueString ?? p.valueUri ?? p.valueCode ?? p.valueBoolean ?? p.valueInteger ?? p.valueDecimal ?? p.valueDateTime) === value,
    );
  }

  uri(name: string, value: string): void {
    if (!this.has(name, value)) this.list.push({ name, valueUri: value });
  }

  str(name: string, value: string): void {
    if (!this.has(name, value)) this.list.push({ name, valueString: value });
  }

  code(name: string, value: string): void {
    if (!this.has(name, value)) this.list.push({ name, valueCode: value });
  }

  bool(name: string, value: boolean): void {
    if (!this.has(name, value)) this.list.push({ name, valueBoolean: value });
  }

  int(name: string, value: number): void {
    if (!this.has(name, value)) this.list.push({ name, valueInteger: value });
  }
}

/**
 * Echoes the request parameters that shaped a top-level expansion: the text filter, the display language
 * (the displayLanguage parameter, else the HTTP Accept-Language), designations and the boolean flags given.
 */
export function echoRequestParameters(out: ExpansionParameters, p: TxParams, textFilter: string | undefined): void {
  if (textFilter !== undefined) out.str('filter', textFilter);
  const langs = p.displayLanguages ?? p.httpLanguages;
  if (p.displayLanguages !== undefined) out.code('displayLanguage', p.displayLanguages.asParameter());
  else if (langs !== undefined && !langs.isEmpty) out.code('displayLanguage', langs.asParameter());
  for (const d of p.designations) out.str('designation', d);
  for (const name of ECHOED_FLAGS) if (p.seen.has(name)) out.bool(name, p[name]);
}

/**
 * Adds a `warning-…` parameter when a used resource is deprecated, withdrawn, retired, experimental or
 * draft — unless `source`, the value set that uses it, is so too.
 */
export function statusWarning(
  out: ExpansionParameters,
  resource: { url?: string; version?: string; status?: string; experimental?: boolean; standardsStatus?: string; extension?: Extension[] },
  source: ValueSet | undefined,
): void {
  const standards = resource.standardsStatus ?? standardsStatusOf(resource);
  const srcStandards = standardsStatusOf(source);
  const v = vurl(resource);
  if (standards === 'deprecated') {
    if (srcStandards !== 'deprecated') out.uri('warning-deprecated', v);
  } else if (standards === 'withdrawn') {
    if (srcStandards !== 'withdrawn') out.uri('warning-withdrawn', v);
  } else if (resource.status === 'retired') {
    if (source?.status !== 'retired') out.uri('warning-retired', v);
  } else if (resource.experimental === true) {
    if (source?.experimental !== true) out.uri('warning-experimental', v);
  } else if (resource.status === 'draft' || standards === 'draft') {
    if (!(source?.status === 'draft' || srcStandards === 'draft')) out.uri('warning-draft', v);
  }
}
