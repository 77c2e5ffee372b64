/**
 * `$subsumes` over HTTP on the project's own hierarchy (fhir-resources/CodeSystem-liver-cryoablation.json):
 * the HL7 terminology suite has no `$subsumes` tests, so these are ours.
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-subsumes.html
 */
import type { Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.ts';

const SYSTEM = 'https://example.org/fhir/liver-cryoablation/CodeSystem/liver-cryoablation';
const server = useTestServer({ env: { WRITE_TOKEN: '' } });

async function subsumes(query: string): Promise<{ status: number; body: Parameters & { issue?: unknown[] } }> {
  const res = await fetch(`${server.base}/CodeSystem/$subsumes?${query}`);
  return { status: res.status, body: (await res.json()) as Parameters };
}

function outcomeOf(body: Parameters): unknown {
  return body.parameter?.find((p) => p.name === 'outcome')?.valueCode;
}

describe('$subsumes on the project CodeSystem', () => {
  it.each([
    ['complication', 'bleeding', 'subsumes'],
    ['complication-rare', 'cryoshock', 'subsumes'],
    ['cryoshock', 'complication', 'subsumed-by'],
    ['bleeding', 'bleeding', 'equivalent'],
    ['complication-common', 'cryoshock', 'not-subsumed'],
    ['preparation-step', 'fasting', 'subsumes'],
    ['step', 'patient-positioning', 'subsumes'],
    ['alternative', 'complication', 'not-subsumed'],
  ])('%s vs %s: %s', async (a, b, expected) => {
    const { status, body } = await subsumes(`system=${encodeURIComponent(SYSTEM)}&codeA=${a}&codeB=${b}`);
    expect(status).toBe(200);
    expect(outcomeOf(body)).toBe(expected);
  });

  it('works at instance level and by POST with Codings', async () => {
    const instance = await fetch(`${server.base}/CodeSystem/liver-cryoablation/$subsumes?codeA=complication&codeB=bruising`);
    expect(outcomeOf((await instance.json()) as Parameters)).toBe('subsumes');
    const post = await fetch(`${server.base}/CodeSystem/$subsumes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'codingA', valueCoding: { system: SYSTEM, code: 'liver-dysfunction' } },
          { name: 'codingB', valueCoding: { system: SYSTEM, code: 'complication-rare' } },
        ],
      }),
    });
    expect(outcomeOf((await post.json()) as Parameters)).toBe('subsumed-by');
  });

  it('answers an unknown code with a 4xx OperationOutcome', async () => {
    const { status, body } = await subsumes(`system=${encodeURIComponent(SYSTEM)}&codeA=complication&codeB=frostbite`);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect((body as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });
});
