/**
 * Fuzz test of the HTTP surface on a real socket against the real (writable) server: generated bodies and
 * query strings — valid content resources mutated field by field, FHIR parameter names with modifiers,
 * prefixes and hostile values — against `$validate`, `$expand`, `$lookup`, `$validate-code`, `$apply`,
 * search and writes. Every answer must be below 500, JSON (an OperationOutcome from 400 on) and come
 * within the operation deadline plus a margin; a refused write must store nothing.
 *
 * `npm test` runs a bounded number of cases with a fixed seed; `npm run fuzz` runs more with a random seed
 * (FUZZ_RUNS, FUZZ_SEED, FUZZ_SHRINK=0 to report the first failure unshrunk). A failure prints the seed,
 * the path and the counterexample with the request and the answer.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://fast-check.dev/docs/core-blocks/runners/
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { templateResource, SERVED_TYPES } from '../helpers/resources.ts';
import { useTestServer } from '../helpers/server.ts';
import {
  APPLY_INPUTS,
  CODINGS,
  contentOf,
  dataBundle,
  EXPAND_INPUTS,
  LOOKUP_INPUTS,
  operationQuery,
  parametersBody,
  queryString,
  searchQuery,
  VALIDATE_CODE_INPUTS,
  VALUE_SET_URLS,
  type Pair,
} from './fhir-inputs.ts';
import { check, ensure, SEED, send, statsReport, timeoutFor, type FuzzRequest } from './harness.ts';
import { bodyText, mutatedResource, mutation, mutate, type Json } from './json-mutations.ts';

const server = useTestServer();
let base: string;

beforeAll(async () => {
  base = server.base;
  console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} reproduces this run)`);
});

afterAll(async () => {
  if (process.env.FUZZ_STATS === '1') console.log(`fuzz: answers by endpoint and status\n${statsReport()}`);
});

const PROTOCOL = '/PlanDefinition/liver-tumor-cryoablation';
const VALUE_SETS = contentOf('ValueSet');
const CODE_SYSTEMS = contentOf('CodeSystem');

/** A query string from pairs; empty pairs give no `?`. */
function withQuery(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}

/** Cases per property in `npm test` (about 40 s in all on two busy cores). */
const CASES = { validate: 60, expandGet: 80, expandPost: 50, codes: 80, applyGet: 30, applyPost: 40, search: 120, writes: 60 } as const;

describe('fuzz: $validate', () => {
  const targets = ['ValueSet', 'CodeSystem', 'PlanDefinition'] as const;
  const request = fc.constantFrom(...targets).chain((type) => {
    const resources = fc.oneof({ arbitrary: mutatedResource(contentOf(type)), weight: 5 }, { arbitrary: mutatedResource([...VALUE_SETS, ...CODE_SYSTEMS, ...contentOf('ActivityDefinition')]), weight: 1 });
    const wrapped = fc.tuple(resources, fc.option(fc.constantFrom('create', 'update', 'delete', 'profile', '')), fc.option(fc.constantFrom(`http://hl7.org/fhir/StructureDefinition/${type}`, 'http://example.org/no-such-profile', '')))
      .map(([resource, mode, profile]): Json => ({
        resourceType: 'Parameters',
        parameter: [{ name: 'resource', resource }, ...(mode === null ? [] : [{ name: 'mode', valueCode: mode }]), ...(profile === null ? [] : [{ name: 'profile', valueUri: profile }])],
      }));
    const body = bodyText(fc.oneof(resources, wrapped));
    const query = queryString(operationQuery({ mode: 'code', profile: 'uri' }));
    return fc.tuple(body, query).map(([b, q]): FuzzRequest => ({ method: 'POST', path: withQuery(`/${type}/$validate`, q), body: b }));
  });

  it('answers every generated resource without a 5xx, in JSON, within the deadline', async () => {
    await check(fc.asyncProperty(request, async (req) => void (await send(base, req))), CASES.validate);
  }, timeoutFor(CASES.validate));
});

describe('fuzz: $expand', () => {
  const urlPair = fc.option(fc.constantFrom(...VALUE_SET_URLS).map((u): Pair[] => [['url', u]]), { freq: 4 }).map((p) => p ?? []);

  it('GET: generated query strings', async () => {
    const request = queryString(operationQuery(EXPAND_INPUTS, urlPair)).map((q): FuzzRequest => ({ method: 'GET', path: withQuery('/ValueSet/$expand', q) }));
    await check(fc.asyncProperty(request, async (req) => void (await send(base, req))), CASES.expandGet);
  }, timeoutFor(CASES.expandGet));

  it('POST: generated Parameters (with mutated valueSet and tx-resource)', async () => {
    const fixed = fc.option(fc.constantFrom(...VALUE_SET_URLS).map((u): Json[] => [{ name: 'url', valueUri: u }]), { freq: 3 }).map((p) => p ?? []);
    const body = bodyText(parametersBody(EXPAND_INPUTS, { valueSet: mutatedResource(VALUE_SETS), 'tx-resource': mutatedResource([...CODE_SYSTEMS, ...VALUE_SETS]) }, fixed));
    const request = fc.tuple(body, fc.option(queryString(operationQuery(EXPAND_INPUTS)), { freq: 4 })).map(([b, q]): FuzzRequest => ({ method: 'POST', path: withQuery('/ValueSet/$expand', q ?? ''), body: b }));
    await check(fc.asyncProperty(request, async (req) => void (await send(base, req))), CASES.expandPost);
  }, timeoutFor(CASES.expandPost));
});

describe('fuzz: $lookup and $validate-code', () => {
  const endpoints = [
    { path: '/CodeSystem/$lookup', inputs: LOOKUP_INPUTS },
    { path: '/ValueSet/$validate-code', inputs: VALIDATE_CODE_INPUTS },
    { path: '/CodeSystem/$validate-code', inputs: VALIDATE_CODE_INPUTS },
    { path: `/ValueSet/${(VALUE_SETS[0] as { id: string }).id}/$validate-code`, inputs: VALIDATE_CODE_INPUTS },
    { path: `/CodeSystem/${(CODE_SYSTEMS[0] as { id: string }).id}/$lookup`, inputs: LOOKUP_INPUTS },
  ];
  const codingPairs = fc.option(fc.constantFrom(...CODINGS).map((c): Pair[] => [['system', c.system], ['code', c.code]]), { freq: 3 }).map((p) => p ?? []);
  const codingParams = fc.option(fc.constantFrom(...CODINGS).map((c): Json[] => [{ name: 'system', valueUri: c.system }, { name: 'code', valueCode: c.code }]), { freq: 3 }).map((p) => p ?? []);

  const request = fc.constantFrom(...endpoints).chain(({ path, inputs }) =>
    fc.oneof(
      queryString(operationQuery(inputs, codingPairs)).map((q): FuzzRequest => ({ method: 'GET', path: withQuery(path, q) })),
      bodyText(
        parametersBody(
          { ...inputs, codeableConcept: 'coding' },
          { valueSet: mutatedResource(VALUE_SETS), codeSystem: mutatedResource(CODE_SYSTEMS), 'tx-resource': mutatedResource([...CODE_SYSTEMS, ...VALUE_SETS]) },
          codingParams,
        ),
      ).map((b): FuzzRequest => ({ method: 'POST', path, body: b })),
    ),
  );

  it('GET and POST: generated inputs', async () => {
    await check(fc.asyncProperty(request, async (req) => void (await send(base, req))), CASES.codes);
  }, timeoutFor(CASES.codes));
});

describe('fuzz: PlanDefinition/$apply', () => {
  const subject = fc.oneof({ arbitrary: fc.constant('Patient/123'), weight: 4 }, { arbitrary: fc.constantFrom('Patient/', '123', 'Patient/a/b', 'Group/1', 'Patient/' + 'x'.repeat(70), ''), weight: 1 });

  it('GET: subject and generated query parameters', async () => {
    const pairs = operationQuery(APPLY_INPUTS, subject.map((s): Pair[] => [['subject', s]]));
    const request = queryString(pairs).map((q): FuzzRequest => ({ method: 'GET', path: withQuery(`${PROTOCOL}/$apply`, q) }));
    await check(fc.asyncProperty(request, async (req) => void (await send(base, req))), CASES.applyGet);
  }, timeoutFor(CASES.applyGet));

  it('POST: Parameters with a data Bundle of generated entries', async () => {
    const fixed = fc.tuple(subject, dataBundle).map(([s, data]): Json[] => [{ name: 'subject', valueString: s }, { name: 'data', resource: data }]);
    const body = bodyText(parametersBody(APPLY_INPUTS, { data: dataBundle }, fixed));
    const request = body.map((b): FuzzRequest => ({ method: 'POST', path: `${PROTOCOL}/$apply`, body: b }));
    await check(fc.asyncProperty(request, async (req) => void (await send(base, req))), CASES.applyPost);
  }, timeoutFor(CASES.applyPost));
});

describe('fuzz: search', () => {
  const type = fc.oneof({ arbitrary: fc.constantFrom(...SERVED_TYPES), weight: 12 }, { arbitrary: fc.constantFrom('Patient', 'codesystem', 'Resource'), weight: 1 });
  const request = type.chain((t) => queryString(searchQuery(SERVED_TYPES.includes(t as never) ? t : 'CodeSystem')).map((q): FuzzRequest => ({ method: 'GET', path: withQuery(`/${t}`, q) })));

  it('GET [type]?<generated parameters>', async () => {
    await check(fc.asyncProperty(request, async (req) => void (await send(base, req))), CASES.search);
  }, timeoutFor(CASES.search));
});

describe('fuzz: writes', () => {
  type ServedType = (typeof SERVED_TYPES)[number];
  interface Write {
    readonly type: ServedType;
    readonly req: FuzzRequest;
    /** The instance a PUT targets (when its id is valid). */
    readonly id?: string;
  }
  const VALID_ID = /^[A-Za-z0-9\-.]{1,64}$/;

  const write: fc.Arbitrary<Write> = fc.constantFrom(...SERVED_TYPES).chain((type) => {
    const template = fc.stringMatching(/^[a-z0-9]{6,10}$/).map((key) => templateResource(type, { key: `fuzz-${key}` }) as unknown as Json);
    const content = contentOf(type).map((r) => mutate(r, [{ kind: 'resource-type', value: type }]));
    const resource = fc
      .tuple(content.length > 0 ? fc.oneof({ arbitrary: template, weight: 3 }, { arbitrary: fc.constantFrom(...content), weight: 1 }) : template, fc.array(mutation, { maxLength: 4 }))
      .map(([r, ms]) => mutate(r, ms));
    const id = fc.oneof(
      { arbitrary: fc.constantFrom('fz-1', 'fz-2', 'fz-3'), weight: 4 },
      { arbitrary: fc.stringMatching(VALID_ID), weight: 2 },
      { arbitrary: fc.constantFrom('a%2Fb', 'x'.repeat(65), '%00', '..', 'a b', '$x', '_history'), weight: 1 },
    );
    const auth = fc.oneof({ arbitrary: fc.constant<boolean | string>(true), weight: 10 }, { arbitrary: fc.constantFrom<boolean | string>(false, 'wrong-token'), weight: 1 });
    const contentType = fc.oneof({ arbitrary: fc.constant('application/fhir+json'), weight: 10 }, { arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/fhir+xml'), weight: 1 });
    return fc.record({ method: fc.constantFrom('POST', 'PUT'), resource, id, keepId: fc.boolean(), auth, contentType }).chain((w) => {
      const decoded = (() => {
        try {
          return decodeURIComponent(w.id);
        } catch {
          return w.id;
        }
      })();
      const target = w.method === 'PUT' && VALID_ID.test(decoded) ? decoded : undefined;
      const sent = w.method === 'PUT' && w.keepId && w.resource !== null && typeof w.resource === 'object' && !Array.isArray(w.resource) ? { ...w.resource, id: decoded } : w.resource;
      return bodyText(fc.constant(sent)).map(
        (body): Write => ({ type, id: target, req: { method: w.method, path: w.method === 'POST' ? `/${type}` : `/${type}/${w.id}`, body, auth: w.auth, contentType: w.contentType } }),
      );
    });
  });

  /** Bundle.total of a GET (0 for a 404: no such instance yet). */
  async function total(path: string): Promise<number> {
    const answer = await send(base, { method: 'GET', path });
    if (answer.status === 404) return 0;
    const t = (answer.json as { total?: unknown }).total;
    if (typeof t !== 'number') throw new Error(`GET ${path}: no Bundle.total in ${answer.text.slice(0, 300)}`);
    return t;
  }

  async function counts(w: Write): Promise<readonly number[]> {
    return [await total('/_history?_count=1'), await total(`/${w.type}?_summary=count`), w.id === undefined ? 0 : await total(`/${w.type}/${w.id}/_history?_count=1`)];
  }

  it('POST and PUT of mutated resources: never a 5xx, and a refused write stores nothing', async () => {
    await check(
      fc.asyncProperty(write, async (w) => {
        const before = await counts(w);
        const answer = await send(base, w.req);
        const after = await counts(w);
        if (answer.status >= 400) {
          ensure(after.every((n, i) => n === before[i]), w.req, answer, `refused with ${answer.status}, yet stored: [system history, ${w.type} count, instance history] ${before.join(',')} -> ${after.join(',')}`);
        } else {
          ensure((answer.json as { resourceType?: unknown } | undefined)?.resourceType === w.type, w.req, answer, `accepted, but the answer is not a ${w.type}`);
          ensure(after[0] >= before[0], w.req, answer, 'accepted, and the system history shrank');
        }
      }),
      CASES.writes,
    );
  }, timeoutFor(CASES.writes));

});
