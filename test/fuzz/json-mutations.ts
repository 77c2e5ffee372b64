/**
 * FHIR-aware mutations of valid resources for the HTTP fuzz test: a mutation picks a node of the JSON tree
 * (by index, so fast-check can shrink it) and drops it, duplicates it, retypes it, replaces it with an
 * extreme value (huge or negative numbers, unicode, null), wraps it in an array or a deep nesting, adds
 * unknown keys, or changes the resourceType. Numbers JSON cannot hold (1e400, -0, 30 digits) travel as
 * raw literals spliced into the body text; bodies may also be cut short or carry duplicate keys.
 *
 * @see https://hl7.org/fhir/R4/json.html
 * @see https://fast-check.dev/docs/core-blocks/arbitraries/
 */
import fc from 'fast-check';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Marks a string that `toBodyText` writes as a raw number literal (no quotes). */
const RAW = '\u0000raw:';

/** Deepest nesting a mutation builds (the server's own JSON limits are what is under test, not V8's). */
export const MAX_NESTING = 200;

/** Most unknown keys one mutation adds. */
export const MAX_UNKNOWN_KEYS = 5_000;

/**
 * The body text of `value`: JSON, with raw number literals in place of their markers.
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-6
 */
export function toBodyText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return '';
  return text.includes('\\u0000raw:') ? text.replace(/"\\u0000raw:([-+.eE0-9]+)"/g, '$1') : text;
}

/** Numbers at and past the edges of what JSON, JavaScript and FHIR integer/decimal hold. */
const EXTREME_NUMBERS: readonly Json[] = [
  0,
  -1,
  -2147483649,
  2147483648,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  1e21,
  1e308,
  -1e308,
  5e-324,
  0.1,
  `${RAW}1e400`,
  `${RAW}-1e400`,
  `${RAW}-0`,
  `${RAW}123456789012345678901234567890`,
  `${RAW}0.000000000000000000000000000001`,
];

/** Strings that have broken parsers and matchers: controls, bidi, lone surrogates, combining marks, long runs. */
const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u202eevil',
  '\ud800',
  '\udfff\ud800',
  'e\u0301\u0301\u0301',
  '🧊❄️👩‍⚕️',
  'İı',
  '\ufeffBOM',
  '\r\n\t',
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '%00%2F',
  'a'.repeat(10_000),
  '\\'.repeat(257),
  '2024-13-45T25:61:61Z',
  'http://',
  'urn:uuid:',
  'Patient/',
  '|',
  '$',
  ',,,',
];

/**
 * A value meant to be wrong where it lands: null, booleans, extreme numbers, nasty or random unicode
 * strings, empty containers, small random JSON.
 * @see https://hl7.org/fhir/R4/datatypes.html
 */
export const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constantFrom(...EXTREME_NUMBERS), weight: 3 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.constantFrom<Json>({}, [], [null], [{}], { resourceType: null }), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, weight: 1 },
);

/** The resource types a wrong `resourceType` is drawn from, besides random text. */
const OTHER_TYPES = ['Patient', 'Bundle', 'Parameters', 'OperationOutcome', 'CodeSystem', 'ValueSet', 'PlanDefinition', 'ActivityDefinition', 'Resource', 'DomainResource', 'codesystem', 'Code System'];

/**
 * One mutation: what to do, at which node (`at` is taken modulo the node count), with what.
 * @see https://hl7.org/fhir/R4/json.html
 */
export type Mutation =
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: Json }
  | { readonly kind: 'retype'; readonly at: number }
  | { readonly kind: 'wrap-array'; readonly at: number }
  | { readonly kind: 'unwrap'; readonly at: number }
  | { readonly kind: 'nest'; readonly at: number; readonly depth: number; readonly asArray: boolean }
  | { readonly kind: 'unknown-keys'; readonly at: number; readonly count: number }
  | { readonly kind: 'resource-type'; readonly value: Json | undefined };

/**
 * A random mutation; unknown keys and nesting are mostly small, sometimes up to their bounds.
 * @see https://fast-check.dev/docs/core-blocks/arbitraries/composites/
 */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: weirdValue }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('retype' as const), at: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('wrap-array' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('unwrap' as const), at: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('nest' as const),
      at: fc.nat(),
      depth: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: MAX_NESTING })),
      asArray: fc.boolean(),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('unknown-keys' as const),
      at: fc.nat(),
      count: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 20 }), weight: 9 }, { arbitrary: fc.integer({ min: 21, max: MAX_UNKNOWN_KEYS }), weight: 1 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('resource-type' as const),
      value: fc.oneof(fc.constantFrom<Json | undefined>(...OTHER_TYPES, undefined, null, 42, ['CodeSystem']), fc.string({ maxLength: 12 })),
    }),
    weight: 1,
  },
);

type Path = readonly (string | number)[];

/** Paths of the nodes under `root` (root excluded), depth first, at most `limit`. */
function nodePaths(root: Json, limit = 4_000): Path[] {
  const out: Path[] = [];
  const stack: [Json, Path][] = [[root, []]];
  while (stack.length > 0 && out.length < limit) {
    const [node, path] = stack.pop() as [Json, Path];
    if (path.length > 0) out.push(path);
    if (Array.isArray(node)) node.forEach((child, i) => stack.push([child, [...path, i]]));
    else if (node !== null && typeof node === 'object') for (const [k, child] of Object.entries(node)) stack.push([child, [...path, k]]);
  }
  return out;
}

function parentOf(root: Json, path: Path): { parent: Json[] | { [key: string]: Json }; key: string | number } {
  let node = root;
  for (const step of path.slice(0, -1)) node = (node as Record<string | number, Json>)[step];
  return { parent: node as Json[] | { [key: string]: Json }, key: path[path.length - 1] };
}

function retyped(value: Json): Json {
  if (typeof value === 'string') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? {} : Object.fromEntries(value.map((v, i) => [String(i), v]));
  return Object.values(value);
}

function nested(value: Json, depth: number, asArray: boolean): Json {
  let out = value;
  for (let i = 0; i < depth; i += 1) out = asArray ? [out] : { extension: out };
  return out;
}

/**
 * Applies `mutations` in turn to a copy of `resource` (each mutation sees the result of the previous one).
 * @see https://hl7.org/fhir/R4/json.html
 */
export function mutate(resource: Json, mutations: readonly Mutation[]): Json {
  const root = structuredClone(resource);
  for (const m of mutations) {
    if (m.kind === 'resource-type') {
      if (root === null || typeof root !== 'object' || Array.isArray(root)) continue;
      if (m.value === undefined) delete root.resourceType;
      else root.resourceType = m.value;
      continue;
    }
    const paths = nodePaths(root);
    if (paths.length === 0) continue;
    const path = paths[m.at % paths.length];
    const { parent, key } = parentOf(root, path);
    const current = (parent as Record<string | number, Json>)[key];
    const set = (value: Json): void => {
      (parent as Record<string | number, Json>)[key] = value;
    };
    switch (m.kind) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(current));
        else set([current, structuredClone(current)]);
        break;
      case 'replace':
        set(m.value);
        break;
      case 'retype':
        set(retyped(current));
        break;
      case 'wrap-array':
        set([current]);
        break;
      case 'unwrap':
        if (Array.isArray(current)) set(current.length === 0 ? null : current[0]);
        else if (current !== null && typeof current === 'object') set(Object.values(current)[0] ?? null);
        else set({ value: current });
        break;
      case 'nest':
        set(nested(current, m.depth, m.asArray));
        break;
      case 'unknown-keys': {
        const target = current !== null && typeof current === 'object' && !Array.isArray(current) ? current : (parent as { [key: string]: Json });
        if (Array.isArray(target)) break;
        for (let i = 0; i < m.count; i += 1) target[`fuzz${i}`] = i % 3 === 0 ? null : i;
        break;
      }
    }
  }
  return root;
}

/**
 * A mutated copy of one of `resources`: 0 to `max` mutations (0 keeps it valid, so valid input stays in the mix).
 * @see https://hl7.org/fhir/R4/json.html
 */
export function mutatedResource(resources: readonly Json[], max = 4): fc.Arbitrary<Json> {
  return fc
    .tuple(fc.constantFrom(...resources), fc.array(mutation, { minLength: 0, maxLength: max }))
    .map(([resource, mutations]) => mutate(resource, mutations));
}

/**
 * A body as sent: usually the JSON of `value`, sometimes cut short (broken JSON) or not JSON at all.
 * @see https://hl7.org/fhir/R4/http.html#mime-type
 */
export function bodyText(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: value.map(toBodyText), weight: 25 },
    { arbitrary: fc.tuple(value, fc.nat()).map(([v, n]) => { const t = toBodyText(v); return t.slice(0, n % Math.max(1, t.length)); }), weight: 1 },
    // Duplicate keys (JSON.stringify cannot write them): a second resourceType or id before the first.
    { arbitrary: fc.tuple(value, fc.constantFrom('"resourceType":"Patient",', '"resourceType":null,', '"id":"dup",', '"parameter":{},')).map(([v, dup]) => toBodyText(v).replace(/^\{(?=")/, `{${dup}`)), weight: 1 },
    { arbitrary: fc.constantFrom('', 'null', '[]', '"Parameters"', '{"resourceType":"Parameters",}', '<Parameters xmlns="http://hl7.org/fhir"/>', '\ufeff{}', '{"a":1}{"b":2}'), weight: 1 },
  );
}
