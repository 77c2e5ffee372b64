/**
 * Matching of resources against checked search filters, per parameter type, with the R4 modifiers and
 * prefixes. Replaces `@medplum/core`'s in-memory matcher, which treats `url=` as a substring match,
 * ignores `:exact`, and matches token codes case-insensitively.
 *
 * @see https://hl7.org/fhir/R4/search.html
 */
import type { TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { badRequest, shown } from '../fhir/errors.ts';
import { compareDateRanges, parseDateRange } from './dates.ts';
import type { SearchParamDef } from './parameters.ts';
import { splitEscaped, unescape, type SearchFilter, type SearchValue } from './query.ts';
import { extractFrom, extractValues, normalizeString, type ExtractedValues, type TokenValue } from './values.ts';

/** Resolves a canonical URL (optionally `url|version`) to `Type/id` of a stored resource, for reference search by id. */
export type CanonicalToId = (canonical: string) => string | undefined;

/** Context of a match. */
export interface MatchContext {
  readonly resolveCanonical: CanonicalToId;
  /** The server's public base URL, stripped from absolute references to this server. */
  readonly baseUrl: string;
}

/** A compiled filter. */
export type Predicate = (resource: Resource) => boolean;

function hasValues(values: ExtractedValues): boolean {
  return values.type === 'composite' ? values.items.length > 0 : values.values.length > 0;
}

function tokenMatches(token: TokenValue, raw: string): boolean {
  const pipe = splitEscaped(raw, '|');
  if (pipe.length === 1) return token.code === pipe[0];
  const [system, code] = pipe;
  if (system === '') return token.system === undefined && token.code === code;
  if (code === '') return token.system === system;
  return token.system === system && token.code === code;
}

function ofTypeMatches(token: TokenValue, raw: string): boolean {
  const [system, code, value] = splitEscaped(raw, '|');
  if (value === undefined) throw badRequest(`:of-type expects system|code|value, got ${shown(unescape(raw))}`);
  return token.code === value && (token.types ?? []).some((t) => t.system === system && t.code === code);
}

function numberMatches(prefix: SearchValue['prefix'], actual: number, raw: string): boolean {
  const wanted = Number(raw);
  const decimals = raw.includes('.') ? raw.split('.')[1].length : 0;
  const half = 0.5 * 10 ** -decimals;
  switch (prefix) {
    case 'eq':
      return actual >= wanted - half && actual < wanted + half;
    case 'ne':
      return !(actual >= wanted - half && actual < wanted + half);
    case 'gt':
    case 'sa':
      return actual > wanted;
    case 'lt':
    case 'eb':
      return actual < wanted;
    case 'ge':
      return actual >= wanted;
    case 'le':
      return actual <= wanted;
    case 'ap':
      return Math.abs(actual - wanted) <= Math.abs(wanted) * 0.1;
  }
}

function referenceMatches(stored: string, value: SearchValue, context: MatchContext): boolean {
  const wanted = value.value;
  if (stored === wanted) return true;
  const [storedUrl, storedVersion] = stored.split('|');
  const [wantedUrl, wantedVersion] = wanted.split('|');
  if (/^[a-z]+:/i.test(wantedUrl)) {
    // Canonical or absolute reference: same URL; a version in the query must match the stored one.
    if (storedUrl === wantedUrl && (wantedVersion === undefined || storedVersion === wantedVersion)) return true;
    const base = `${context.baseUrl}/`;
    return wantedUrl.startsWith(base) && stored === wantedUrl.slice(base.length);
  }
  // Relative `Type/id` or bare `id`: compare with the stored reference, or with the resource the canonical resolves to.
  const resolved = /^[a-z]+:/i.test(storedUrl) ? context.resolveCanonical(stored) : stored;
  if (resolved === undefined) return false;
  return wanted.includes('/') ? resolved === wanted : resolved.endsWith(`/${wanted}`);
}

function valueMatcher(param: SearchParamDef, modifier: string | undefined, value: SearchValue, context: MatchContext): (values: ExtractedValues) => boolean {
  switch (param.type) {
    case 'string': {
      const wanted = normalizeString(value.value);
      if (modifier === 'exact') return (v) => v.type === 'string' && v.values.some((s) => s === value.value);
      if (modifier === 'contains') return (v) => v.type === 'string' && v.values.some((s) => normalizeString(s).includes(wanted));
      return (v) => v.type === 'string' && v.values.some((s) => normalizeString(s).startsWith(wanted));
    }
    case 'token': {
      if (modifier === 'text') {
        const wanted = normalizeString(value.value);
        return (v) => v.type === 'token' && v.values.some((t) => t.text.some((s) => normalizeString(s).includes(wanted)));
      }
      if (modifier === 'of-type') return (v) => v.type === 'token' && v.values.some((t) => ofTypeMatches(t, value.raw));
      return (v) => v.type === 'token' && v.values.some((t) => tokenMatches(t, value.raw));
    }
    case 'uri': {
      const wanted = value.value;
      if (modifier === 'below') {
        return (v) => v.type === 'uri' && v.values.some((s) => s === wanted || s.startsWith(wanted.endsWith('/') ? wanted : `${wanted}/`));
      }
      if (modifier === 'above') {
        return (v) => v.type === 'uri' && v.values.some((s) => wanted === s || wanted.startsWith(s.endsWith('/') ? s : `${s}/`));
      }
      return (v) => v.type === 'uri' && v.values.some((s) => s === wanted);
    }
    case 'reference':
      return (v) => v.type === 'reference' && v.values.some((s) => referenceMatches(s, value, context));
    case 'date': {
      const range = parseDateRange(value.value);
      if (!range) throw badRequest(`${shown(value.value)} is not a valid date for ${param.code}`, { expression: param.code });
      return (v) => v.type === 'date' && v.values.some((r) => compareDateRanges(value.prefix, r, range));
    }
    case 'number':
    case 'quantity': {
      const [num, system, code] = splitEscaped(value.raw, '|');
      if (!/^-?\d+(\.\d+)?$/.test(num)) throw badRequest(`${shown(num)} is not a number for ${param.code}`, { expression: param.code });
      return (v) =>
        v.type === 'number' &&
        v.values.some(
          (q) =>
            numberMatches(value.prefix, q.value, num) &&
            (system === undefined || system === '' || q.system === system) &&
            (code === undefined || code === '' || q.code === code),
        );
    }
    case 'composite': {
      const components = param.components ?? [];
      const parts = value.parts ?? [];
      if (parts.length !== components.length) {
        throw badRequest(`${param.code} expects ${components.length} $-separated parts, got ${parts.length}`, { expression: param.code });
      }
      const partMatchers = components.map((component, i) =>
        valueMatcher(component.param, undefined, { prefix: 'eq', value: unescape(parts[i]), raw: parts[i] }, context),
      );
      return (v) =>
        v.type === 'composite' &&
        v.items.some((item: TypedValue) =>
          components.every((component, i) => partMatchers[i](extractFrom(component.param, item, component.expression))),
        );
    }
    default:
      return () => false;
  }
}

/**
 * Compiles a filter into a predicate; throws 400 for values that cannot be parsed (dates, numbers).
 * @see https://hl7.org/fhir/R4/search.html#modifiers
 */
export function compileFilter(filter: SearchFilter, context: MatchContext): Predicate {
  const { param, modifier } = filter;
  if (modifier === 'missing') {
    const wantMissing = filter.values[0]?.value === 'true';
    return (resource) => hasValues(extractValues(resource, param)) !== wantMissing;
  }
  const matchers = filter.values.map((value) => valueMatcher(param, modifier, value, context));
  if (modifier === 'not') {
    return (resource) => {
      const values = extractValues(resource, param);
      return !matchers.some((m) => m(values));
    };
  }
  return (resource) => {
    const values = extractValues(resource, param);
    return matchers.some((m) => m(values));
  };
}
