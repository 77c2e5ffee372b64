/**
 * The protocol's medication review under the patient data care-plan engines actually send: `$apply` of the
 * shipped PlanDefinition over the running server, one data Bundle per row. Each row says which specific
 * reviews (anticoagulant, antiplatelet) the plan must add, what the added Task points at and names, and that
 * nothing else in the plan changes: the general medication review is there in every row, data or not.
 */
import type {
  Bundle,
  BundleEntry,
  CarePlan,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  OperationOutcome,
  Parameters,
  RequestGroup,
  RequestGroupAction,
  Resource,
  Task,
  ValueSet,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentResources } from '../helpers/fixtures.ts';
import { useTestServer } from '../helpers/server.ts';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const content = contentResources();

function valueSet(id: string): ValueSet {
  const found = content.find((r) => r.resourceType === 'ValueSet' && r.id === id) as ValueSet | undefined;
  if (found === undefined) throw new Error(`fhir-resources has no ValueSet/${id}`);
  return found;
}

/** The RxNorm concepts of a ValueSet whose display matches, so the rows use the content's own codes. */
function rxnorm(id: string, display: RegExp): { code: string; display: string } {
  const concepts = valueSet(id).compose?.include.filter((i) => i.system === RXNORM).flatMap((i) => i.concept ?? []) ?? [];
  const found = concepts.find((c) => display.test(c.display ?? ''));
  if (found?.display === undefined) throw new Error(`ValueSet/${id} has no RxNorm concept whose display matches ${display}`);
  return { code: found.code, display: found.display };
}

// Ingredient-level concepts have a bare name, clinical drugs a strength and form, packs a {…} Pack.
const WARFARIN_IN = rxnorm('anticoagulants', /^warfarin$/i);
const WARFARIN_SCD = rxnorm('anticoagulants', /^warfarin .*\d.*oral tablet$/i);
const ANTICOAGULANT_PACK = rxnorm('anticoagulants', /^\{.*\} Pack$/);
const CLOPIDOGREL_IN = rxnorm('antiplatelets', /^clopidogrel$/i);
const CLOPIDOGREL_SCD = rxnorm('antiplatelets', /^clopidogrel .*\d/i);
/** An RxNorm code in neither set (checked below): the clinical drug the other tests use as "unrelated". */
const UNRELATED = { code: '197361', display: '' };

const PATIENT = 'matrix-patient';

function coded(code: { code: string; display: string }, system: string | null = RXNORM): MedicationRequest['medicationCodeableConcept'] {
  const display = code.display === '' ? {} : { display: code.display };
  return { coding: [{ ...(system === null ? {} : { system }), code: code.code, ...display }], ...(code.display === '' ? {} : { text: code.display }) };
}

function order(id: string, status: MedicationRequest['status'], medication: Partial<MedicationRequest>, subject = PATIENT): MedicationRequest {
  return { resourceType: 'MedicationRequest', id, status, intent: 'order', subject: { reference: `Patient/${subject}` }, ...medication } as MedicationRequest;
}

function bundle(...resources: Resource[]): Bundle {
  const entry: BundleEntry[] = [{ fullUrl: `urn:uuid:patient-${PATIENT}`, resource: { resourceType: 'Patient', id: PATIENT } }];
  for (const r of resources) entry.push({ fullUrl: `urn:uuid:${r.resourceType}-${r.id ?? 'x'}`, resource: r });
  return { resourceType: 'Bundle', type: 'collection', entry };
}

interface Row {
  readonly name: string;
  readonly data?: Bundle;
  /** The specific reviews the plan must add, in plan order. */
  readonly expected: readonly ('anticoagulant-found' | 'antiplatelet-found')[];
  /** The record each added Task points at (its focus), by review. */
  readonly focus?: Partial<Record<'anticoagulant-found' | 'antiplatelet-found', string>>;
  /** Text each added Task's description must contain, by review. */
  readonly names?: Partial<Record<'anticoagulant-found' | 'antiplatelet-found', string>>;
}

const warfarinMedication: Medication = { resourceType: 'Medication', id: 'warfarin-product', code: coded(WARFARIN_SCD) };

const rows: Row[] = [
  // No data at all: the clinician still gets the general medication review (the card's preparation says so).
  { name: 'no data', expected: [] },
  // The commonest record: an active warfarin order coded as a clinical drug.
  { name: 'active warfarin order (SCD)', data: bundle(order('w1', 'active', { medicationCodeableConcept: coded(WARFARIN_SCD) })), expected: ['anticoagulant-found'], focus: { 'anticoagulant-found': 'MedicationRequest/w1' }, names: { 'anticoagulant-found': WARFARIN_SCD.display } },
  // Many systems record the ingredient only; it is still warfarin.
  { name: 'warfarin coded at ingredient level (IN)', data: bundle(order('w2', 'active', { medicationCodeableConcept: coded(WARFARIN_IN) })), expected: ['anticoagulant-found'], focus: { 'anticoagulant-found': 'MedicationRequest/w2' } },
  // A pack of an anticoagulant is the same drug for the review.
  { name: 'anticoagulant coded as a pack', data: bundle(order('b1', 'active', { medicationCodeableConcept: coded(ANTICOAGULANT_PACK) })), expected: ['anticoagulant-found'], names: { 'anticoagulant-found': ANTICOAGULANT_PACK.display } },
  // An order that points at a Medication resource in the data: the product's code decides.
  { name: 'order by medicationReference to a Medication in the Bundle', data: bundle(warfarinMedication, order('r1', 'active', { medicationReference: { reference: 'Medication/warfarin-product' } })), expected: ['anticoagulant-found'], focus: { 'anticoagulant-found': 'MedicationRequest/r1' }, names: { 'anticoagulant-found': WARFARIN_SCD.display } },
  // The same with the Medication contained in the order.
  { name: 'order by medicationReference to a contained Medication', data: bundle(order('r2', 'active', { contained: [{ resourceType: 'Medication', id: 'm', code: coded(WARFARIN_IN) }], medicationReference: { reference: '#m' } } as Partial<MedicationRequest>)), expected: ['anticoagulant-found'], focus: { 'anticoagulant-found': 'MedicationRequest/r2' } },
  // On hold is paused, not stopped: the patient may be back on it by the procedure day.
  { name: 'on-hold warfarin order', data: bundle(order('h1', 'on-hold', { medicationCodeableConcept: coded(WARFARIN_SCD) })), expected: ['anticoagulant-found'] },
  // A draft is not yet authorised; the general review covers it, no specific alert.
  { name: 'draft warfarin order', data: bundle(order('d1', 'draft', { medicationCodeableConcept: coded(WARFARIN_SCD) })), expected: [] },
  // Stopped and completed orders are not current medication.
  { name: 'stopped warfarin order', data: bundle(order('s1', 'stopped', { medicationCodeableConcept: coded(WARFARIN_SCD) })), expected: [] },
  { name: 'completed warfarin order', data: bundle(order('c1', 'completed', { medicationCodeableConcept: coded(WARFARIN_SCD) })), expected: [] },
  // The patient says they take it: as good as an order for the review.
  { name: 'active MedicationStatement of warfarin', data: bundle({ resourceType: 'MedicationStatement', id: 'ms1', status: 'active', subject: { reference: `Patient/${PATIENT}` }, medicationCodeableConcept: coded(WARFARIN_IN) } as MedicationStatement), expected: ['anticoagulant-found'], focus: { 'anticoagulant-found': 'MedicationStatement/ms1' } },
  { name: 'intended MedicationStatement of warfarin', data: bundle({ resourceType: 'MedicationStatement', id: 'ms2', status: 'intended', subject: { reference: `Patient/${PATIENT}` }, medicationCodeableConcept: coded(WARFARIN_SCD) } as MedicationStatement), expected: ['anticoagulant-found'] },
  // Being given right now (an infusion running).
  { name: 'in-progress MedicationAdministration', data: bundle({ resourceType: 'MedicationAdministration', id: 'ma1', status: 'in-progress', subject: { reference: `Patient/${PATIENT}` }, effectiveDateTime: '2026-12-01', medicationCodeableConcept: coded(WARFARIN_SCD) } as MedicationAdministration), expected: ['anticoagulant-found'], focus: { 'anticoagulant-found': 'MedicationAdministration/ma1' } },
  // Antiplatelets are blood thinners too.
  { name: 'active clopidogrel order (IN)', data: bundle(order('p1', 'active', { medicationCodeableConcept: coded(CLOPIDOGREL_IN) })), expected: ['antiplatelet-found'], focus: { 'antiplatelet-found': 'MedicationRequest/p1' }, names: { 'antiplatelet-found': CLOPIDOGREL_IN.display } },
  { name: 'active clopidogrel order (SCD)', data: bundle(order('p2', 'active', { medicationCodeableConcept: coded(CLOPIDOGREL_SCD) })), expected: ['antiplatelet-found'] },
  // Both at once: both specific reviews, each pointing at its own record.
  { name: 'warfarin and clopidogrel', data: bundle(order('w3', 'active', { medicationCodeableConcept: coded(WARFARIN_SCD) }), order('p3', 'active', { medicationCodeableConcept: coded(CLOPIDOGREL_SCD) })), expected: ['anticoagulant-found', 'antiplatelet-found'], focus: { 'anticoagulant-found': 'MedicationRequest/w3', 'antiplatelet-found': 'MedicationRequest/p3' } },
  // Another patient's order in the same Bundle says nothing about this patient.
  { name: "another patient's warfarin order", data: bundle(order('o1', 'active', { medicationCodeableConcept: coded(WARFARIN_SCD) }, 'someone-else')), expected: [] },
  // The subject referenced by the Patient entry's fullUrl is the same patient.
  { name: 'order whose subject is the Patient entry fullUrl', data: bundle({ ...order('u1', 'active', { medicationCodeableConcept: coded(WARFARIN_SCD) }), subject: { reference: `urn:uuid:patient-${PATIENT}` } }), expected: ['anticoagulant-found'] },
  // A code without a system cannot be recognised safely; only the general review applies.
  { name: 'warfarin code with no system', data: bundle(order('n1', 'active', { medicationCodeableConcept: coded(WARFARIN_SCD, null) })), expected: [] },
  // Free text is for the clinician to read in the general review, not for the engine to guess.
  { name: 'text-only order', data: bundle(order('t1', 'active', { medicationCodeableConcept: { text: WARFARIN_IN.display } })), expected: [] },
  // An unrelated medication adds nothing.
  { name: 'unrelated medication', data: bundle(order('x1', 'active', { medicationCodeableConcept: coded(UNRELATED) })), expected: [] },
];

function applyParameters(data: Bundle | undefined): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'subject', valueString: `Patient/${PATIENT}` }, ...(data === undefined ? [] : [{ name: 'data', resource: data }])],
  };
}

function requestGroupOf(carePlan: CarePlan): RequestGroup {
  return carePlan.contained?.find((r) => `#${r.id}` === carePlan.activity?.[0]?.reference?.reference) as RequestGroup;
}

function flatten(actions: readonly RequestGroupAction[] | undefined): RequestGroupAction[] {
  return (actions ?? []).flatMap((a) => [a, ...flatten(a.action)]);
}

const SPECIFIC = new Set(['anticoagulant-found', 'antiplatelet-found']);

/** The plan's actions other than the specific reviews, with the review itself reduced to what does not depend on them. */
function unchangedPart(carePlan: CarePlan): string[] {
  return flatten(requestGroupOf(carePlan).action)
    .filter((a) => !SPECIFIC.has(a.id ?? '') && a.id !== 'blood-thinner-review-definition')
    .map((a) => `${a.id ?? ''}|${a.title ?? ''}`);
}

const server = useTestServer();
const results = new Map<string, CarePlan>();

beforeAll(async () => {
  for (const row of rows) {
    const response = await fetch(`${server.base}/PlanDefinition/liver-tumor-cryoablation/$apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify(applyParameters(row.data)),
    });
    const body = (await response.json()) as CarePlan | OperationOutcome;
    if (response.status !== 200) throw new Error(`${row.name}: ${response.status} ${JSON.stringify(body)}`);
    results.set(row.name, body as CarePlan);
  }
});

describe('the medication review of PlanDefinition/liver-tumor-cryoablation over real-world medication data', () => {
  it('uses codes the content really holds: the unrelated code is in neither ValueSet, the two sets share no code', () => {
    const codes = (id: string) => new Set(valueSet(id).compose?.include.flatMap((i) => (i.concept ?? []).map((c) => `${i.system}|${c.code}`)));
    const anticoagulants = codes('anticoagulants');
    const antiplatelets = codes('antiplatelets');
    expect(anticoagulants.has(`${RXNORM}|${UNRELATED.code}`) || antiplatelets.has(`${RXNORM}|${UNRELATED.code}`)).toBe(false);
    expect([...anticoagulants].filter((c) => antiplatelets.has(c))).toEqual([]);
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const carePlan = results.get(row.name) as CarePlan;
    const actions = flatten(requestGroupOf(carePlan).action);
    // The general review is in every plan, data or not.
    expect(actions.map((a) => a.id)).toContain('blood-thinner-review');
    expect(actions.filter((a) => SPECIFIC.has(a.id ?? '')).map((a) => a.id)).toEqual(row.expected);
    for (const id of row.expected) {
      const action = actions.find((a) => a.id === id) as RequestGroupAction;
      expect(action.priority).toBe('urgent');
      const task = carePlan.contained?.find((r) => `#${r.id}` === action.resource?.reference) as Task;
      expect(task.resourceType).toBe('Task');
      expect(task.for?.reference).toBe(`Patient/${PATIENT}`);
      const focus = row.focus?.[id];
      if (focus !== undefined) expect(task.focus?.reference).toBe(focus);
      else expect(task.focus?.reference).toMatch(/^Medication(Request|Statement|Administration)\//);
      const named = row.names?.[id];
      if (named !== undefined) expect(task.description).toContain(named);
    }
    // Nothing else in the plan changes with the data.
    expect(unchangedPart(carePlan)).toEqual(unchangedPart(results.get('no data') as CarePlan));
    // Every row is evaluated without a condition error.
    expect(carePlan.extension).toBeUndefined();
  });
});
