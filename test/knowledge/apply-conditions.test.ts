/**
 * Applicability conditions over %subject, %data (with memberOf) and the parameters; omitted actions and the
 * relations to them; nested PlanDefinitions; conditions that cannot be evaluated (reported in the CarePlan, the
 * CPG way); and the 4xx errors that name the action and the definition.
 */
import type { Bundle, CarePlan, CodeableConcept, OperationOutcome, PlanDefinition, RequestGroup, RequestGroupAction, Resource, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { syncFailure } from '../helpers/failure.ts';
import type { ApplyInput } from '../../src/knowledge/apply-input.ts';
import { applyPlanDefinition } from '../../src/knowledge/plandefinition-apply.ts';
import { applyOptions, dataBundle, fixture } from './fixtures.ts';

const OUTPATIENT: CodeableConcept = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'outpatient' }] };
const INPATIENT: CodeableConcept = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'inpatient' }] };

function flag(value: boolean): ApplyInput['parameters'] {
  return { resourceType: 'Parameters', parameter: [{ name: 'includeOptional', valueBoolean: value }] };
}

function apply(name: string, input: Partial<ApplyInput> = {}): CarePlan {
  return applyPlanDefinition(fixture<PlanDefinition>(`PlanDefinition-${name}`), { subject: 'Patient/p1', parameters: flag(false), setting: INPATIENT, ...input }, applyOptions());
}

function requestGroupOf(carePlan: CarePlan): RequestGroup {
  return carePlan.contained?.find((r) => `#${r.id}` === carePlan.activity?.[0]?.reference?.reference) as RequestGroup;
}

function actionIds(carePlan: CarePlan): string[] {
  const ids: string[] = [];
  const walk = (actions: readonly RequestGroupAction[] | undefined): void => {
    for (const a of actions ?? []) {
      ids.push(a.id as string);
      walk(a.action);
    }
  };
  walk(requestGroupOf(carePlan).action);
  return ids;
}

/** The issues of the OperationOutcome the CarePlan's cqf-messages extension points at. */
function messagesOf(carePlan: CarePlan): NonNullable<OperationOutcome['issue']> {
  const reference = carePlan.extension?.find((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/cqf-messages')?.valueReference?.reference;
  const outcome = carePlan.contained?.find((r) => `#${r.id}` === reference) as OperationOutcome | undefined;
  expect(outcome?.resourceType).toBe('OperationOutcome');
  return outcome?.issue ?? [];
}

describe('applicability conditions', () => {
  it('read %subject from the data Bundle', () => {
    expect(actionIds(apply('fixture-conditions', { data: dataBundle('anticoagulant') }))).toContain('on-subject');
    const male: Bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'p1', gender: 'male' } }] };
    expect(actionIds(apply('fixture-conditions', { data: male }))).not.toContain('on-subject');
  });

  it('read %data with memberOf(): an active anticoagulant order or statement includes the step, anything else leaves it out', () => {
    expect(actionIds(apply('fixture-conditions', { data: dataBundle('anticoagulant') }))).toContain('on-data');
    expect(actionIds(apply('fixture-conditions', { data: dataBundle('statement') }))).toContain('on-data');
    expect(actionIds(apply('fixture-conditions', { data: dataBundle('unrelated') }))).not.toContain('on-data');
    expect(actionIds(apply('fixture-conditions', { data: dataBundle('stopped-anticoagulant') }))).not.toContain('on-data');
    expect(actionIds(apply('fixture-conditions'))).not.toContain('on-data');
  });

  it('read the parameters input as %<name>', () => {
    expect(actionIds(apply('fixture-conditions', { parameters: flag(true) }))).toContain('on-parameter');
    expect(actionIds(apply('fixture-conditions', { parameters: flag(false) }))).not.toContain('on-parameter');
  });

  it('read the R4 context inputs (%setting)', () => {
    expect(actionIds(apply('fixture-conditions', { setting: OUTPATIENT }))).toContain('on-setting');
    expect(actionIds(apply('fixture-conditions', { setting: INPATIENT }))).not.toContain('on-setting');
  });

  it('leave out the relations to an omitted action, and keep those to an included one', () => {
    const without = requestGroupOf(apply('fixture-conditions', { data: dataBundle('unrelated') })).action?.find((a) => a.id === 'always');
    expect(without?.relatedAction).toEqual([{ actionId: 'on-subject', relationship: 'after' }]);
    const withBoth = requestGroupOf(apply('fixture-conditions', { data: dataBundle('anticoagulant') })).action?.find((a) => a.id === 'always');
    expect(withBoth?.relatedAction?.map((r) => r.actionId)).toEqual(['on-data', 'on-subject']);
  });

  it('leave out a group whose sub-actions are all inapplicable, and the requests of omitted actions', () => {
    const carePlan = apply('fixture-conditions', { data: dataBundle('unrelated') });
    expect(actionIds(carePlan)).not.toContain('group-filtered');
    expect(actionIds(carePlan)).not.toContain('never');
    const referenced = new Set((JSON.stringify(carePlan).match(/"reference":"#[^"]+"/g) ?? []).map((r) => r.slice(13, -1)));
    for (const resource of carePlan.contained ?? []) expect(referenced, `${resource.id} is referenced`).toContain(`#${resource.id}`);
  });
});

describe('nested PlanDefinitions', () => {
  it('are applied: the action references a contained RequestGroup with the nested actions, requests and goals', () => {
    const carePlan = apply('fixture-nested');
    const outer = requestGroupOf(carePlan).action?.find((a) => a.id === 'outer');
    const nested = carePlan.contained?.find((r) => `#${r.id}` === outer?.resource?.reference) as RequestGroup;
    const child = fixture<PlanDefinition>('PlanDefinition-fixture-child');
    expect(nested.resourceType).toBe('RequestGroup');
    expect(nested.instantiatesCanonical).toEqual([`${child.url}|${child.version}`]);
    expect(nested.action?.map((a) => a.id)).toEqual(['child-step']);
    const task = carePlan.contained?.find((r) => `#${r.id}` === nested.action?.[0]?.resource?.reference) as Task;
    expect(task.resourceType).toBe('Task');
    const goal = carePlan.contained?.find((r) => r.resourceType === 'Goal') as Resource;
    expect(carePlan.goal).toEqual([{ reference: `#${goal.id}` }]);
    expect(task.extension?.[0]?.valueReference).toEqual({ reference: `#${goal.id}` });
  });

  it('that apply themselves are refused with a 422 naming the cycle', () => {
    const { status, outcome } = syncFailure(() => apply('fixture-cycle'));
    expect(status).toBe(422);
    expect(outcome.issue?.[0]?.details?.text).toMatch(/fixture-cycle.*applies itself/);
  });
});

describe('errors', () => {
  it('a condition that fails leaves its action out and is reported in the CarePlan (cqf-messages), naming the action and the expression', () => {
    const carePlan = apply('fixture-broken');
    expect(actionIds(carePlan)).not.toContain('broken-step');
    const issue = messagesOf(carePlan)[0];
    expect(issue?.severity).toBe('error');
    expect(issue?.code).toBe('processing');
    expect(issue?.details?.text).toContain('"broken-step"');
    expect(issue?.details?.text).toContain('%data.entry.resource.noSuchFunction()');
    expect(issue?.details?.text).toContain('noSuchFunction');
    expect(issue?.expression).toEqual(['PlanDefinition.action[1].condition[0].expression']);
  });

  it('a variable the request does not bind is reported, naming the action and the variable', () => {
    const carePlan = apply('fixture-conditions', { parameters: undefined });
    expect(actionIds(carePlan)).not.toContain('on-parameter');
    expect(messagesOf(carePlan)[0]?.details?.text).toMatch(/"on-parameter".*%includeOptional/);
  });

  it('a condition that does not return a boolean is reported', () => {
    const carePlan = apply('fixture-not-boolean', { data: dataBundle('unrelated') });
    expect(messagesOf(carePlan)[0]?.details?.text).toMatch(/"counts".*must return a boolean/);
  });

  it('memberOf() on a ValueSet the server does not know is reported, naming the ValueSet', () => {
    const carePlan = apply('fixture-unknown-valueset', { data: dataBundle('anticoagulant') });
    expect(messagesOf(carePlan)[0]?.details?.text).toMatch(/"unknown-vs".*no-such-valueset/);
  });

  it('a plan whose conditions all evaluate carries no messages', () => {
    expect(apply('fixture-conditions', { data: dataBundle('anticoagulant') }).extension).toBeUndefined();
  });

  it('a definition the server does not know is a 422 naming the action and the canonical', () => {
    const { status, outcome } = syncFailure(() => apply('fixture-missing-definition'));
    expect(status).toBe(422);
    expect(outcome.issue?.[0]?.details?.text).toMatch(/"ghost".*no-such-definition/);
    expect(outcome.issue?.[0]?.expression).toEqual(['PlanDefinition.action[0].definitionCanonical']);
  });

  it('a malformed subject is a 400, and a subject a CarePlan cannot have is a 422', () => {
    expect(syncFailure(() => apply('fixture-conditions', { subject: 'not a reference' })).status).toBe(400);
    expect(syncFailure(() => apply('fixture-conditions', { subject: 'Practitioner/1' })).status).toBe(422);
  });
});
