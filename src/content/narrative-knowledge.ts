/**
 * Narrative renderers for knowledge resources: ActivityDefinition (kind, code, timing, participants, product,
 * dynamic values) and PlanDefinition (purpose, usage, goals, related artifacts and the nested actions with their
 * prefixes, definitions, selection behaviour, related actions, conditions and participants).
 *
 * @see https://hl7.org/fhir/R4/activitydefinition.html
 * @see https://hl7.org/fhir/R4/plandefinition.html
 */
import type {
  ActivityDefinition,
  ActivityDefinitionParticipant,
  PlanDefinition,
  PlanDefinitionAction,
  PlanDefinitionActionParticipant,
} from '@medplum/fhirtypes';
import {
  codeableConcept,
  codeableConcepts,
  expression,
  joined,
  metadataHeader,
  relatedArtifacts,
  timing,
} from './narrative-common.ts';
import type { Xhtml } from './xhtml.ts';
import { el, factTable, fragment, markdownBlock } from './xhtml.ts';

type Participant = ActivityDefinitionParticipant | PlanDefinitionActionParticipant;

function participants(values: readonly Participant[] | undefined): Xhtml | undefined {
  if (values === undefined || values.length === 0) {
    return undefined;
  }
  return joined(
    values.map((p) => (p.role === undefined ? fragment(p.type) : fragment(p.type, ': ', codeableConcept(p.role)))),
    '; ',
  );
}

/**
 * The narrative body of an ActivityDefinition.
 */
export function activityDefinitionNarrative(ad: ActivityDefinition): Xhtml {
  const dynamicValues = ad.dynamicValue ?? [];
  return fragment(
    metadataHeader(ad),
    el('h3', 'Activity'),
    factTable([
      ['Kind', ad.kind],
      ['Code', codeableConcept(ad.code)],
      ['Intent', ad.intent],
      ['Priority', ad.priority],
      ['Do not perform', ad.doNotPerform === undefined ? undefined : String(ad.doNotPerform)],
      ['Timing', timing(ad.timingTiming)],
      ['Participants', participants(ad.participant)],
      ['Product', codeableConcept(ad.productCodeableConcept) ?? ad.productReference?.reference],
      ['Body site', codeableConcepts(ad.bodySite)],
      ['Related artifacts', relatedArtifacts(ad.relatedArtifact)],
      [
        'Dynamic values',
        dynamicValues.length > 0 &&
          el('ul', dynamicValues.map((d) => el('li', el('code', d.path), ' = ', expression(d.expression)))),
      ],
    ]),
  );
}

/**
 * The narrative body of a PlanDefinition.
 */
export function planDefinitionNarrative(pd: PlanDefinition): Xhtml {
  const goals = pd.goal ?? [];
  const actions = pd.action ?? [];
  return fragment(
    metadataHeader(pd),
    factTable([['Type', codeableConcept(pd.type)]]),
    pd.purpose !== undefined && [el('h3', 'Purpose'), markdownBlock(pd.purpose)],
    pd.usage !== undefined && [el('h3', 'Usage'), markdownBlock(pd.usage)],
    goals.length > 0 && [
      el('h3', 'Goals'),
      el(
        'ul',
        goals.map((g) =>
          el(
            'li',
            el('b', codeableConcept(g.description)),
            g.id !== undefined && [' (', el('code', g.id), ')'],
            (g.addresses ?? []).length > 0 && ['; addresses ', codeableConcepts(g.addresses)],
          ),
        ),
      ),
    ],
    (pd.relatedArtifact ?? []).length > 0 && [el('h3', 'Related artifacts'), relatedArtifacts(pd.relatedArtifact)],
    actions.length > 0 && [el('h3', 'Actions'), actionList(actions)],
  );
}

function actionList(actions: readonly PlanDefinitionAction[]): Xhtml {
  return el('ul', actions.map((a) => el('li', actionItem(a))));
}

function actionItem(a: PlanDefinitionAction): Xhtml {
  const heading = [a.prefix === undefined ? undefined : `${a.prefix}.`, a.title ?? a.id ?? 'Action']
    .filter((part): part is string => part !== undefined)
    .join(' ');
  const definition = a.definitionCanonical ?? a.definitionUri;
  const children = a.action ?? [];
  return fragment(
    el('b', heading),
    a.id !== undefined && [' [', el('code', a.id), ']'],
    a.description !== undefined && [': ', a.description],
    a.textEquivalent !== undefined && [' ', el('i', a.textEquivalent)],
    factTable([
      ['Code', codeableConcepts(a.code)],
      ['Definition', definition !== undefined && el('code', definition)],
      ['Grouping', a.groupingBehavior],
      ['Selection', a.selectionBehavior],
      ['Required', a.requiredBehavior],
      ['Cardinality', a.cardinalityBehavior],
      ['Goals', (a.goalId ?? []).length > 0 && joined((a.goalId ?? []).map((id) => el('code', id)), ', ')],
      ['Participants', participants(a.participant)],
      [
        'Related actions',
        joined((a.relatedAction ?? []).map((r) => fragment(r.relationship, ' ', el('code', r.actionId))), '; '),
      ],
      [
        'Conditions',
        joined((a.condition ?? []).map((c) => fragment(c.kind, ': ', expression(c.expression))), '; '),
      ],
      ['Documentation', relatedArtifacts(a.documentation)],
    ]),
    children.length > 0 && actionList(children),
  );
}
