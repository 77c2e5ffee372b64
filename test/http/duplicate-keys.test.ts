/**
 * A body with a key repeated in one object is refused with a 400 naming the key and where it is (issue 12):
 * JSON.parse keeps the last one silently, so `"status":"retired","status":"draft"` was stored as draft.
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { checkJsonShape } from '../../src/http/body.ts';
import { TEST_WRITE_TOKEN, useTestServer } from '../helpers/server.ts';

const server = useTestServer();

describe('duplicate JSON keys', () => {
  it('refuses a write with a repeated key, naming it, and stores nothing', async () => {
    const body = '{"resourceType":"ValueSet","id":"dup-keys","url":"https://example.org/fhir/ValueSet/dup-keys","status":"retired","status":"draft"}';
    const res = await fetch(`${server.base}/ValueSet/dup-keys`, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${TEST_WRITE_TOKEN}` },
    });
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as OperationOutcome;
    expect(outcome.issue[0]?.details?.text).toContain('"status" appears twice');
    expect(outcome.issue[0]?.expression).toEqual(['status']);
    expect((await fetch(`${server.base}/ValueSet/dup-keys`)).status).toBe(404);
  });

  it('finds a repeat deep inside, in objects of any size, and accepts the same key in sibling objects', () => {
    expect(checkJsonShape('{"compose":{"include":[{"system":"a"},{"system":"b","system":"c"}]}}')?.path).toBe('compose.include[1].system');
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    expect(checkJsonShape(`${JSON.stringify(many).slice(0, -1)},"k7":1}`)?.kind).toBe('duplicate');
    expect(checkJsonShape('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(checkJsonShape('{"a":"x\\"a\\":","b":{"a":1}}')).toBeUndefined();
  });
});
