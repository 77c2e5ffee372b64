/**
 * `Accept-Language` over HTTP as RFC 9110 §12.5.4 reads it. `fetch` (browsers, Node) sends `*` when the
 * caller sets nothing: `*` states no preference, so the answer must be the one given without the header.
 * Requests go on a raw socket so that "no header" really means none (fetch would add `*`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-accept-language
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Parameters, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-http.ts';
import { useTestServer } from '../helpers/server.ts';

const server = useTestServer();

const fixture = (name: string): unknown => JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/terminology', name), 'utf8'));

/** Sends `body` to `path` (POST) or GETs `path`, with exactly the given extra header lines. */
async function send(path: string, acceptLanguage: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const host = new URL(server.base).host;
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines = [
    `${body === undefined ? 'GET' : 'POST'} /fhir/${path} HTTP/1.1`,
    `Host: ${host}`,
    'Accept: application/fhir+json',
    'Connection: close',
    ...(acceptLanguage === undefined ? [] : [`Accept-Language: ${acceptLanguage}`]),
    ...(body === undefined ? [] : ['Content-Type: application/fhir+json', `Content-Length: ${Buffer.byteLength(payload)}`]),
  ];
  const res = await rawRequest(server.base, `${lines.join('\r\n')}\r\n\r\n${payload}`);
  return { status: res.status, json: JSON.parse(res.body) as Record<string, unknown> };
}

/** The expansion without what differs on every call (identifier, timestamp). */
function stable(vs: Record<string, unknown>): unknown {
  const expansion = { ...(vs.expansion as Record<string, unknown>) };
  delete expansion.identifier;
  delete expansion.timestamp;
  return { ...vs, expansion };
}

const expandLesions = (): Parameters => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'url', valueUri: 'https://example.org/fhir/liver-cryoablation/ValueSet/malignant-lesions' },
    { name: 'excludeNested', valueBoolean: true },
    { name: 'tx-resource', resource: fixture('CodeSystem-lesion-type.json') as ValueSet },
    { name: 'tx-resource', resource: fixture('ValueSet-malignant-lesions.json') as ValueSet },
  ],
});

const display = (vs: Record<string, unknown>, code: string): string | undefined =>
  (vs.expansion as ValueSet['expansion'])?.contains?.find((c) => c.code === code)?.display;

describe('Accept-Language: * (what fetch sends by default)', () => {
  it('answers a GET $expand exactly as without the header', async () => {
    const path = `ValueSet/$expand?url=${encodeURIComponent('https://example.org/fhir/liver-cryoablation/ValueSet/indications')}`;
    const none = await send(path, undefined);
    const star = await send(path, '*');
    expect(none.status).toBe(200);
    expect(star.status).toBe(200);
    expect(stable(star.json)).toEqual(stable(none.json));
    expect(JSON.stringify(star.json)).not.toContain('displayLanguage');
  });

  it('answers a POST $expand with designations exactly as without the header', async () => {
    const none = await send('ValueSet/$expand', undefined, expandLesions());
    const star = await send('ValueSet/$expand', '*', expandLesions());
    expect(none.status).toBe(200);
    expect(stable(star.json)).toEqual(stable(none.json));
    expect(display(star.json, 'hcc')).toBe('Hepatocellular carcinoma');
  });

  it('answers a $validate-code with a wrong display with the same message as without the header', async () => {
    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'url', valueUri: 'https://example.org/fhir/liver-cryoablation/ValueSet/malignant-lesions' },
        { name: 'system', valueUri: 'https://example.org/fhir/liver-cryoablation/CodeSystem/lesion-type' },
        { name: 'code', valueCode: 'hcc' },
        { name: 'display', valueString: 'Liver cancer' },
        { name: 'tx-resource', resource: fixture('CodeSystem-lesion-type.json') as ValueSet },
        { name: 'tx-resource', resource: fixture('ValueSet-malignant-lesions.json') as ValueSet },
      ],
    };
    const none = await send('ValueSet/$validate-code', undefined, body);
    const star = await send('ValueSet/$validate-code', '*', body);
    expect(none.status).toBe(200);
    expect(star.json).toEqual(none.json);
  });
});

describe('Accept-Language preferences', () => {
  it.each([
    ['de', 'Hepatozelluläres Karzinom'],
    ['de-CH', 'Hepatozelluläres Karzinom'],
    ['en;q=0.5, de', 'Hepatozelluläres Karzinom'],
    ['de;q=0.5, en', 'Hepatocellular carcinoma'],
    ['de;q=0, *', 'Hepatocellular carcinoma'],
    ['*, en;q=0', 'Hepatozelluläres Karzinom'],
  ])('%s: hcc is shown as %s', async (header, expected) => {
    const res = await send('ValueSet/$expand', header, expandLesions());
    expect(res.status).toBe(200);
    expect(display(res.json, 'hcc')).toBe(expected);
  });
});
