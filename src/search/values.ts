/**
 * Extraction of the values a search parameter indexes from a resource, normalised per parameter type.
 * Values are computed once per resource version and parameter (resources in the index never change).
 *
 * @see https://hl7.org/fhir/R4/search.html#ptypes
 */
import { evalFhirPathTyped } from '@medplum/core';
import type { TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { parseDateRange, type DateRange } from './dates.ts';
import type { SearchParamDef } from './parameters.ts';

/** A token: system + code (either may be absent), and text for `:text`. */
export interface TokenValue {
  readonly system: string | undefined;
  readonly code: string | undefined;
  readonly text: readonly string[];
  /** Identifier.type codings, for `:of-type`. */
  readonly types?: readonly { readonly system?: string; readonly code?: string }[];
}

/** Normalised values of one parameter on one resource. */
export type ExtractedValues =
  | { readonly type: 'string'; readonly values: readonly string[] }
  | { readonly type: 'token'; readonly values: readonly TokenValue[] }
  | { readonly type: 'uri'; readonly values: readonly string[] }
  | { readonly type: 'reference'; readonly values: readonly string[] }
  | { readonly type: 'date'; readonly values: readonly DateRange[]; readonly sortKeys: readonly string[] }
  | { readonly type: 'number'; readonly values: readonly { value: number; system?: string; code?: string }[] }
  | { readonly type: 'composite'; readonly items: readonly TypedValue[] };

/** Lower-cases and strips accents, for string matching. */
export function normalizeString(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringsOf(tv: TypedValue): string[] {
  const v = tv.value as unknown;
  if (typeof v === 'string') return [v];
  if (v && typeof v === 'object') {
    const o = v as Json;
    if (tv.type === 'HumanName') {
      return [str(o.text), str(o.family), ...((o.given as unknown[]) ?? []).map(str), ...((o.prefix as unknown[]) ?? []).map(str)].filter(
        (s): s is string => s !== undefined,
      );
    }
    if (tv.type === 'Address') {
      return [str(o.text), ...((o.line as unknown[]) ?? []).map(str), str(o.city), str(o.district), str(o.state), str(o.postalCode), str(o.country)].filter(
        (s): s is string => s !== undefined,
      );
    }
  }
  return [];
}

function tokensOf(tv: TypedValue): TokenValue[] {
  const v = tv.value as unknown;
  if (typeof v === 'string') return [{ system: undefined, code: v, text: [] }];
  if (typeof v === 'boolean' || typeof v === 'number') return [{ system: undefined, code: String(v), text: [] }];
  if (!v || typeof v !== 'object') return [];
  const o = v as Json;
  switch (tv.type) {
    case 'Coding':
      return [{ system: str(o.system), code: str(o.code), text: [str(o.display)].filter((s): s is string => s !== undefined) }];
    case 'CodeableConcept': {
      const text = str(o.text);
      const codings = ((o.coding as Json[] | undefined) ?? []).map((c) => ({
        system: str(c.system),
        code: str(c.code),
        text: [str(c.display), text].filter((s): s is string => s !== undefined),
      }));
      if (codings.length === 0 && text !== undefined) return [{ system: undefined, code: undefined, text: [text] }];
      return codings;
    }
    case 'Identifier': {
      const type = o.type as Json | undefined;
      const types = ((type?.coding as Json[] | undefined) ?? []).map((c) => ({ system: str(c.system), code: str(c.code) }));
      return [{ system: str(o.system), code: str(o.value), text: [str(type?.text)].filter((s): s is string => s !== undefined), types }];
    }
    case 'ContactPoint':
      return [{ system: str(o.system), code: str(o.value), text: [] }];
    default:
      return [];
  }
}

function referencesOf(tv: TypedValue): string[] {
  const v = tv.value as unknown;
  if (typeof v === 'string') return [v];
  if (v && typeof v === 'object') {
    const ref = str((v as Json).reference);
    return ref === undefined ? [] : [ref];
  }
  return [];
}

function datesOf(tv: TypedValue): { range: DateRange; key: string }[] {
  const v = tv.value as unknown;
  if (typeof v === 'string') {
    const range = parseDateRange(v);
    return range ? [{ range, key: v }] : [];
  }
  if (v && typeof v === 'object' && tv.type === 'Period') {
    const o = v as Json;
    const start = str(o.start) === undefined ? undefined : parseDateRange(str(o.start) as string);
    const end = str(o.end) === undefined ? undefined : parseDateRange(str(o.end) as string);
    if (!start && !end) return [];
    return [
      {
        range: { start: start?.start ?? Number.NEGATIVE_INFINITY, end: end?.end ?? Number.POSITIVE_INFINITY },
        key: str(o.start) ?? str(o.end) ?? '',
      },
    ];
  }
  return [];
}

function numbersOf(tv: TypedValue): { value: number; system?: string; code?: string }[] {
  const v = tv.value as unknown;
  if (typeof v === 'number') return [{ value: v }];
  if (v && typeof v === 'object') {
    const o = v as Json;
    if (typeof o.value === 'number') return [{ value: o.value, system: str(o.system), code: str(o.code) }];
    if (tv.type === 'Range') {
      const out: { value: number; system?: string; code?: string }[] = [];
      for (const side of [o.low, o.high] as (Json | undefined)[]) {
        if (side && typeof side.value === 'number') out.push({ value: side.value, system: str(side.system), code: str(side.code) });
      }
      return out;
    }
  }
  return [];
}

/** Evaluates a parsed search expression against a resource or element. */
export function evaluate(param: SearchParamDef['expression'], input: TypedValue): TypedValue[] {
  try {
    return evalFhirPathTyped(param, [input]);
  } catch {
    return [];
  }
}

const cache = new WeakMap<object, Map<string, ExtractedValues>>();

/** Extracts (from a typed input) the normalised values of a parameter. */
export function extractFrom(param: SearchParamDef, input: TypedValue, expression = param.expression): ExtractedValues {
  const raw = evaluate(expression, input);
  switch (param.type) {
    case 'string':
      return { type: 'string', values: raw.flatMap(stringsOf) };
    case 'token':
      return { type: 'token', values: raw.flatMap(tokensOf) };
    case 'uri':
      return { type: 'uri', values: raw.flatMap((tv) => (typeof tv.value === 'string' ? [tv.value] : [])) };
    case 'reference':
      return { type: 'reference', values: raw.flatMap(referencesOf) };
    case 'date': {
      const dates = raw.flatMap(datesOf);
      return { type: 'date', values: dates.map((d) => d.range), sortKeys: dates.map((d) => d.key) };
    }
    case 'number':
    case 'quantity':
      return { type: 'number', values: raw.flatMap(numbersOf) };
    case 'composite':
      return { type: 'composite', items: raw };
    default:
      return { type: 'string', values: [] };
  }
}

/**
 * The values of `param` on `resource`, cached per resource object (stored versions are immutable).
 */
export function extractValues(resource: Resource, param: SearchParamDef): ExtractedValues {
  let perResource = cache.get(resource);
  if (!perResource) {
    perResource = new Map();
    cache.set(resource, perResource);
  }
  let values = perResource.get(param.code);
  if (!values) {
    values = extractFrom(param, { type: resource.resourceType, value: resource });
    perResource.set(param.code, values);
  }
  return values;
}
