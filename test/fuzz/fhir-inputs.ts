/**
 * Generators of FHIR request inputs for the HTTP fuzz test: query strings built from real parameter names
 * (the R4 search parameters the server declares, the operations' inputs) with modifiers, prefixes and
 * values that are valid, nearly valid or hostile; Parameters bodies with right and wrong value[x] types;
 * and `$apply` data Bundles of medication, condition and observation entries coded from the project content.
 *
 * @see https://hl7.org/fhir/R4/search.html
 * @see https://hl7.org/fhir/R4/parameters.html
 */
import type { Resource } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { searchParametersFor } from '../../src/search/parameters.ts';
import { contentResources } from '../helpers/fixtures.ts';
import { SERVED_TYPES } from '../helpers/resources.ts';
import { mutate, mutation, weirdValue, type Json } from './json-mutations.ts';

/** The project content, parsed once. */
export const CONTENT: readonly Resource[] = contentResources();

/** Content resources of one type, as JSON. */
export function contentOf(type: string): Json[] {
  return CONTENT.filter((r) => r.resourceType === type) as unknown as Json[];
}

/** Every (system, code) the content defines or lists: CodeSystem concepts and ValueSet compose codes. */
function contentCodings(): { system: string; code: string }[] {
  const out: { system: string; code: string }[] = [];
  const walk = (system: string, concepts: readonly { code?: string; concept?: unknown[] }[] | undefined): void => {
    for (const c of concepts ?? []) {
      if (c.code) out.push({ system, code: c.code });
      walk(system, c.concept as typeof concepts);
    }
  };
  for (const r of CONTENT) {
    if (r.resourceType === 'CodeSystem' && r.url) walk(r.url, r.concept);
    if (r.resourceType === 'ValueSet') for (const inc of r.compose?.include ?? []) if (inc.system) walk(inc.system, inc.concept);
  }
  return out;
}

/** Codings from the content (never invented codes). */
export const CODINGS = contentCodings();
const CANONICALS = CONTENT.map((r) => (r as { url?: string }).url).filter((u): u is string => typeof u === 'string');
const VALUESET_URLS = CONTENT.filter((r) => r.resourceType === 'ValueSet').map((r) => (r as { url: string }).url);
const SYSTEMS = [...new Set(CODINGS.map((c) => c.system))];

/** A query pair, before encoding. */
export type Pair = readonly [string, string];

/** The kinds of values an input takes, to pick a matching (or deliberately wrong) generator. */
type Kind = 'uri' | 'code' | 'string' | 'boolean' | 'integer' | 'date' | 'coding' | 'codeableConcept' | 'reference' | 'number' | 'token' | 'quantity' | 'composite';

const PREFIXES = ['', '', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'xx'];
const MODIFIERS = ['', '', '', ':exact', ':contains', ':missing', ':not', ':text', ':above', ':below', ':in', ':not-in', ':of-type', ':identifier', ':Patient', ':bogus', ':'];
const DATES = ['2024', '2024-01', '2024-01-15', '2024-01-15T10:00:00Z', '2024-01-15T10:00:00+14:00', '2024-01-15T10:00', '2024-02-30', '99999-01-01', '0000-00-00', '-2024', 'now', 'T10:00'];

const nastyText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', ' ', 'a,b', 'a\\,b', 'a\\|b', 'a$b', '\\', '*', '%', '%zz', '%E0%A4%A', '🧊', '\u202e', 'x'.repeat(3_000), 'null', 'undefined', '[]', '{}'),
);

const integerText = fc.oneof(
  fc.integer({ min: -5, max: 200 }).map(String),
  fc.constantFrom('-1', '-0', '0', '1e3', '1.5', '2147483648', '99999999999999999999999', 'NaN', 'Infinity', '0x10', ' 5', '5 ', ''),
);

function valueOf(kind: Kind): fc.Arbitrary<string> {
  switch (kind) {
    case 'uri':
      return fc.oneof(fc.constantFrom(...CANONICALS, ...SYSTEMS), fc.constantFrom(...CANONICALS).map((u) => `${u}|${'1.0.0'}`), fc.webUrl(), nastyText);
    case 'code':
      return fc.oneof(fc.constantFrom(...CODINGS.map((c) => c.code)), nastyText);
    case 'coding':
    case 'codeableConcept':
    case 'token':
      return fc.oneof(
        fc.constantFrom(...CODINGS).map((c) => `${c.system}|${c.code}`),
        fc.constantFrom(...CODINGS).map((c) => `|${c.code}`),
        fc.constantFrom(...SYSTEMS).map((s) => `${s}|`),
        fc.constantFrom(...CODINGS.map((c) => c.code)),
        fc.tuple(nastyText, nastyText).map(([a, b]) => `${a}|${b}`),
      );
    case 'boolean':
      return fc.constantFrom('true', 'false', 'TRUE', '1', '0', 'yes', '');
    case 'integer':
      return integerText;
    case 'number':
    case 'quantity':
      return fc.tuple(fc.constantFrom(...PREFIXES), integerText, fc.constantFrom('', '||mg', '|http://unitsofmeasure.org|mg', '|')).map(([p, n, u]) => `${p}${n}${kind === 'quantity' ? u : ''}`);
    case 'date':
      return fc.oneof(fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...DATES)).map(([p, d]) => p + d), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), nastyText);
    case 'reference':
      return fc.oneof(
        fc.constantFrom('Patient/123', 'PlanDefinition/liver-tumor-cryoablation', 'ActivityDefinition/tumor-freezing', 'Patient/', '/123', 'Patient/../x', 'urn:uuid:1'),
        fc.constantFrom(...CANONICALS),
        nastyText,
      );
    case 'composite':
      return fc.tuple(valueOf('token'), valueOf('string')).map(([a, b]) => `${a}$${b}`);
    case 'string':
      return fc.oneof(fc.constantFrom(...CONTENT.map((r) => (r as { name?: string }).name ?? 'x')), nastyText);
  }
}

/** A value of the input's own kind most of the time, of any kind sometimes. */
function valueFor(kind: Kind): fc.Arbitrary<string> {
  const any = fc.constantFrom<Kind>('uri', 'code', 'string', 'boolean', 'integer', 'date', 'token').chain(valueOf);
  return fc.oneof({ arbitrary: valueOf(kind), weight: 4 }, { arbitrary: any, weight: 1 }, { arbitrary: fc.array(valueOf(kind), { minLength: 2, maxLength: 4 }).map((v) => v.join(',')), weight: 1 });
}

/** Inputs of an operation by name, with their kinds. */
export type Inputs = Readonly<Record<string, Kind>>;

const TX_COMMON: Inputs = { displayLanguage: 'code', 'system-version': 'uri', 'force-system-version': 'uri', 'check-system-version': 'uri', useSupplement: 'uri', diagnostics: 'boolean', 'cache-id': 'string', _format: 'code' };

/**
 * Inputs of `ValueSet/$expand`.
 * @see https://hl7.org/fhir/R4/valueset-operation-expand.html
 */
export const EXPAND_INPUTS: Inputs = {
  ...TX_COMMON,
  url: 'uri',
  valueSetVersion: 'string',
  context: 'uri',
  contextDirection: 'code',
  filter: 'string',
  date: 'date',
  offset: 'integer',
  count: 'integer',
  includeDesignations: 'boolean',
  designation: 'string',
  includeDefinition: 'boolean',
  activeOnly: 'boolean',
  excludeNested: 'boolean',
  excludeNotForUI: 'boolean',
  excludePostCoordinated: 'boolean',
  'exclude-system': 'uri',
  'default-to-latest-version': 'boolean',
  property: 'code',
};

/**
 * Inputs of `CodeSystem/$lookup`.
 * @see https://hl7.org/fhir/R4/codesystem-operation-lookup.html
 */
export const LOOKUP_INPUTS: Inputs = { ...TX_COMMON, code: 'code', system: 'uri', version: 'string', coding: 'coding', date: 'date', property: 'code' };

/**
 * Inputs of `ValueSet/$validate-code` and `CodeSystem/$validate-code`.
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
export const VALIDATE_CODE_INPUTS: Inputs = {
  ...TX_COMMON,
  url: 'uri',
  context: 'uri',
  valueSetVersion: 'string',
  code: 'code',
  system: 'uri',
  systemVersion: 'string',
  version: 'string',
  display: 'string',
  coding: 'coding',
  date: 'date',
  abstract: 'boolean',
  displayLanguage: 'code',
  inferSystem: 'boolean',
  activeOnly: 'boolean',
  lenient: 'boolean',
};

/**
 * Inputs of `PlanDefinition/$apply`.
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 */
export const APPLY_INPUTS: Inputs = {
  subject: 'reference',
  encounter: 'reference',
  practitioner: 'reference',
  organization: 'reference',
  userType: 'codeableConcept',
  userLanguage: 'codeableConcept',
  userTaskContext: 'codeableConcept',
  setting: 'codeableConcept',
  settingContext: 'codeableConcept',
  resultType: 'code',
  data: 'string',
  parameters: 'string',
};

/** The kind of input `name` (generated names such as `constructor` are not inputs: string). */
function kindOf(inputs: Inputs, name: string): Kind {
  return Object.hasOwn(inputs, name) ? (inputs[name] as Kind) : 'string';
}

/** None (often, so what else a case holds reaches deeper code), or a few of `item`. */
function fewOf<T>(item: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.oneof({ arbitrary: fc.constant<T[]>([]), weight: 2 }, { arbitrary: fc.array(item, { minLength: 1, maxLength: 2 }), weight: 3 }, { arbitrary: fc.array(item, { minLength: 3, maxLength: 6 }), weight: 1 });
}

/** A name: one of `names` most of the time, sometimes a random or near-miss one. */
function nameFrom(names: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...names), weight: 8 },
    { arbitrary: fc.constantFrom(...names).map((n) => n.toUpperCase()), weight: 1 },
    { arbitrary: fc.string({ minLength: 0, maxLength: 10 }), weight: 1 },
  );
}

/**
 * Query pairs for an operation's inputs (repeats and unknown names included).
 * @see https://hl7.org/fhir/R4/operations.html#request
 */
export function operationQuery(inputs: Inputs, fixed: fc.Arbitrary<Pair[]> = fc.constant([])): fc.Arbitrary<Pair[]> {
  const names = Object.keys(inputs);
  const pair = nameFrom(names).chain((name) => valueFor(kindOf(inputs, name)).map((value): Pair => [name, value]));
  return fc.tuple(fixed, fewOf(pair)).map(([a, b]) => [...a, ...b]);
}

/** Search-result parameters of every type, with their value kinds. */
const RESULT_PARAMS: Readonly<Record<string, fc.Arbitrary<string>>> = {
  _count: integerText,
  _offset: integerText,
  _total: fc.constantFrom('none', 'estimate', 'accurate', 'all', ''),
  _summary: fc.constantFrom('true', 'false', 'count', 'text', 'data', 'True', ''),
  _contained: fc.constantFrom('true', 'false', 'both', 'x'),
  _containedType: fc.constantFrom('container', 'contained', 'x'),
  _pretty: fc.constantFrom('true', 'false'),
};

function searchParamValue(type: string, code: string): fc.Arbitrary<string> {
  const def = searchParametersFor(type).get(code);
  const kind: Kind = def === undefined ? 'string' : def.type === 'special' ? 'string' : def.type;
  return valueFor(kind);
}

/**
 * Query pairs for `GET [type]?…`: declared parameters with modifiers and prefixes, chains, `_has`,
 * `_sort`, `_include`/`_revinclude`, `_elements` and the result parameters.
 * @see https://hl7.org/fhir/R4/search.html
 */
export function searchQuery(type: string): fc.Arbitrary<Pair[]> {
  const codes = [...searchParametersFor(type).keys()];
  const names = codes.length > 0 ? codes : ['_id'];
  const declared = fc.tuple(fc.constantFrom(...names), fc.constantFrom(...MODIFIERS)).chain(([code, modifier]) =>
    (modifier === ':missing' ? fc.constantFrom('true', 'false', 'maybe') : searchParamValue(type, code)).map((v): Pair => [code + modifier, v]),
  );
  const result = fc.constantFrom(...Object.keys(RESULT_PARAMS)).chain((name) => (RESULT_PARAMS[name] as fc.Arbitrary<string>).map((v): Pair => [name, v]));
  const sort = fc.array(fc.tuple(fc.constantFrom('', '-', '+'), nameFrom(names)), { minLength: 1, maxLength: 3 }).map((s): Pair => ['_sort', s.map(([d, n]) => d + n).join(',')]);
  const include = fc
    .tuple(fc.constantFrom('_include', '_revinclude', '_include:iterate', '_revinclude:recurse'), fc.constantFrom(...SERVED_TYPES, 'Patient', '*'), nameFrom(names), fc.option(fc.constantFrom(...SERVED_TYPES)))
    .map(([p, t, n, target]): Pair => [p, `${t}:${n}${target === null ? '' : `:${target}`}`]);
  const elements = fc.array(nameFrom(['id', 'url', 'name', 'status', 'concept', 'action', 'meta', 'text', '*']), { maxLength: 4 }).map((e): Pair => ['_elements', e.join(',')]);
  const chain = fc.tuple(nameFrom(names), nameFrom(['name', 'url', 'status', '_id', 'title']), valueFor('string')).map(([a, b, v]): Pair => [`${a}.${b}`, v]);
  const has = fc.tuple(fc.constantFrom(...SERVED_TYPES), nameFrom(names), nameFrom(names), valueFor('token')).map(([t, r, p, v]): Pair => [`_has:${t}:${r}:${p}`, v]);
  const random = fc.tuple(fc.string({ maxLength: 12 }), nastyText).map(([k, v]): Pair => [k, v]);
  const pair = fc.oneof(
    { arbitrary: declared, weight: 10 },
    { arbitrary: result, weight: 4 },
    { arbitrary: sort, weight: 1 },
    { arbitrary: include, weight: 1 },
    { arbitrary: elements, weight: 1 },
    { arbitrary: chain, weight: 1 },
    { arbitrary: has, weight: 1 },
    { arbitrary: random, weight: 1 },
  );
  return fc.array(pair, { maxLength: 7 });
}

/**
 * The query string of `pairs`: percent-encoded, or (sometimes) sent raw so stray `%`, `&` and `=` reach the parser.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-3.4
 */
export function queryString(pairs: fc.Arbitrary<Pair[]>): fc.Arbitrary<string> {
  const encoded = pairs.map((ps) => ps.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
  const raw = pairs.map((ps) => ps.map(([k, v]) => `${k}=${v}`.replace(/[#\s]/g, (c) => encodeURIComponent(c))).join('&'));
  const odd = fc.constantFrom('&&&', '=', '==&=', 'a', '%', '%zz=1', 'url=%', '&url', 'count=1&count=2', 'x'.repeat(4_000) + '=1');
  return fc.oneof({ arbitrary: encoded, weight: 8 }, { arbitrary: raw, weight: 2 }, { arbitrary: odd, weight: 1 });
}

/** A `value[x]` element of `kind`, of the right or a wrong type. */
function typedValue(kind: Kind): fc.Arbitrary<Record<string, Json>> {
  const right: Record<Kind, string> = {
    uri: 'valueUri',
    code: 'valueCode',
    string: 'valueString',
    boolean: 'valueBoolean',
    integer: 'valueInteger',
    date: 'valueDateTime',
    coding: 'valueCoding',
    codeableConcept: 'valueCodeableConcept',
    reference: 'valueReference',
    number: 'valueDecimal',
    token: 'valueCode',
    quantity: 'valueQuantity',
    composite: 'valueString',
  };
  const properValue = (k: Kind): fc.Arbitrary<Json> => {
    switch (k) {
      case 'boolean':
        return fc.oneof(fc.boolean(), weirdValue);
      case 'integer':
        return fc.oneof(fc.integer({ min: -10, max: 1_000 }), weirdValue);
      case 'coding':
        return fc.oneof(fc.constantFrom(...CODINGS).map((c): Json => ({ ...c })), weirdValue);
      case 'codeableConcept':
        return fc.oneof(fc.array(fc.constantFrom(...CODINGS), { maxLength: 2 }).map((cs): Json => ({ coding: cs.map((c) => ({ ...c })) })), weirdValue);
      case 'reference':
        return valueOf('reference').map((reference): Json => ({ reference }));
      default:
        return fc.oneof({ arbitrary: valueOf(k), weight: 3 }, { arbitrary: weirdValue, weight: 1 });
    }
  };
  const names = ['valueString', 'valueInteger', 'valueBoolean', 'valueUri', 'valueCode', 'valueCoding', 'valueCodeableConcept', 'valueReference', 'value', 'valueFoo'];
  return fc.oneof(
    { arbitrary: properValue(kind).map((v) => ({ [right[kind]]: v })), weight: 5 },
    { arbitrary: fc.tuple(fc.constantFrom(...names), weirdValue).map(([n, v]) => ({ [n]: v })), weight: 1 },
    { arbitrary: fc.constant({}), weight: 1 },
    { arbitrary: fc.tuple(properValue(kind), weirdValue).map(([a, b]) => ({ [right[kind]]: a, valueString: b })), weight: 1 },
  );
}

/**
 * A Parameters body for an operation: named inputs with value[x] (or `resource` where given), broken
 * entries now and then, and mutations of the whole.
 * @see https://hl7.org/fhir/R4/parameters.html
 */
export function parametersBody(inputs: Inputs, resources: Readonly<Record<string, fc.Arbitrary<Json>>> = {}, fixed: fc.Arbitrary<Json[]> = fc.constant([])): fc.Arbitrary<Json> {
  const names = [...Object.keys(inputs), ...Object.keys(resources)];
  const entry: fc.Arbitrary<Json> = fc.oneof(
    {
      arbitrary: nameFrom(names).chain((name) => {
        const resource = Object.hasOwn(resources, name) ? resources[name] : undefined;
        if (resource !== undefined) return resource.map((r): Json => ({ name, resource: r }));
        return typedValue(kindOf(inputs, name)).map((v): Json => ({ name, ...v }));
      }),
      weight: 10,
    },
    { arbitrary: fc.constantFrom<Json>(null, {}, { name: '' }, { name: 42 }, 'subject', [], { name: 'x', part: [{ name: 'y', valueString: 'z' }] }, { name: 'x', resource: null }), weight: 1 },
  );
  const base = fc.tuple(fixed, fewOf(entry)).map(([a, b]): Json => ({ resourceType: 'Parameters', parameter: [...a, ...b] }));
  return fc.tuple(base, fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: fc.array(mutation, { maxLength: 2 }), weight: 1 })).map(([p, ms]) => mutate(p, ms));
}

const ENTRY_TYPES = ['MedicationRequest', 'MedicationStatement', 'Condition', 'Observation', 'Patient', 'AllergyIntolerance', 'Procedure'] as const;
const STATUSES = ['active', 'completed', 'stopped', 'entered-in-error', 'unknown', 'ACTIVE', ''];

/** One clinical resource of a data Bundle, coded from the content. */
const clinicalResource: fc.Arbitrary<Json> = fc
  .record({
    resourceType: fc.constantFrom(...ENTRY_TYPES),
    id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9\-.]{1,16}$/), fc.constant('dup')),
    status: fc.constantFrom(...STATUSES),
    coding: fc.array(fc.constantFrom(...CODINGS), { maxLength: 3 }),
    subject: fc.constantFrom('Patient/123', 'Patient/other', ''),
  })
  .map((r): Json => {
    const concept = { coding: r.coding.map((c) => ({ system: c.system, code: c.code })) };
    const out: { [key: string]: Json } = { resourceType: r.resourceType, id: r.id };
    if (r.resourceType === 'Patient') return out;
    out.status = r.status;
    out.subject = { reference: r.subject };
    if (r.resourceType === 'MedicationRequest' || r.resourceType === 'MedicationStatement') out.medicationCodeableConcept = concept;
    else out.code = concept;
    return out;
  });

/** A data Bundle entry: a mutated clinical resource, or a broken entry (no resource, null, a string). */
const dataEntry: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.tuple(clinicalResource, fc.array(mutation, { maxLength: 3 })).map(([r, ms]): Json => ({ resource: mutate(r, ms) })), weight: 12 },
  { arbitrary: fc.tuple(fc.uuid(), clinicalResource).map(([u, r]): Json => ({ fullUrl: `urn:uuid:${u}`, resource: r })), weight: 2 },
  { arbitrary: fc.constantFrom<Json>({ resource: null }, {}, null, 'entry', [], { resource: [] }, { resource: { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Bundle' } }] } }), weight: 1 },
);

/**
 * A `data` Bundle for `$apply`: a collection of generated entries, sometimes of another Bundle type or shape.
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 */
export const dataBundle: fc.Arbitrary<Json> = fc
  .tuple(fc.constantFrom('collection', 'collection', 'searchset', 'transaction', 'document', 'nonsense'), fc.array(dataEntry, { maxLength: 25 }), fc.array(mutation, { maxLength: 1 }))
  .map(([type, entry, ms]) => mutate({ resourceType: 'Bundle', type, entry }, ms));

/** The value set urls of the content (the usual `url` of `$expand`/`$validate-code`). */
export const VALUE_SET_URLS = VALUESET_URLS;
