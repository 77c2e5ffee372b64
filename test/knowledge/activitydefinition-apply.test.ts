/**
 * ActivityDefinition $apply: each supported kind becomes its request resource with code, subject, status,
 * intent, timing, performer type, location, body site, quantity, product and evaluated dynamic values.
 * Expected values are read from the fixtures.
 */
import type {
  ActivityDefinition,
  CommunicationRequest,
  DeviceRequest,
  MedicationRequest,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { applyActivityDefinition } from '../../src/knowledge/activitydefinition-apply.ts';
import type { ApplyInput } from '../../src/knowledge/apply-input.ts';
import { syncFailure } from '../helpers/failure.ts';
import { applyOptions, dataBundle, fixture } from './fixtures.ts';

const NOW = applyOptions().now;

function apply<T extends Resource>(name: string, input: Partial<ApplyInput> = {}): { ad: ActivityDefinition; request: T } {
  const ad = fixture<ActivityDefinition>(`ActivityDefinition-${name}`);
  return { ad, request: applyActivityDefinition(ad, { subject: 'Patient/p1', data: dataBundle('anticoagulant'), ...input }, applyOptions()) as T };
}

describe('ActivityDefinition $apply', () => {
  it('ServiceRequest: code, intent, priority, subject, timing, performer type, location, quantity, body site, dynamic value', () => {
    const { ad, request } = apply<ServiceRequest>('fixture-service', { practitioner: 'Practitioner/dr-1', encounter: 'Encounter/e1' });
    expect(request.resourceType).toBe('ServiceRequest');
    expect(request.status).toBe('draft');
    expect(request.intent).toBe(ad.intent);
    expect(request.priority).toBe(ad.priority);
    expect(request.doNotPerform).toBe(ad.doNotPerform);
    expect(request.code).toEqual(ad.code);
    expect(request.subject).toEqual({ reference: 'Patient/p1' });
    expect(request.encounter).toEqual({ reference: 'Encounter/e1' });
    expect(request.requester).toEqual({ reference: 'Practitioner/dr-1' });
    expect(request.authoredOn).toBe(NOW);
    expect(request.occurrenceTiming).toEqual(ad.timingTiming);
    expect(request.performerType).toEqual(ad.participant?.[0]?.role);
    expect(request.locationReference).toEqual([ad.location]);
    expect(request.quantityQuantity).toEqual(ad.quantity);
    expect(request.bodySite).toEqual(ad.bodySite);
    expect(request.instantiatesCanonical).toEqual([`${ad.url}|${ad.version}`]);
    expect(request.patientInstruction).toBe('Instruction for Ada');
  });

  it('CommunicationRequest: category from code, the patient as recipient, occurrence period, payload from a dynamic value', () => {
    const { ad, request } = apply<CommunicationRequest>('fixture-communication');
    expect(request.resourceType).toBe('CommunicationRequest');
    expect(request.category).toEqual([ad.code]);
    expect(request.recipient).toEqual([{ reference: 'Patient/p1' }]);
    expect(request.occurrencePeriod).toEqual(ad.timingPeriod);
    expect(request.payload).toEqual([{ contentString: 'Please read the leaflet.' }]);
    expect(request.extension).toContainEqual({ url: 'http://hl7.org/fhir/StructureDefinition/workflow-instantiatesCanonical', valueCanonical: `${ad.url}|${ad.version}` });
  });

  it('Task: code, description, every performer type, execution period, the subject as focus of the work', () => {
    const { ad, request } = apply<Task>('fixture-task');
    expect(request.resourceType).toBe('Task');
    expect(request.code).toEqual(ad.code);
    expect(request.description).toBe(ad.description);
    expect(request.performerType).toEqual(ad.participant?.map((p) => p.role));
    expect(request.executionPeriod).toEqual(ad.timingPeriod);
    expect(request.for).toEqual({ reference: 'Patient/p1' });
    expect(request.instantiatesCanonical).toBe(`${ad.url}|${ad.version}`);
  });

  it('MedicationRequest: medication from the product, dosage, dispense quantity', () => {
    const { ad, request } = apply<MedicationRequest>('fixture-medication');
    expect(request.resourceType).toBe('MedicationRequest');
    expect(request.medicationCodeableConcept).toEqual(ad.productCodeableConcept);
    expect(request.dosageInstruction).toEqual(ad.dosage);
    expect(request.dispenseRequest?.quantity).toEqual(ad.quantity);
  });

  it('DeviceRequest: the code as the device, occurrence dateTime', () => {
    const { ad, request } = apply<DeviceRequest>('fixture-device');
    expect(request.resourceType).toBe('DeviceRequest');
    expect(request.codeCodeableConcept).toEqual(ad.code);
    expect(request.occurrenceDateTime).toBe(ad.timingDateTime);
  });

  it('shares no object with the (frozen) definition', () => {
    const { ad, request } = apply<ServiceRequest>('fixture-service');
    expect(request.code).not.toBe(ad.code);
    expect(Object.isFrozen(request.code)).toBe(false);
  });

  it('refuses a kind it cannot produce with a 422 listing the supported kinds', () => {
    const { status, outcome } = syncFailure(() => apply('fixture-unsupported'));
    expect(status).toBe(422);
    expect(outcome.issue?.[0]?.details?.text).toMatch(/Appointment.*ServiceRequest/);
  });

  it('refuses a dynamic value whose path names a choice element without its type, naming the path', () => {
    const { status, outcome } = syncFailure(() => apply('fixture-bad-path'));
    expect(status).toBe(422);
    expect(outcome.issue?.[0]?.details?.text).toMatch(/"occurrence".*occurrenceDateTime/);
    expect(outcome.issue?.[0]?.expression).toEqual(['ActivityDefinition.dynamicValue[0].expression']);
  });
});
