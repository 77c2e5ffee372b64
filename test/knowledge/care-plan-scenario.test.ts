/**
 * The care-plan engine scenario, end to end with real clients (fhir-kit-client 2.0.3 and MedplumClient)
 * against the running server and the project content: a patient with an active anticoagulant order gets the
 * specific anticoagulant review beside the medication review every patient gets, a patient with only an unrelated medication does not; the preparation steps come back
 * before the start of the procedure with their texts and participants; the procedure request carries CPT
 * 47383 and the 1–2 hour duration; the anesthesia and guidance choices are exactly-one groups. Expected
 * values are read from the content files.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 */
import { MedplumClient } from '@medplum/core';
import type {
  ActivityDefinition,
  Bundle,
  CarePlan,
  MedicationRequest,
  Parameters,
  Patient,
  PlanDefinition,
  PlanDefinitionAction,
  RequestGroup,
  RequestGroupAction,
  Resource,
  ServiceRequest,
  ValueSet,
} from '@medplum/fhirtypes';
import { Client, type FhirResource } from 'fhir-kit-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidator } from '../../src/validation/validator.ts';
import { contentResources } from '../helpers/fixtures.ts';
import { useTestServer } from '../helpers/server.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';

const content = contentResources();
const protocol = content.find((r) => r.resourceType === 'PlanDefinition' && r.id === 'liver-tumor-cryoablation') as PlanDefinition & { id: string };
const bloodThinners = content.find((r) => r.resourceType === 'ValueSet' && r.id === 'anticoagulants') as ValueSet;
const procedureDefinition = content.find((r) => r.resourceType === 'ActivityDefinition' && r.id === 'liver-tumor-cryoablation') as ActivityDefinition;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const anticoagulant = bloodThinners.compose?.include.find((i) => i.system === RXNORM)?.concept?.find((c) => /warfarin/.test(c.display ?? '')) as { code: string };
/** An RxNorm code the blood-thinner ValueSet does not hold (checked below). */
const UNRELATED_CODE = '197361';

function planAction(id: string, actions: readonly PlanDefinitionAction[] = protocol.action ?? []): PlanDefinitionAction | undefined {
  for (const action of actions) {
    if (action.id === id) return action;
    const nested = planAction(id, action.action ?? []);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

function patientData(patientId: string, code: string): Bundle {
  const patient: Patient = { resourceType: 'Patient', id: patientId, name: [{ given: ['Test'], family: patientId }] };
  const order: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: `${patientId}-order`,
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { coding: [{ system: RXNORM, code }] },
  };
  return { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient }, { resource: order }] };
}

function applyParameters(patientId: string, code: string): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'subject', valueReference: { reference: `Patient/${patientId}` } },
      { name: 'data', resource: patientData(patientId, code) },
    ],
  };
}

function requestGroupOf(carePlan: CarePlan): RequestGroup {
  return carePlan.contained?.find((r) => `#${r.id}` === carePlan.activity?.[0]?.reference?.reference) as RequestGroup;
}

function flatten(actions: readonly RequestGroupAction[] | undefined): RequestGroupAction[] {
  return (actions ?? []).flatMap((a) => [a, ...flatten(a.action)]);
}

function containedAt<T extends Resource>(carePlan: CarePlan, reference: string | undefined): T {
  return carePlan.contained?.find((r) => `#${r.id}` === reference) as T;
}

const server = useTestServer();
let kit: Client;
let medplum: MedplumClient;
let withAnticoagulant: CarePlan;
let withoutAnticoagulant: CarePlan;

beforeAll(async () => {
  kit = new Client({ baseUrl: server.base });
  medplum = new MedplumClient({ baseUrl: `${new URL(server.base).origin}/`, fhirUrlPath: 'fhir', fetch: globalThis.fetch, cacheTime: 0 });
  withAnticoagulant = (await kit.operation({
    name: 'apply',
    resourceType: 'PlanDefinition',
    id: protocol.id,
    input: applyParameters('anticoagulated', anticoagulant.code) as unknown as FhirResource,
  })) as unknown as CarePlan;
  withoutAnticoagulant = (await medplum.post(medplum.fhirUrl('PlanDefinition', protocol.id, '$apply'), applyParameters('unrelated', UNRELATED_CODE))) as CarePlan;
});

describe('the care-plan engine pulls the cryoablation protocol', () => {
  it('the fixture medications are what they claim: one in the blood-thinner ValueSet, one not', () => {
    // The first warfarin concept of the value set: RxNorm 855288, warfarin sodium 1 MG Oral Tablet.
    expect(anticoagulant?.code).toBe('855288');
    expect(bloodThinners.compose?.include.flatMap((i) => i.concept ?? []).map((c) => c.code)).not.toContain(UNRELATED_CODE);
  });

  it('gets a CarePlan for the patient that instantiates the protocol and references a RequestGroup', () => {
    for (const [carePlan, patient] of [
      [withAnticoagulant, 'anticoagulated'],
      [withoutAnticoagulant, 'unrelated'],
    ] as const) {
      expect(carePlan.resourceType).toBe('CarePlan');
      expect(carePlan.instantiatesCanonical).toEqual([`${protocol.url}|${protocol.version}`]);
      expect(carePlan.subject).toEqual({ reference: `Patient/${patient}` });
      expect(carePlan.intent).toBe('proposal');
      expect(requestGroupOf(carePlan).resourceType).toBe('RequestGroup');
    }
  });

  it('both patients get the medication review; the one with an active anticoagulant order also gets the specific anticoagulant review', () => {
    const review = planAction('blood-thinner-review')?.title as string;
    const specific = planAction('anticoagulant-found')?.title as string;
    const withTitles = flatten(requestGroupOf(withAnticoagulant).action).map((a) => a.title);
    const withoutTitles = flatten(requestGroupOf(withoutAnticoagulant).action).map((a) => a.title);
    expect(withTitles).toContain(review);
    expect(withoutTitles).toContain(review);
    expect(withTitles).toContain(specific);
    expect(withoutTitles).not.toContain(specific);
  });

  it('the preparation steps come back before the start of the procedure, with their texts and participants', () => {
    const preparation = requestGroupOf(withAnticoagulant).action?.find((a) => a.id === 'preparation');
    const expected = planAction('preparation')?.action ?? [];
    expect(preparation?.action?.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    for (const step of preparation?.action ?? []) {
      const source = planAction(step.id as string) as PlanDefinitionAction;
      expect(step.title).toBe(source.title);
      expect(step.description).toBe(source.description);
      expect(step.relatedAction).toContainEqual({ actionId: 'procedure', relationship: 'before-start' });
      // An action whose specific review applied is a group: its first sub-action carries the request.
      expect(step.resource?.reference ?? step.action?.[0]?.resource?.reference).toMatch(/^#/);
      if (source.participant?.some((p) => p.type === 'patient')) expect(step.participant).toContainEqual({ reference: 'Patient/anticoagulated' });
    }
    const fasting = containedAt<Resource & { payload?: { contentString?: string }[] }>(withAnticoagulant, preparation?.action?.[0]?.resource?.reference);
    expect(fasting.resourceType).toBe('CommunicationRequest');
    expect(fasting.payload?.[0]?.contentString).toBe(planAction('fasting')?.description);
  });

  it('the preparation in the CarePlan points at the pre-procedure checklist Questionnaire, which the server serves', async () => {
    const preparation = requestGroupOf(withoutAnticoagulant).action?.find((a) => a.id === 'preparation');
    const url = preparation?.documentation?.[0]?.resource as string;
    expect(url).toMatch(/\/Questionnaire\/pre-procedure-checklist$/);
    const found = (await kit.search({ resourceType: 'Questionnaire', searchParams: { url } })) as unknown as Bundle;
    expect(found.entry?.map((e) => (e.resource as Resource).id)).toEqual(['pre-procedure-checklist']);
  });

  it('the procedure request carries CPT 47383 and the 1 to 2 hour duration', () => {
    const procedure = flatten(requestGroupOf(withAnticoagulant).action).find((a) => a.id === 'procedure-definition');
    const request = containedAt<ServiceRequest>(withAnticoagulant, procedure?.resource?.reference);
    expect(request.resourceType).toBe('ServiceRequest');
    expect(request.code?.coding).toContainEqual(expect.objectContaining({ system: 'http://www.ama-assn.org/go/cpt', code: '47383' }));
    expect(request.occurrenceTiming?.repeat).toEqual({ duration: 1, durationMax: 2, durationUnit: 'h' });
    expect(request.occurrenceTiming).toEqual(procedureDefinition.timingTiming);
    expect(request.instantiatesCanonical).toEqual([`${procedureDefinition.url}|${procedureDefinition.version}`]);
  });

  it('the six procedure steps keep their prefixes and before-start chain; anesthesia and guidance are exactly-one choices', () => {
    const procedure = requestGroupOf(withAnticoagulant).action?.find((a) => a.id === 'procedure');
    const steps = procedure?.action?.filter((a) => a.prefix !== undefined) ?? [];
    expect(steps.map((s) => s.prefix)).toEqual(['1', '2', '3', '4', '5', '6']);
    for (const [i, step] of steps.slice(0, -1).entries()) expect(step.relatedAction).toEqual([{ actionId: steps[i + 1].id, relationship: 'before-start' }]);
    for (const id of ['step-2-anesthesia', 'step-3-cryoprobe-placement']) {
      const group = steps.find((s) => s.id === id);
      expect(group?.selectionBehavior, id).toBe('exactly-one');
      expect(group?.action?.map((a) => a.title)).toEqual(planAction(id)?.action?.map((a) => a.title));
      expect(group?.action).toHaveLength(2);
    }
  });

  it('the CarePlan is valid R4 (no validator errors)', () => {
    const validator = createValidator({ packageResources: content, bindingTerminology: createBindingTerminology() });
    const errors = validator.validate(withAnticoagulant).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    expect(errors).toEqual([]);
  });

  it("fhir-kit-client's GET operation with subject=Patient/123 works (no data: the medication review, no specific one)", async () => {
    // The exact call care-plan engines make; fhir-kit-client sends a GET for any method other than 'POST'.
    const method = 'get' as 'GET';
    const carePlan = (await kit.operation({ name: 'apply', resourceType: 'PlanDefinition', id: protocol.id, method, input: { subject: 'Patient/123' } })) as unknown as CarePlan;
    expect(carePlan.subject).toEqual({ reference: 'Patient/123' });
    const ids = flatten(requestGroupOf(carePlan).action).map((a) => a.id);
    expect(ids).toContain('blood-thinner-review');
    expect(ids).not.toContain('anticoagulant-found');
  });

  it('MedplumClient gets the Bundle form with resultType=Bundle', async () => {
    const url = medplum.fhirUrl('PlanDefinition', protocol.id, '$apply');
    url.searchParams.set('subject', 'Patient/123');
    url.searchParams.set('resultType', 'Bundle');
    const bundle = (await medplum.get(url)) as Bundle;
    expect(bundle.type).toBe('collection');
    expect(bundle.entry?.[0]?.resource?.resourceType).toBe('CarePlan');
    expect(bundle.entry?.[1]?.resource?.resourceType).toBe('RequestGroup');
  });

  it('fhir-kit-client applies one ActivityDefinition: the CPT 47383 ServiceRequest', async () => {
    const request = (await kit.operation({
      name: '$apply',
      resourceType: 'ActivityDefinition',
      id: procedureDefinition.id,
      method: 'GET',
      input: { subject: 'Patient/123' },
    })) as unknown as ServiceRequest;
    expect(request.resourceType).toBe('ServiceRequest');
    expect(request.code).toEqual(procedureDefinition.code);
    expect(request.subject).toEqual({ reference: 'Patient/123' });
  });
});

