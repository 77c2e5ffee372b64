/**
 * PlanDefinition $apply: the CarePlan / RequestGroup shape and every PlanDefinition action element carried
 * into the RequestGroup (fixture PlanDefinition-fixture-elements). Expected values are read from the fixture.
 */
import type {
  ActivityDefinition,
  CarePlan,
  CommunicationRequest,
  DeviceRequest,
  Goal,
  MedicationRequest,
  PlanDefinition,
  PlanDefinitionAction,
  PractitionerRole,
  RelatedPerson,
  RequestGroup,
  RequestGroupAction,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyPlanDefinition } from '../../src/knowledge/plandefinition-apply.ts';
import { applyOptions, dataBundle, fixture } from './fixtures.ts';

const plan = fixture<PlanDefinition>('PlanDefinition-fixture-elements');
let carePlan: CarePlan;

function contained<T extends Resource>(reference: string | undefined): T {
  expect(reference, 'a local reference').toMatch(/^#/);
  expect(carePlan.contained?.map((r) => `#${r.id}`), 'the contained resources').toContain(reference);
  return carePlan.contained?.find((r) => `#${r.id}` === reference) as T;
}

function requestGroup(): RequestGroup {
  return contained<RequestGroup>(carePlan.activity?.[0]?.reference?.reference);
}

function findAction(actions: readonly RequestGroupAction[] | undefined, id: string): RequestGroupAction {
  for (const action of actions ?? []) {
    if (action.id === id) return action;
    const nested = action.action === undefined ? undefined : findAction(action.action, id);
    if (nested !== undefined) return nested;
  }
  return undefined as unknown as RequestGroupAction;
}

function planAction(id: string, actions: readonly PlanDefinitionAction[] | undefined = plan.action): PlanDefinitionAction {
  for (const action of actions ?? []) {
    if (action.id === id) return action;
    const nested = planAction(id, action.action ?? []);
    if (nested !== undefined) return nested;
  }
  return undefined as unknown as PlanDefinitionAction;
}

beforeAll(() => {
  carePlan = applyPlanDefinition(
    plan,
    { subject: 'Patient/p1', practitioner: 'Practitioner/dr-1', encounter: 'Encounter/e1', data: dataBundle('anticoagulant') },
    applyOptions(),
  );
});

describe('the CarePlan', () => {
  it('instantiates the PlanDefinition for the subject, as a proposal whose one activity is a RequestGroup', () => {
    expect(carePlan.resourceType).toBe('CarePlan');
    expect(carePlan.instantiatesCanonical).toEqual([`${plan.url}|${plan.version}`]);
    expect(carePlan.subject).toEqual({ reference: 'Patient/p1' });
    expect(carePlan.encounter).toEqual({ reference: 'Encounter/e1' });
    expect(carePlan.author).toEqual({ reference: 'Practitioner/dr-1' });
    expect(carePlan.intent).toBe('proposal');
    expect(carePlan.status).toBe('draft');
    expect(carePlan.title).toBe(plan.title);
    expect(carePlan.activity).toHaveLength(1);
    const rg = requestGroup();
    expect(rg.resourceType).toBe('RequestGroup');
    expect(rg.instantiatesCanonical).toEqual([`${plan.url}|${plan.version}`]);
    expect(rg.subject).toEqual({ reference: 'Patient/p1' });
    expect(rg.intent).toBe('proposal');
  });

  it('contains everything it references, and every contained resource has a unique id', () => {
    const ids = (carePlan.contained ?? []).map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const references = JSON.stringify(carePlan).match(/"reference":"#[^"]+"/g) ?? [];
    expect(references.length).toBeGreaterThan(0);
    for (const r of references) contained(r.slice('"reference":"'.length, -1));
  });

  it('keeps the plan goals as proposed Goals of the subject', () => {
    const goals = (carePlan.goal ?? []).map((g) => contained<Goal>(g.reference));
    expect(goals).toHaveLength(plan.goal?.length ?? 0);
    const [goal] = goals;
    const source = plan.goal?.[0];
    expect(goal.lifecycleStatus).toBe('proposed');
    expect(goal.description).toEqual(source?.description);
    expect(goal.priority).toEqual(source?.priority);
    expect(goal.subject).toEqual({ reference: 'Patient/p1' });
    expect(goal.target?.[0]?.measure).toEqual(source?.target?.[0]?.measure);
    expect(goal.target?.[0]?.detailQuantity).toEqual(source?.target?.[0]?.detailQuantity);
    expect(goal.target?.[0]?.dueDuration).toEqual(source?.target?.[0]?.due);
    expect(goal.note?.map((n) => n.text).join(' ')).toContain(source?.addresses?.[0]?.text);
  });

  it('is transient: it has no server-assigned id', () => {
    expect(carePlan.id).toBeUndefined();
  });
});

describe('RequestGroup actions', () => {
  it('keep title, description, prefix, textEquivalent, priority, documentation and timing', () => {
    const source = planAction('a-group');
    const action = findAction(requestGroup().action, 'a-group');
    for (const key of ['prefix', 'title', 'description', 'textEquivalent', 'priority', 'documentation', 'timingDuration'] as const) {
      expect(action[key], key).toEqual(source[key]);
    }
    expect(findAction(requestGroup().action, 'a-first').timingTiming).toEqual(planAction('a-first').timingTiming);
  });

  it('keep grouping, selection, required, precheck and cardinality behaviours', () => {
    const source = planAction('a-group');
    const action = findAction(requestGroup().action, 'a-group');
    for (const key of ['groupingBehavior', 'selectionBehavior', 'requiredBehavior', 'precheckBehavior', 'cardinalityBehavior'] as const) {
      expect(action[key], key).toBe(source[key]);
    }
  });

  it('keep nested actions in order', () => {
    const action = findAction(requestGroup().action, 'a-group');
    expect(action.action?.map((a) => a.id)).toEqual(planAction('a-group').action?.map((a) => a.id));
    expect(requestGroup().action?.map((a) => a.id)).toEqual(plan.action?.map((a) => a.id));
  });

  it('keep relatedAction with its offset, and start conditions (applicability ones are evaluated, not copied)', () => {
    const action = findAction(requestGroup().action, 'a-first');
    expect(action.relatedAction).toEqual(planAction('a-first').relatedAction);
    expect(action.condition).toEqual(planAction('a-first').condition?.filter((c) => c.kind === 'start'));
  });

  it('turn participants into references: the subject, a PractitionerRole / RelatedPerson with the role, a typed Reference without one', () => {
    const group = findAction(requestGroup().action, 'a-group');
    const role = contained<PractitionerRole>(group.participant?.[0]?.reference);
    expect(role.resourceType).toBe('PractitionerRole');
    expect(role.code).toEqual([planAction('a-group').participant?.[0]?.role]);

    expect(findAction(requestGroup().action, 'a-first').participant).toEqual([{ reference: 'Patient/p1' }]);

    const second = findAction(requestGroup().action, 'a-second').participant ?? [];
    const companion = contained<RelatedPerson>(second[0]?.reference);
    expect(companion.resourceType).toBe('RelatedPerson');
    expect(companion.patient).toEqual({ reference: 'Patient/p1' });
    expect(companion.relationship).toEqual([planAction('a-second').participant?.[0]?.role]);
    expect(second[1]).toEqual({ type: 'Device', display: 'device' });
  });

  it('reference the request each ActivityDefinition produces', () => {
    const request = contained<ServiceRequest>(findAction(requestGroup().action, 'a-first').resource?.reference);
    expect(request.resourceType).toBe('ServiceRequest');
    expect(request.instantiatesCanonical).toEqual([`${fixture<ActivityDefinition>('ActivityDefinition-fixture-service').url}|1.0.0`]);
    const communication = contained<CommunicationRequest>(findAction(requestGroup().action, 'a-second').resource?.reference);
    expect(communication.resourceType).toBe('CommunicationRequest');
  });

  it('link the request of an action with goals to the Goal (resource-pertainsToGoal)', () => {
    const request = contained<ServiceRequest>(findAction(requestGroup().action, 'a-first').resource?.reference);
    const goalReference = carePlan.goal?.[0]?.reference;
    expect(request.extension).toContainEqual({ url: 'http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal', valueReference: { reference: goalReference } });
  });

  it('split an action with a definition and sub-actions: the request goes first, as a sub-action (R4 rule rqg-1)', () => {
    const action = findAction(requestGroup().action, 'b-both');
    expect(action.resource).toBeUndefined();
    expect(action.action?.map((a) => a.id)).toEqual(['b-both-definition', 'b-child']);
    expect(contained<Task>(action.action?.[0]?.resource?.reference).resourceType).toBe('Task');
    expect(contained<MedicationRequest>(action.action?.[1]?.resource?.reference).resourceType).toBe('MedicationRequest');
  });

  it('give an action with neither definition nor sub-actions a proposed Task with its code (R4 rule rqg-1)', () => {
    const source = planAction('c-plain');
    const action = findAction(requestGroup().action, 'c-plain');
    const task = contained<Task>(action.resource?.reference);
    expect(task.resourceType).toBe('Task');
    expect(task.intent).toBe('proposal');
    expect(task.code).toEqual(source.code?.[0]);
    expect(task.description).toBe(source.title);
    expect(task.priority).toBe(source.priority);
    expect(task.for).toEqual({ reference: 'Patient/p1' });
  });

  it('evaluate the dynamic values of an action without a definition on the RequestGroup action', () => {
    expect(findAction(requestGroup().action, 'd-dynamic').title).toBe('Computed for p1');
    expect(contained<DeviceRequest>(findAction(requestGroup().action, 'd-child').resource?.reference).resourceType).toBe('DeviceRequest');
  });

  it("evaluate an action's dynamic values on its request, after the definition's own", () => {
    const request = contained<ServiceRequest>(findAction(requestGroup().action, 'e-action-dv').resource?.reference);
    expect(request.priority).toBe('stat');
    expect(request.patientInstruction).toBe('Instruction for Ada');
  });
});
