/**
 * PlanDefinition goals → Goal resources of the CarePlan (`lifecycleStatus = proposed`). R4's Goal has no
 * element for the coded problem a PlanDefinition goal `addresses` (Goal.addresses references records), so
 * it and the goal's documentation travel as notes.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.goal
 * @see https://hl7.org/fhir/R4/goal.html
 */
import type { Annotation, CodeableConcept, Goal, GoalTarget, PlanDefinitionGoal, Reference } from '@medplum/fhirtypes';

function conceptText(concept: CodeableConcept): string | undefined {
  return concept.text ?? concept.coding?.find((c) => c.display !== undefined)?.display ?? concept.coding?.[0]?.code;
}

/**
 * The Goal a PlanDefinition goal proposes for the subject (it may share objects with `goal`; `$apply` copies
 * its whole result once at the end).
 * @see https://hl7.org/fhir/R4/plandefinition.html#12.18.3.4
 */
export function goalResource(goal: PlanDefinitionGoal, id: string, subject: Reference): Goal {
  const notes: Annotation[] = [];
  for (const addressed of goal.addresses ?? []) {
    const text = conceptText(addressed);
    if (text !== undefined) notes.push({ text: `Addresses: ${text}` });
  }
  for (const doc of goal.documentation ?? []) {
    const text = [doc.label, doc.display].filter((s) => s !== undefined).join(': ');
    if (text !== '') notes.push({ text });
  }
  const targets: GoalTarget[] = (goal.target ?? []).map((t) => {
    const target: GoalTarget = {};
    if (t.measure !== undefined) target.measure = t.measure;
    if (t.detailQuantity !== undefined) target.detailQuantity = t.detailQuantity;
    if (t.detailRange !== undefined) target.detailRange = t.detailRange;
    if (t.detailCodeableConcept !== undefined) target.detailCodeableConcept = t.detailCodeableConcept;
    if (t.due !== undefined) target.dueDuration = t.due;
    return target;
  });
  const result: Goal = {
    resourceType: 'Goal',
    id,
    lifecycleStatus: 'proposed',
    description: goal.description ?? { text: 'Goal' },
    subject: subject as Goal['subject'],
  };
  if (goal.category !== undefined) result.category = [goal.category];
  if (goal.priority !== undefined) result.priority = goal.priority;
  if (goal.start !== undefined) result.startCodeableConcept = goal.start;
  if (targets.length > 0) result.target = targets;
  if (notes.length > 0) result.note = notes;
  return result;
}
