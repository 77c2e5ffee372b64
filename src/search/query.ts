/**
 * Parsing of FHIR search query strings into a checked `SearchQuery`. Hand-written rather than
 * `@medplum/core`'s `parseSearchRequest`, which accepts `_count=abc`, turns an unknown modifier into an
 * operator and reads `_summary=count` as `_count=0`; here every control value is checked and every error is
 * a 400 OperationOutcome naming the parameter.
 *
 * @see https://hl7.org/fhir/R4/search.html
 */
import { badRequest, shown } from '../fhir/errors.ts';
import { searchParametersFor, type SearchParamDef } from './parameters.ts';

/** Default and largest page size. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;
/** Largest FHIR integer. */
const INT32_MAX = 2_147_483_647;
/** Largest `_offset` accepted. */
export const MAX_OFFSET = 1_000_000;

/** Comparison prefixes of number, date and quantity parameters. */
export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof PREFIXES)[number];

/** Modifiers allowed per parameter type. */
const MODIFIERS: Readonly<Record<string, readonly string[]>> = {
  string: ['missing', 'exact', 'contains'],
  token: ['missing', 'not', 'text', 'of-type'],
  uri: ['missing', 'below', 'above'],
  reference: ['missing'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  composite: ['missing'],
};

/** One alternative value of a search parameter (values of one parameter are ORed). */
export interface SearchValue {
  /** Prefix for ordered types (default `eq`). */
  readonly prefix: Prefix;
  /** The value with prefix removed and escapes resolved. */
  readonly value: string;
  /** The value with prefix removed, escapes kept (token values split on unescaped `|`). */
  readonly raw: string;
  /** Composite parameters: the `$`-separated parts, escapes resolved. */
  readonly parts?: readonly string[];
}

/** One parameter occurrence (occurrences are ANDed). */
export interface SearchFilter {
  readonly param: SearchParamDef;
  readonly modifier: string | undefined;
  readonly values: readonly SearchValue[];
}

/** `_include` / `_revinclude` target. */
export interface IncludeSpec {
  readonly sourceType: string;
  readonly param: SearchParamDef;
  readonly targetType: string | undefined;
  readonly iterate: boolean;
}

/** `_summary` values. */
export const SUMMARY_MODES = ['true', 'text', 'data', 'count', 'false'] as const;
export type SummaryMode = (typeof SUMMARY_MODES)[number];

/** A checked search. */
export interface SearchQuery {
  readonly resourceType: string;
  readonly filters: readonly SearchFilter[];
  readonly sort: readonly { readonly param: SearchParamDef; readonly descending: boolean }[];
  readonly count: number;
  readonly offset: number;
  readonly summary: SummaryMode | undefined;
  readonly elements: readonly string[] | undefined;
  readonly total: 'none' | 'estimate' | 'accurate';
  readonly include: readonly IncludeSpec[];
  readonly revinclude: readonly IncludeSpec[];
  /** Parameters ignored under `handling=lenient` (unknown or unsupported). */
  readonly ignored: readonly string[];
}

/** A query string as decoded by the HTTP layer: every value a string or a list of strings. */
export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Parameters that control the result rather than filter it, plus formatting ones handled elsewhere. */
const CONTROL_PARAMS = new Set([
  '_count', '_offset', '_sort', '_summary', '_elements', '_total', '_include', '_revinclude', '_format', '_pretty', '_type',
]);

/** A parameter name for `expression`, or `search` when the name itself is not safe to echo. */
function safeName(name: string): string {
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(name) ? name : 'search';
}

/**
 * Splits on unescaped `sep`. By default the escapes (`\,` `\$` `\|` `\\`) are resolved in the pieces;
 * with `keepEscapes` they are kept, for a later split at another level (`,` then `|` or `$`).
 */
export function splitEscaped(input: string, sep: string, options: { readonly keepEscapes?: boolean } = {}): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === '\\' && i + 1 < input.length) {
      current += options.keepEscapes ? ch + input[i + 1] : input[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function single(params: QueryParams, name: string): string | undefined {
  const values = list(params[name]);
  if (values.length > 1) throw badRequest(`Search parameter ${name} may appear only once`, { expression: name });
  return values[0];
}

function nonNegativeInt(params: QueryParams, name: string): number | undefined {
  const raw = single(params, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name} must be a non-negative integer, got ${shown(raw)}`, { expression: name });
  const n = Number(raw);
  // A FHIR integer is a 32-bit signed int.
  if (n > INT32_MAX) throw badRequest(`${name} is out of range: at most ${INT32_MAX}`, { expression: name });
  return n;
}

function parseValue(param: SearchParamDef, modifier: string | undefined, raw: string): SearchValue {
  if (param.type === 'composite') {
    const parts = splitEscaped(raw, '$', { keepEscapes: true });
    return { prefix: 'eq', value: unescape(raw), raw, parts };
  }
  let prefix: Prefix = 'eq';
  let value = raw;
  if ((param.type === 'date' || param.type === 'number' || param.type === 'quantity') && modifier !== 'missing') {
    const match = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[\d-])/.exec(raw);
    if (match) {
      prefix = match[1] as Prefix;
      value = raw.slice(2);
    }
  }
  return { prefix, value: unescape(value), raw: value };
}

/** Resolves search escapes (`\,` `\$` `\|` `\\`). */
export function unescape(value: string): string {
  return value.includes('\\') ? splitEscaped(value, '\u0000').join('') : value;
}

function parseInclude(raw: string, name: '_include' | '_revinclude', iterate: boolean): IncludeSpec {
  const [sourceType, code, targetType, ...rest] = raw.split(':');
  if (!sourceType || !code || rest.length > 0 || !/^[A-Z][A-Za-z]{1,63}$/.test(sourceType)) {
    throw badRequest(`${name} must be SourceType:searchParam[:TargetType], got ${shown(raw)}`, { expression: name });
  }
  const param = searchParametersFor(sourceType).get(code);
  if (!param || param.type !== 'reference') {
    throw badRequest(`${name}: ${shown(sourceType)} has no reference search parameter ${shown(code)}`, { expression: name });
  }
  if (targetType !== undefined && param.targets.length > 0 && !param.targets.includes(targetType)) {
    throw badRequest(`${name}: ${sourceType}:${code} cannot point at ${shown(targetType)}`, { expression: name });
  }
  return { sourceType, param, targetType, iterate };
}

/** Options of `parseSearchQuery`. */
export interface ParseSearchOptions {
  /** `Prefer: handling=strict` makes unknown parameters an error. */
  readonly strict: boolean;
}

/** The filter parameters of a search (every parameter but the control ones), and those ignored as unknown. */
function parseFilters(
  resourceType: string,
  supported: ReadonlyMap<string, SearchParamDef>,
  params: QueryParams,
  options: ParseSearchOptions,
): { filters: SearchFilter[]; ignored: string[] } {
  const filters: SearchFilter[] = [];
  const ignored: string[] = [];
  for (const [key, rawValue] of Object.entries(params)) {
    if (CONTROL_PARAMS.has(key.split(':')[0])) continue;
    const colon = key.indexOf(':');
    const code = colon < 0 ? key : key.slice(0, colon);
    const modifier = colon < 0 ? undefined : key.slice(colon + 1);
    const param = supported.get(code);
    if (!param) {
      if (options.strict) throw badRequest(`Unknown search parameter ${shown(code)} for ${resourceType}`, { expression: safeName(key) });
      ignored.push(key);
      continue;
    }
    if (modifier !== undefined && !(MODIFIERS[param.type] ?? []).includes(modifier)) {
      // An unknown modifier changes the meaning of the search: never ignore it silently.
      throw badRequest(`Modifier ${shown(`:${modifier}`)} is not supported on ${param.type} parameter "${code}"`, { expression: safeName(key) });
    }
    for (const occurrence of list(rawValue)) {
      if (modifier === 'missing') {
        if (occurrence !== 'true' && occurrence !== 'false') {
          throw badRequest(`${key} must be true or false`, { expression: safeName(key) });
        }
        filters.push({ param, modifier, values: [{ prefix: 'eq', value: occurrence, raw: occurrence }] });
        continue;
      }
      const pieces = splitEscaped(occurrence, ',', { keepEscapes: true });
      const values = pieces.filter((piece) => piece !== '').map((piece) => parseValue(param, modifier, piece));
      if (values.length === 0) continue; // an empty value is ignored (search.html#errors)
      filters.push({ param, modifier, values });
    }
  }
  return { filters, ignored };
}

/** `_sort`: the parameters to sort by, in order, each ascending or (`-code`) descending. */
function parseSort(resourceType: string, supported: ReadonlyMap<string, SearchParamDef>, params: QueryParams): SearchQuery['sort'] {
  const sort: { param: SearchParamDef; descending: boolean }[] = [];
  const sortRaw = single(params, '_sort');
  if (sortRaw === undefined) return sort;
  for (const piece of sortRaw.split(',')) {
    if (piece === '') continue;
    const descending = piece.startsWith('-');
    const code = descending ? piece.slice(1) : piece;
    const param = supported.get(code);
    if (!param || param.type === 'composite') {
      throw badRequest(`Cannot sort ${resourceType} by ${shown(code)}`, { expression: '_sort' });
    }
    sort.push({ param, descending });
  }
  return sort;
}

/** `_count` (capped at {@link MAX_PAGE_SIZE}) and `_offset`. */
function parsePaging(params: QueryParams): { count: number; offset: number } {
  const countParam = nonNegativeInt(params, '_count');
  const count = countParam === undefined ? DEFAULT_PAGE_SIZE : Math.min(countParam, MAX_PAGE_SIZE);
  const offset = nonNegativeInt(params, '_offset') ?? 0;
  if (offset > MAX_OFFSET) throw badRequest(`_offset must be at most ${MAX_OFFSET}`, { expression: '_offset' });
  return { count, offset };
}

/** `_summary` and `_elements`: what of each resource is returned (the two cannot be combined). */
function parseShape(params: QueryParams): { summary: SummaryMode | undefined; elements: string[] | undefined } {
  const summaryRaw = single(params, '_summary');
  if (summaryRaw !== undefined && !(SUMMARY_MODES as readonly string[]).includes(summaryRaw)) {
    throw badRequest(`_summary must be one of ${SUMMARY_MODES.join(', ')}, got ${shown(summaryRaw)}`, { expression: '_summary' });
  }
  const elementsRaw = single(params, '_elements');
  let elements: string[] | undefined;
  if (elementsRaw !== undefined) {
    elements = elementsRaw.split(',').map((e) => e.trim()).filter((e) => e !== '');
    for (const element of elements) {
      if (!/^[a-z][A-Za-z0-9]*(\[x\])?$/.test(element)) {
        throw badRequest(`_elements must list top-level element names, got ${shown(element)}`, { expression: '_elements' });
      }
    }
  }
  if (summaryRaw !== undefined && summaryRaw !== 'false' && elements !== undefined) {
    throw badRequest('_summary and _elements cannot be combined', { expression: '_elements' });
  }
  return { summary: summaryRaw as SummaryMode | undefined, elements };
}

/** `_total` (default `accurate`). */
function parseTotal(params: QueryParams): SearchQuery['total'] {
  const totalRaw = single(params, '_total') ?? 'accurate';
  if (totalRaw !== 'none' && totalRaw !== 'estimate' && totalRaw !== 'accurate') {
    throw badRequest(`_total must be none, estimate or accurate, got ${shown(totalRaw)}`, { expression: '_total' });
  }
  return totalRaw;
}

/** `_include` and `_revinclude` (with `:iterate`); an `_include` without `:iterate` starts from `resourceType`. */
function parseIncludes(resourceType: string, params: QueryParams): { include: IncludeSpec[]; revinclude: IncludeSpec[] } {
  const include: IncludeSpec[] = [];
  const revinclude: IncludeSpec[] = [];
  for (const [key, rawValue] of Object.entries(params)) {
    const [name, mod] = key.split(':');
    if (name !== '_include' && name !== '_revinclude') continue;
    if (mod !== undefined && mod !== 'iterate' && mod !== 'recurse') {
      throw badRequest(`Modifier ${shown(`:${mod}`)} is not supported on ${name}`, { expression: safeName(key) });
    }
    for (const value of list(rawValue)) {
      const spec = parseInclude(value, name, mod !== undefined);
      if (name === '_include') include.push(spec);
      else revinclude.push(spec);
    }
  }
  for (const spec of include) {
    if (!spec.iterate && spec.sourceType !== resourceType) {
      throw badRequest(`_include=${spec.sourceType}:${spec.param.code} does not start from ${resourceType} (use :iterate)`, {
        expression: '_include',
      });
    }
  }
  return { include, revinclude };
}

/**
 * Parses and checks a search.
 * @see https://hl7.org/fhir/R4/search.html#errors
 */
export function parseSearchQuery(resourceType: string, params: QueryParams, options: ParseSearchOptions): SearchQuery {
  const supported = searchParametersFor(resourceType);
  const { filters, ignored } = parseFilters(resourceType, supported, params, options);
  const sort = parseSort(resourceType, supported, params);
  const { count, offset } = parsePaging(params);
  const { summary, elements } = parseShape(params);
  const total = parseTotal(params);
  const { include, revinclude } = parseIncludes(resourceType, params);
  return { resourceType, filters, sort, count: summary === 'count' ? 0 : count, offset, summary, elements, total, include, revinclude, ignored };
}
