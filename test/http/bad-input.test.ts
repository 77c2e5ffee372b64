/**
 * Bad input the server must survive: each case gets the right 4xx answer (an OperationOutcome, never a 5xx,
 * never an echo of injected text), nothing is stored, and afterwards the server still answers
 * `GET /metadata`. Raw sockets send what `fetch` will not: oversized and slow headers, bare CR/LF, request
 * smuggling, bodies without a Content-Type.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://owasp.org/www-community/attacks/
 */
import type { CapabilityStatement, CodeSystem, OperationOutcome } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectBundle, expectOutcome, expectServerAlive, fhirHttp, toResult, type HttpResult } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { canonicalQuery, templateResource } from '../helpers/resources.ts';
import { useTestServer, TEST_WRITE_TOKEN } from '../helpers/server.ts';

const server = useTestServer();
const api = fhirHttp(() => server.base);
let hostHeader: string;

beforeAll(async () => {
  hostHeader = new URL(server.base).host;
});

afterEach(async () => {
  await expectServerAlive(api);
});

const AUTH = `Bearer ${TEST_WRITE_TOKEN}`;

/** A 4xx that is not a server failure: an OperationOutcome with one of these statuses. */
function expectClientError(res: HttpResult, statuses: readonly number[]): OperationOutcome {
  expect(statuses, `${res.status} ${res.text.slice(0, 300)}`).toContain(res.status);
  return expectOutcome(res, res.status);
}

/** Asserts a raw answer is a FHIR OperationOutcome with this status. */
function expectRawOutcome(res: { status: number; headers: Readonly<Record<string, string>>; body: string }, status: number): OperationOutcome {
  expect(res.status, res.body.slice(0, 300)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  const outcome = JSON.parse(res.body) as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome;
}

async function codeSystemCount(): Promise<number> {
  return expectBundle(await api.get('/CodeSystem?_summary=count')).total as number;
}

describe('ids and paths', () => {
  it.each([
    ['an encoded slash', '/CodeSystem/a%2Fb'],
    ['an encoded traversal', '/CodeSystem/..%2F..%2Fetc%2Fpasswd'],
    ['an encoded traversal before _history', '/CodeSystem/..%2F..%2Fetc%2Fpasswd/_history/1'],
    ['a NUL byte', '/CodeSystem/abc%00'],
    ['a NUL byte alone', '/CodeSystem/%00'],
    ['a 65-character id', `/CodeSystem/${'a'.repeat(65)}`],
    ['a space', '/CodeSystem/a%20b'],
    ['non-ASCII letters', '/CodeSystem/%C3%A9t%C3%A9'],
    ['an underscore', '/CodeSystem/a_b'],
  ])('a read with %s in the id is a 400', async (_label, path) => {
    expectClientError(await api.get(path), [400]);
  });

  it.each([
    ['an encoded slash', '/CodeSystem/a%2Fb'],
    ['a NUL byte', '/CodeSystem/abc%00'],
    ['a 65-character id', `/CodeSystem/${'b'.repeat(65)}`],
  ])('an update with %s in the id is a 400 and stores nothing', async (_label, path) => {
    const before = await codeSystemCount();
    expectClientError(await api.put(path, { ...templateResource('CodeSystem'), id: decodeURIComponent(path.split('/')[2]) }), [400]);
    expect(await codeSystemCount()).toBe(before);
  });

  it.each(['/CodeSystem/%E0%A4%A', '/CodeSystem/%zz', '/%E0%A4%A/x', '/CodeSystem/%'])('bad percent-encoding %s is a 400', async (path) => {
    expectClientError(await api.get(path), [400]);
  });

  it('bad percent-encoding in a query value is answered without a 5xx', async () => {
    const res = await api.get('/CodeSystem?name=%E0%A4%A');
    expect([200, 400]).toContain(res.status);
    if (res.status === 400) expectOutcome(res, 400);
    else expect(expectBundle(res).total).toBe(0);
  });

  it.each(['/codesystem/liver-cryoablation', '/CODESYSTEM', '/CodeSystem/liver-cryoablation/_HISTORY', '/Codesystem/_search'])(
    'a wrong-case path %s is a 404',
    async (path) => {
      expectClientError(await api.get(path), [404]);
    },
  );

  it('dot segments sent raw do not escape the base', async () => {
    const res = await rawRequest(server.base, `GET /fhir/CodeSystem/../../../etc/passwd HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`);
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toContain('root:');
    expectRawOutcome(res, res.status);
  });
});

describe('injection strings in search values', () => {
  const attacks = [
    "' OR 1=1--",
    '<script>alert(1)</script>',
    '"; DROP TABLE resource_version; --',
    '../../etc/passwd',
    '${jndi:ldap://x.example/a}',
    '{{7*7}}',
  ];

  it.each(attacks)('string, token and uri parameters answer an empty Bundle without echoing %j', async (attack) => {
    const before = await codeSystemCount();
    for (const param of ['name', 'name:contains', 'title:exact', 'status', 'url', 'identifier', 'version', 'publisher']) {
      const res = await api.get(`/CodeSystem?${param}=${encodeURIComponent(attack)}`);
      const bundle = expectBundle(res);
      expect(bundle.total, param).toBe(0);
      expect(res.text, param).not.toContain(attack);
    }
    expect(await codeSystemCount()).toBe(before);
  });

  it.each(attacks)('reference parameters answer an empty Bundle without echoing %j', async (attack) => {
    const res = await api.get(`/PlanDefinition?definition=${encodeURIComponent(attack)}`);
    expect(expectBundle(res).total).toBe(0);
    expect(res.text).not.toContain(attack);
  });

  it.each(attacks)('POST _search answers an empty Bundle without echoing %j', async (attack) => {
    const res = await api.request('POST', '/CodeSystem/_search', {
      body: `name=${encodeURIComponent(attack)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(expectBundle(res).total).toBe(0);
    expect(res.text).not.toContain(attack);
  });

  it.each(attacks)('errors caused by %j do not echo it', async (attack) => {
    const value = encodeURIComponent(attack);
    const echoed: string[] = [];
    for (const path of [
      `/CodeSystem?date=${value}`,
      `/CodeSystem?_count=${value}`,
      `/CodeSystem?_sort=${value}`,
      `/CodeSystem?_summary=${value}`,
      `/CodeSystem?_total=${value}`,
      `/CodeSystem?name:${value}=x`,
      `/CodeSystem?_include=${value}`,
      `/CodeSystem?_format=${value}`,
      `/CodeSystem/${value}`,
      `/${value}`,
    ]) {
      const res = await api.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      if (res.text.includes(attack)) echoed.push(path);
    }
    expect(echoed, 'error answers that echo the injected text').toEqual([]);
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'a query parameter named %s is ignored or refused, never a 5xx',
    async (name) => {
      const failures: string[] = [];
      for (const path of [`/CodeSystem?${name}=1`, `/CodeSystem?${name}=1&${name}=2`, `/?${name}=1`, `/_history?${name}=1`, `/metadata?${name}=1`, `/$versions?${name}=1`, `/CodeSystem/liver-cryoablation?${name}=1`]) {
        const res = await api.get(path);
        if (res.status >= 500) failures.push(`${path} → ${res.status}`);
      }
      expect(failures).toEqual([]);
    },
  );

  it('unusual but valid characters in values are searched, not refused', async () => {
    for (const value of ['😀', '\u202e', 'a\\,b', 'ü', '%', '&', '#']) {
      const res = await api.get(`/CodeSystem?name=${encodeURIComponent(value)}`);
      expect(expectBundle(res).total, value).toBe(0);
    }
  });

  it('ten thousand query parameters are refused or processed, not a 5xx', async () => {
    const query = Array.from({ length: 10_000 }, (_, i) => `nonsense${i}=x`).join('&');
    const res = await api.get(`/CodeSystem?${query}`);
    expect(res.status).toBeLessThan(500);
  });
});

describe('request bodies', () => {
  const write = (body: string | Blob, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.base}/CodeSystem`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/fhir+json', ...headers },
      body,
    });

  it.each([
    ['an empty body', ''],
    ['malformed JSON', '{"resourceType": "CodeSystem",'],
    ['a JSON array', '[{"resourceType":"CodeSystem"}]'],
    ['a JSON number', '42'],
    ['a JSON string', '"CodeSystem"'],
    ['JSON null', 'null'],
    ['JSON true', 'true'],
    ['an empty object', '{}'],
    ['a wrong resourceType', '{"resourceType":"Patient"}'],
    ['a non-string resourceType', '{"resourceType":7}'],
    ['trailing garbage', '{"resourceType":"CodeSystem","status":"draft","content":"complete"} x'],
  ])('%s is a 400 and stores nothing', async (_label, body) => {
    const before = await codeSystemCount();
    const res = await toResult(await write(body));
    expectClientError(res, [400]);
    expect(await codeSystemCount()).toBe(before);
  });

  it.each(['text/plain', 'application/xml', 'application/fhir+xml', 'multipart/form-data; boundary=x'])(
    'Content-Type %s on a write is a 415',
    async (contentType) => {
      const res = await toResult(await write(JSON.stringify(templateResource('CodeSystem')), { 'content-type': contentType }));
      expectClientError(res, [415]);
    },
  );

  it.each(['iso-8859-1', 'utf-16', 'windows-1252'])('charset=%s is a 415 and stores nothing', async (charset) => {
    const resource = templateResource('CodeSystem');
    const res = await toResult(await write(JSON.stringify(resource), { 'content-type': `application/fhir+json; charset=${charset}` }));
    expectClientError(res, [415]);
    expect(expectBundle(await api.get(`/CodeSystem?${canonicalQuery(resource)}`)).total).toBe(0);
  });

  it('charset=utf-8 (any case, quoted) is accepted', async () => {
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"']) {
      const res = await write(JSON.stringify(templateResource('CodeSystem')), { 'content-type': `application/fhir+json; charset=${charset}` });
      expect(res.status, charset).toBe(201);
      await res.text();
    }
  });

  it('a body that is not valid UTF-8 is a 400', async () => {
    const bytes = new Uint8Array([...Buffer.from('{"resourceType":"CodeSystem","name":"'), 0xff, 0xfe, ...Buffer.from('"}')]);
    expectClientError(await toResult(await write(new Blob([bytes]))), [400]);
  });

  it('a write without a Content-Type is a 415 (raw request)', async () => {
    const body = JSON.stringify(templateResource('CodeSystem'));
    const res = await rawRequest(
      server.base,
      `POST /fhir/CodeSystem HTTP/1.1\r\nHost: ${hostHeader}\r\nAuthorization: ${AUTH}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expectRawOutcome(res, 415);
  });

  it('a 12 MB body is a 413 too-costly, with or without a Content-Length', async () => {
    const big = JSON.stringify({ ...templateResource('CodeSystem'), description: 'x'.repeat(12 * 1024 * 1024) });
    const declared = await toResult(await write(big));
    expect(expectClientError(declared, [413]).issue?.[0].code).toBe('too-costly');
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = Buffer.from(big);
        for (let i = 0; i < bytes.length; i += 1024 * 1024) controller.enqueue(bytes.subarray(i, i + 1024 * 1024));
        controller.close();
      },
    });
    const streamed = await toResult(
      await fetch(`${server.base}/CodeSystem`, {
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/fhir+json' },
        body: chunks,
        duplex: 'half',
      } as RequestInit & { duplex: 'half' }),
    );
    expect(expectClientError(streamed, [413]).issue?.[0].code).toBe('too-costly');
  });

  it('50,000-deep nesting is a 400', async () => {
    const depth = 50_000;
    const body = `{"resourceType":"CodeSystem","status":"draft","content":"complete","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    expectClientError(await toResult(await write(body)), [400]);
    const objects = `{"resourceType":"CodeSystem","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    expectClientError(await toResult(await write(objects)), [400]);
  });

  it('a 200,000-element array is a 413 and the server keeps answering', async () => {
    const concept = Array.from({ length: 200_000 }, (_, i) => `{"code":"c${i}"}`).join(',');
    const body = `{"resourceType":"CodeSystem","status":"draft","content":"complete","concept":[${concept}]}`;
    expectClientError(await toResult(await write(body)), [413]);
    const numbers = `{"resourceType":"CodeSystem","x":[${Array.from({ length: 200_000 }, () => '0').join(',')}]}`;
    expectClientError(await toResult(await write(numbers)), [413]);
  });

  it.each([
    ['__proto__', '{"__proto__":{"polluted":"yes"},'],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":"yes"}},'],
    ['toString', '{"toString":"x",'],
    ['hasOwnProperty', '{"hasOwnProperty":1,'],
  ])('a body with a "%s" member pollutes nothing and is refused as an unknown element (400/422)', async (_label, prefix) => {
    const resource = templateResource('CodeSystem');
    const res = await toResult(await write(JSON.stringify(resource).replace(/^\{/, prefix)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expectClientError(res, [400, 422]);
    expect(expectBundle(await api.get(`/CodeSystem?${canonicalQuery(resource)}`)).total).toBe(0);
  });

  it('a POST _search body that is not a form is a 415', async () => {
    const res = await api.request('POST', '/CodeSystem/_search', { body: 'name=x', headers: { 'content-type': 'text/plain' } });
    expectClientError(res, [415]);
  });
});

describe('raw HTTP abuse', () => {
  it('oversized headers are a 431 with an OperationOutcome body', async () => {
    const res = await rawRequest(server.base, `GET /fhir/metadata HTTP/1.1\r\nHost: ${hostHeader}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const outcome = expectRawOutcome(res, 431);
    expect(outcome.issue?.[0].code).toBe('too-costly');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a 100 kB URL is refused with a 4xx OperationOutcome', async () => {
    const res = await rawRequest(server.base, `GET /fhir/CodeSystem?name=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
    expect([414, 431]).toContain(res.status);
    expectRawOutcome(res, res.status);
  });

  it('a client sending its headers slowly does not hold up other clients, and is answered when done', async () => {
    const pieces = [
      `GET /fhir/metadata HTTP/1.1\r\nHost: ${hostHeader}\r\n`,
      'X-Slow-1: a\r\n',
      'X-Slow-2: b\r\n',
      'X-Slow-3: c\r\n',
      'X-Slow-4: d\r\n',
      'Connection: close\r\n\r\n',
    ];
    const othersServed: number[] = [];
    const res = await rawRequest(server.base, pieces, {
      pieces: {
        delayMs: 150,
        onPiece: async (index) => {
          if (index > 0 && index < pieces.length - 1) othersServed.push((await api.get('/CodeSystem/liver-cryoablation')).status);
        },
      },
    });
    expect(othersServed).toEqual([200, 200, 200, 200]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).resourceType).toBe('CapabilityStatement');
  });

  it('a bare CR inside a header value is a 400, and nothing is injected into the answer', async () => {
    const res = await rawRequest(server.base, `GET /fhir/metadata HTTP/1.1\r\nHost: ${hostHeader}\r\nX-Request-Id: abc\rSet-Cookie: injected=1\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.headers['set-cookie']).toBeUndefined();
    expectRawOutcome(res, 400);
  });

  it('a bare LF inside a header value injects nothing into the answer', async () => {
    const res = await rawRequest(server.base, `GET /fhir/metadata HTTP/1.1\r\nHost: ${hostHeader}\r\nX-Request-Id: abc\nSet-Cookie: injected=1\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.raw).not.toMatch(/\r\nset-cookie:/i);
  });

  it('CRLF encoded in an id, a _format value or an X-Request-Id never reaches a response header', async () => {
    for (const path of ['/CodeSystem/x%0D%0ASet-Cookie:%20injected=1', '/CodeSystem?_format=json%0D%0ASet-Cookie:%20injected=1', '/x%0D%0ASet-Cookie:%20a=1']) {
      const res = await api.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('set-cookie'), path).toBeNull();
    }
    const echoed = await api.get('/metadata', { 'x-request-id': 'abc%0D%0ASet-Cookie:%20injected=1' });
    expect(echoed.headers.get('set-cookie')).toBeNull();
    expect(echoed.headers.get('x-request-id')).not.toContain('%0D');
  });

  it('Content-Length together with Transfer-Encoding (request smuggling) is refused with a 400', async () => {
    const res = await rawRequest(
      server.base,
      `POST /fhir/CodeSystem/_search HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /fhir/CodeSystem/liver-cryoablation HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`,
    );
    expect(res.status).toBe(400);
    expect(res.raw.match(/HTTP\/1\.1 \d{3}/g)?.length ?? 0).toBe(1);
  });

  it('an unknown HTTP method is refused with a 4xx', async () => {
    const res = await rawRequest(server.base, `BREW /fhir/metadata HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('garbage instead of a request line is a 400', async () => {
    const res = await rawRequest(server.base, '\u0000\u0001\u0002 not http at all\r\n\r\n');
    expectRawOutcome(res, 400);
  });
});

describe('operation parameters', () => {
  it('a single-valued operation parameter given twice is a 400 (GET and POST), once the operation is declared', async ({ skip }) => {
    const cs = (await api.get('/metadata')).json<CapabilityStatement>();
    const declared = (cs.rest?.[0].resource ?? []).find((r) => r.type === 'CodeSystem')?.operation?.some((o) => o.name === 'validate');
    if (!declared) skip();
    const get = await api.get('/CodeSystem/liver-cryoablation/$validate?mode=update&mode=delete');
    expect(JSON.stringify(expectClientError(get, [400]))).toContain('mode');
    const post = await api.post('/CodeSystem/liver-cryoablation/$validate', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'mode', valueCode: 'update' },
        { name: 'mode', valueCode: 'delete' },
      ],
    });
    expect(JSON.stringify(expectClientError(post, [400]))).toContain('mode');
  });

  it('an operation POST whose body is not a Parameters resource is a 400 saying so', async () => {
    const res = await api.request('POST', '/$versions', { body: { system: 'http://www.ama-assn.org/go/cpt', code: '47383' } });
    expect(expectClientError(res, [400]).issue?.[0].details?.text).toMatch(/Parameters/);
  });
});

describe('search control values', () => {
  it.each(['_count=-1', '_count=abc', '_count=99999999999', '_offset=-5', '_sort=', '_summary=maybe', '_elements=a.b', '_total=some'])(
    '%s is a 400',
    async (query) => {
      const res = await api.get(`/CodeSystem?${query}`);
      if (query === '_sort=') expect(res.status).toBeLessThan(500);
      else expectClientError(res, [400]);
    },
  );

  it('_count=1000000 is capped (not refused), with a next link when there is more', async () => {
    const bundle = expectBundle(await api.get('/CodeSystem?_count=1000000'));
    expect((bundle.entry ?? []).length).toBeLessThanOrEqual(1000);
    const first = bundle.link?.find((l) => l.relation === 'first')?.url as string;
    expect(new URL(first).searchParams.get('_count')).toBe('1000');
  });

  it('an unknown parameter with handling=strict is a 400; lenient ignores it', async () => {
    expectClientError(await api.get('/CodeSystem?bogus-param=1', { prefer: 'handling=strict' }), [400]);
    expect((await api.get('/CodeSystem?bogus-param=1', { prefer: 'handling=lenient' })).status).toBe(200);
  });

  it('a parameter repeated with conflicting values is answered without a 5xx', async () => {
    const res = await api.get('/CodeSystem?_summary=true&_summary=false');
    expectClientError(res, [400]);
  });
});

describe('reads after abuse still return intact content', () => {
  it('the project CodeSystem reads back as loaded', async () => {
    const cs = (await api.get('/CodeSystem/liver-cryoablation')).json<CodeSystem>();
    expect(cs.url).toBe('https://example.org/fhir/liver-cryoablation/CodeSystem/liver-cryoablation');
  });
});
