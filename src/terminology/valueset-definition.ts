/**
 * What $expand and $validate-code read alike from a ValueSet definition: its canonical, the operator of a
 * compose filter, the value sets it imports, the supplements it requires, the order its includes are tried
 * in, and the errors of a definition that cannot be used (an import cycle, a filter without a value or one
 * the code system does not understand).
 *
 * @see https://hl7.org/fhir/R4/valueset.html#compose
 */
import type { Extension, ValueSet, ValueSetComposeInclude, ValueSetComposeIncludeFilter } from '@medplum/fhirtypes';
import type { TxContext } from './context.ts';
import type { FhirError } from '../fhir/errors.ts';
import { compareVersions } from '../fhir/versions.ts';
import { txError } from './issues.ts';
import { formatMessage } from './messages.ts';

const EXT_SUPPLEMENT = 'http://hl7.org/fhir/StructureDefinition/valueset-supplement';
const EXT_FILTER_OP = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op';

/** The canonical `url|version` of a resource (its url alone when it has no version). */
export function vurl(r: { url?: string; version?: string }): string {
  return r.version !== undefined ? `${r.url ?? ''}|${r.version}` : (r.url ?? '');
}

/**
 * Reads an R4 filter's op, including R5 ops carried in the `_op` extension.
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
export function filterOp(f: ValueSetComposeIncludeFilter): string {
  const raw = f as ValueSetComposeIncludeFilter & { _op?: { extension?: Extension[] } };
  if (raw.op !== undefined) return raw.op;
  const ext = raw._op?.extension?.find((e) => e.url === EXT_FILTER_OP);
  return ext?.valueCode ?? '';
}

/** Records the supplements a value set requires (valueset-supplement extension), to report those never used. */
export function noteRequiredSupplements(ctx: TxContext, vs: ValueSet): void {
  for (const ext of vs.extension ?? []) {
    if (ext.url === EXT_SUPPLEMENT) {
      const s = ext.valueCanonical ?? ext.valueUri ?? ext.valueString;
      if (s !== undefined) ctx.requiredSupplements.add(s);
    }
  }
}

/** Throws VALUESET_CIRCULAR_REFERENCE when the value set is already being processed above this one. */
export function checkNotCircular(stack: readonly string[], canonical: string): void {
  if (!stack.includes(canonical)) return;
  throw txError(400, {
    severity: 'error',
    code: 'processing',
    messageId: 'VALUESET_CIRCULAR_REFERENCE',
    txCode: 'vs-invalid',
    text: formatMessage('VALUESET_CIRCULAR_REFERENCE', [canonical, `[${[...stack, canonical].join(', ')}]`]),
  });
}

/** An imported value set (`compose.include.valueSet`): contained (`#id`) or resolved by canonical. */
export function findImportedValueSet(ctx: TxContext, vs: ValueSet, reference: string, url: string, version: string | undefined): ValueSet | undefined {
  if (reference.startsWith('#')) return vs.contained?.find((c) => c.resourceType === 'ValueSet' && `#${c.id}` === reference) as ValueSet | undefined;
  return ctx.findValueSet(url, version);
}

/**
 * The includes in the order they are tried: where two name the same system with versions, the latest
 * version first (a stable sort: others keep their order).
 */
export function latestVersionFirst(includes: readonly ValueSetComposeInclude[] | undefined): ValueSetComposeInclude[] {
  const sorted = [...(includes ?? [])];
  sorted.sort((a, b) => (a.system === b.system && a.version !== undefined && b.version !== undefined ? -compareVersions(a.version, b.version) : 0));
  return sorted;
}

/** 400: a compose filter has no value (`path` is the filter's FHIRPath). */
export function filterWithoutValueError(path: string, system: string, property: string, op: string): FhirError {
  return txError(400, {
    severity: 'error',
    code: 'invalid',
    messageId: 'UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE',
    txCode: 'vs-invalid',
    path,
    text: formatMessage('UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE', [system, property, op]),
  });
}

/** 400: the code system does not support a compose filter (property or operator). */
export function filterNotUnderstoodError(path: string, f: { property: string; op: string; value: string }, vs: ValueSet, system: string): FhirError {
  return txError(400, {
    severity: 'error',
    code: 'not-supported',
    messageId: 'FILTER_NOT_UNDERSTOOD',
    txCode: 'vs-invalid',
    path,
    text: formatMessage('FILTER_NOT_UNDERSTOOD', [f.property, f.op, f.value, vs.url, system]),
  });
}
