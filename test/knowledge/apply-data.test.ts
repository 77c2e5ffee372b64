/**
 * `$apply` with a data Bundle holding entries no condition can read: never a 5xx, and every entry left out or
 * unreadable is named in the CarePlan's notes (issue 12).
 *
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-plandefinition-apply.html
 */
import type { CarePlan } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { fhirHttp } from '../helpers/http.ts';
import { useTestServer } from '../helpers/server.ts';

const APPLY = '/PlanDefinition/liver-tumor-cryoablation/$apply';

const server = useTestServer();
const api = fhirHttp(() => server.base);

function applyWith(entry: unknown[]): Promise<{ status: number; text: string; json: <T>() => T }> {
  return api.post(APPLY, {
    resourceType: 'Parameters',
    parameter: [
      { name: 'subject', valueString: 'Patient/123' },
      { name: 'data', resource: { resourceType: 'Bundle', type: 'collection', entry } },
    ],
  });
}

const notes = (plan: CarePlan): string[] => (plan.note ?? []).map((n) => n.text ?? '');

describe('$apply data entries that are not readable resources', () => {
  it('answers a plan (not a 500) for an entry whose resource is null, and says it was left out', async () => {
    const res = await applyWith([{ resource: null }]);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const plan = res.json<CarePlan>();
    expect(plan.resourceType).toBe('CarePlan');
    expect(notes(plan)).toEqual(['Warning: data entry 0 has no resource and was left out']);
  });

  it('names each unreadable entry: a string, a resource without resourceType, a wrongly typed status', async () => {
    const res = await applyWith([
      'a string',
      { resource: { status: 'active' } },
      { resource: { resourceType: 'MedicationRequest', id: 'm1', status: 42, intent: 'order', subject: { reference: 'Patient/123' } } },
    ]);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const all = notes(res.json<CarePlan>());
    expect(all).toHaveLength(3);
    expect(all[0]).toContain('data entry 0 has no resource');
    expect(all[1]).toContain('data entry 1 is not a FHIR resource');
    expect(all[2]).toContain('data entry 2 (MedicationRequest/m1) is not valid FHIR R4');
    expect(all[2]).toContain('MedicationRequest.status');
  });

  it('adds no note when every entry is a valid resource', async () => {
    const res = await applyWith([{ resource: { resourceType: 'Patient', id: '123' } }]);
    expect(res.status).toBe(200);
    expect(res.json<CarePlan>().note).toBeUndefined();
  });

  it('caps the list of warnings, saying how many more there were', async () => {
    const res = await applyWith(Array.from({ length: 30 }, () => ({ resource: null })));
    expect(res.status).toBe(200);
    const all = notes(res.json<CarePlan>());
    expect(all).toHaveLength(21);
    expect(all[20]).toBe('Warning: 10 more data warnings not listed');
  });
});
