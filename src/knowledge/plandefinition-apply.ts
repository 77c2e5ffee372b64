/**
 * `PlanDefinition/$apply`: a CarePlan (R4) for one subject whose single activity references a RequestGroup.
 * Each applicable PlanDefinition action becomes a RequestGroup action keeping its title, description,
 * prefix, textEquivalent, priority, code, documentation, timing, relatedAction, grouping / selection /
 * required / precheck / cardinality behaviours, participants and nested actions. ActivityDefinitions become
 * their request resources, nested PlanDefinitions nested RequestGroups, the PlanDefinition goals Goal
 * resources; all of them are contained in the CarePlan.
 *
 * Applicability conditions (`text/fhirpath`) are evaluated with `%subject` as focus and the variables of
 * `apply-input.ts`; an action whose condition is false is left out, with every `relatedAction` pointing at it.
 *
 * R4 rule `rqg-1` lets a RequestGroup action hold a resource or sub-actions, not both: an action with a
 * definition and sub-actions becomes a group whose first sub-action (id `<action id>-definition`) carries
 * the generated request; an action with neither a definition nor sub-actions gets a proposed Task.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 * @see https://hl7.org/fhir/R4/plandefinition.html#12.18.3.3
 */
import type {
  ActivityDefinition,
  CarePlan,
  Goal,
  OperationOutcomeIssue,
  PlanDefinition,
  PlanDefinitionAction,
  Reference,
  RequestGroup,
  RequestGroupAction,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { tooCostly, unprocessable } from '../fhir/errors.ts';
import { applyActivity } from './activitydefinition-apply.ts';
import { conditionsMet, MESSAGES_EXTENSION_URL, messagesOutcome } from './apply-conditions.ts';
import { artifactLabel, checkDeadline, createApplyEnvironment, type ApplyEnvironment, type ApplyOptions } from './apply-environment.ts';
import type { ApplyInput } from './apply-input.ts';
import { canonicalOf } from './canonical.ts';
import { applyDynamicValues } from './dynamic-values.ts';
import { goalResource } from './goals.ts';
import { copyJson } from './json-copy.ts';
import { MAX_APPLIED_ACTIONS, MAX_PLAN_NESTING_DEPTH } from './limits.ts';
import { LocalIds } from './local-ids.ts';
import { ParticipantResources, type ParticipantDefinition } from './participants.ts';
import { compact, PERTAINS_TO_GOAL_URL } from './request-builders.ts';

/** The state of one apply, shared by the PlanDefinitions it nests. */
interface ApplyState {
  readonly environment: ApplyEnvironment;
  readonly ids: LocalIds;
  readonly participants: ParticipantResources;
  /** Requests and nested RequestGroups, in the order they were generated. */
  readonly generated: Resource[];
  readonly goals: Goal[];
  /** Canonicals (or labels) of the PlanDefinitions being applied, outermost first. */
  readonly planStack: string[];
  readonly counter: { actions: number };
  /** Issues found while applying that did not stop it (conditions that could not be evaluated). */
  readonly messages: OperationOutcomeIssue[];
}


/** One PlanDefinition being applied. */
interface PlanScope {
  readonly label: string;
  readonly goals: ReadonlyMap<string, Reference>;
}

type Draft = Record<string, unknown>;

/** The elements a RequestGroup action copies from its PlanDefinition action, in R4 element order. */
function copiedElements(action: PlanDefinitionAction): Draft {
  return {
    id: action.id,
    prefix: action.prefix,
    title: action.title,
    description: action.description,
    textEquivalent: action.textEquivalent,
    priority: action.priority,
    code: action.code,
    documentation: action.documentation,
    // Applicability conditions were evaluated; start and stop conditions are for the performer.
    condition: action.condition?.filter((c) => c.kind !== 'applicability'),
    relatedAction: action.relatedAction,
    timingDateTime: action.timingDateTime,
    timingAge: action.timingAge,
    timingPeriod: action.timingPeriod,
    timingDuration: action.timingDuration,
    timingRange: action.timingRange,
    timingTiming: action.timingTiming,
  };
}

/** The static parts of the RequestGroup action of a PlanDefinition action: what it copies, what it behaves like. */
interface ActionTemplate {
  readonly copied: Draft;
  readonly behaviours: Draft;
}

/** Templates per (frozen, immutable) PlanDefinition action object: built once per stored version. */
const templates = new WeakMap<PlanDefinitionAction, ActionTemplate>();

function templateOf(action: PlanDefinitionAction): ActionTemplate {
  let template = templates.get(action);
  if (template === undefined) {
    template = { copied: compact(copiedElements(action)), behaviours: compact(behaviours(action)) };
    if (typeof action === 'object' && action !== null) templates.set(action, template);
  }
  return template;
}

function behaviours(action: PlanDefinitionAction): Draft {
  return {
    type: action.type,
    groupingBehavior: action.groupingBehavior,
    selectionBehavior: action.selectionBehavior,
    requiredBehavior: action.requiredBehavior,
    precheckBehavior: action.precheckBehavior,
    cardinalityBehavior: action.cardinalityBehavior,
  };
}

function actionError(scope: PlanScope, action: PlanDefinitionAction, text: string, location: string): Error {
  const where = action.id === undefined ? scope.label : `Action "${action.id}" of ${scope.label}`;
  return unprocessable(`${where}: ${text}`, { expression: location });
}

/** Goals (local references) an action pertains to. */
function goalsOf(action: PlanDefinitionAction, scope: PlanScope): Reference[] {
  return (action.goalId ?? []).flatMap((id) => {
    const reference = scope.goals.get(id);
    return reference === undefined ? [] : [reference];
  });
}

/** A proposed Task standing for an action that has neither a definition nor sub-actions (rule rqg-1). */
function actionTask(action: PlanDefinitionAction, state: ApplyState, goals: readonly Reference[]): Task {
  const { environment } = state;
  return compact<Task>({
    resourceType: 'Task',
    extension: goals.map((goal) => ({ url: PERTAINS_TO_GOAL_URL, valueReference: goal })),
    status: 'draft',
    intent: 'proposal',
    priority: action.priority,
    code: action.code?.[0],
    description: action.title ?? action.description ?? action.textEquivalent,
    for: environment.subjectReference,
    encounter: environment.encounter,
    authoredOn: environment.now,
    requester: environment.requester,
  });
}

/** Adds a generated resource to the container under a readable id; returns its local reference. */
function contain(state: ApplyState, resource: Resource, preferredId: string): Reference {
  const id = state.ids.allocate(preferredId);
  // As { resourceType, id, ...rest }: the allocated id second (a resource's own id, if any, still wins).
  const placed: Resource = Object.assign({ resourceType: resource.resourceType, id }, resource);
  state.generated.push(placed);
  return { reference: `#${id}` };
}

interface DefinitionResult {
  readonly reference: Reference;
  readonly title?: string;
  /** The definition's participants (used when the action names none). */
  readonly participants?: readonly ParticipantDefinition[];
  /** True when the action's dynamic values were applied to the generated request. */
  readonly dynamicValuesApplied: boolean;
}

function applyDefinition(action: PlanDefinitionAction, location: string, scope: PlanScope, state: ApplyState, depth: number): DefinitionResult {
  const canonical = action.definitionCanonical as string;
  const definition = state.environment.resolver.resolve(canonical, ['ActivityDefinition', 'PlanDefinition']);
  const actionKey = action.id ?? `action-${state.counter.actions}`;
  if (definition === undefined) {
    throw actionError(scope, action, `its definition ${canonical} is not known to this server (as an ActivityDefinition or PlanDefinition)`, `${location}.definitionCanonical`);
  }
  if (definition.resourceType === 'ActivityDefinition') {
    const ad = definition as ActivityDefinition;
    const request = applyActivity(ad, state.environment, {
      goals: goalsOf(action, scope),
      actionDynamicValues: action.dynamicValue,
      actionSite: (index, path) => ({
        artifact: scope.label,
        actionId: action.id,
        location: `${location}.dynamicValue[${index}]`,
        purpose: `dynamic value of "${path}"`,
      }),
    });
    return {
      reference: contain(state, request, `${request.resourceType}-${actionKey}`),
      title: ad.title,
      participants: ad.participant,
      dynamicValuesApplied: true,
    };
  }
  const nested = definition as PlanDefinition;
  const requestGroup = applyPlan(nested, state, depth + 1);
  return { reference: contain(state, requestGroup, `RequestGroup-${actionKey}`), title: nested.title, dynamicValuesApplied: false };
}

function applyAction(action: PlanDefinitionAction, location: string, scope: PlanScope, state: ApplyState, depth: number): RequestGroupAction | undefined {
  if (Date.now() > state.environment.deadline) checkDeadline(state.environment, `applying action "${action.id ?? location}"`);
  state.counter.actions += 1;
  if (state.counter.actions > MAX_APPLIED_ACTIONS) throw tooCostly(`$apply stopped after ${MAX_APPLIED_ACTIONS} actions (MAX_APPLIED_ACTIONS)`);

  if (!conditionsMet(action, location, scope.label, state.environment.scope, state.messages)) return undefined;

  if (action.definitionCanonical === undefined && action.definitionUri !== undefined) {
    throw actionError(scope, action, `definitionUri (${action.definitionUri}) is not supported; use definitionCanonical`, `${location}.definitionUri`);
  }
  // The definition first, so that contained resources follow the reading order of the plan.
  let definition = action.definitionCanonical === undefined ? undefined : applyDefinition(action, location, scope, state, depth);
  const hadChildren = (action.action?.length ?? 0) > 0;
  const children = applyActions(action.action, `${location}.action`, scope, state, depth);
  if (hadChildren && children.length === 0 && definition === undefined) return undefined;
  if (definition === undefined && !hadChildren) {
    const task = actionTask(action, state, goalsOf(action, scope));
    definition = { reference: contain(state, task, `Task-${action.id ?? `action-${state.counter.actions}`}`), dynamicValuesApplied: false };
  }

  const participantDefinitions = action.participant ?? definition?.participants ?? [];
  const participant = participantDefinitions.map((p) => state.participants.reference(p));

  let subActions: RequestGroupAction[] | undefined;
  let resource: Reference | undefined;
  if (children.length > 0 && definition !== undefined) {
    const carrier = compact({ id: `${action.id ?? 'action'}-definition`, title: definition.title, resource: definition.reference }) as RequestGroupAction;
    subActions = [carrier, ...children];
  } else if (children.length > 0) {
    subActions = children;
  } else {
    resource = definition?.reference;
  }

  // Same elements, in the same order, as compact({ ...copiedElements, participant, ...behaviours, resource, action }).
  const template = templateOf(action);
  const draft: Draft = { ...template.copied };
  if (participant.length > 0) draft.participant = participant;
  Object.assign(draft, template.behaviours);
  if (resource !== undefined) draft.resource = resource;
  if (subActions !== undefined && subActions.length > 0) draft.action = subActions;
  const built = draft as RequestGroupAction;
  if (definition?.dynamicValuesApplied === true || action.dynamicValue === undefined) return built;
  return applyDynamicValues(
    built,
    'RequestGroupAction',
    action.dynamicValue,
    (index, path) => ({ artifact: scope.label, actionId: action.id, location: `${location}.dynamicValue[${index}]`, purpose: `dynamic value of "${path}"` }),
    state.environment.scope,
  );
}

function applyActions(actions: readonly PlanDefinitionAction[] | undefined, location: string, scope: PlanScope, state: ApplyState, depth: number): RequestGroupAction[] {
  const applied: RequestGroupAction[] = [];
  for (const [index, action] of (actions ?? []).entries()) {
    const result = applyAction(action, `${location}[${index}]`, scope, state, depth);
    if (result !== undefined) applied.push(result);
  }
  return applied;
}

function actionIds(actions: readonly RequestGroupAction[], out: Set<string>): Set<string> {
  for (const action of actions) {
    if (action.id !== undefined) out.add(action.id);
    actionIds(action.action ?? [], out);
  }
  return out;
}

/** True when every relatedAction of the action points at an action kept (so none would be dropped). */
function relationsKept(action: RequestGroupAction, kept: ReadonlySet<string>): boolean {
  const related = action.relatedAction;
  if (related === undefined) return true;
  if (related.length === 0) return false;
  for (const r of related) if (r.actionId === undefined || !kept.has(r.actionId)) return false;
  return true;
}

/**
 * The actions without `relatedAction`s that point at an action left out. Actions with nothing to drop (the
 * usual case) are returned as they are.
 */
function withoutDanglingRelations(actions: readonly RequestGroupAction[], kept: ReadonlySet<string>): RequestGroupAction[] {
  let changed: RequestGroupAction[] | undefined;
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i];
    const nested = action.action === undefined ? undefined : withoutDanglingRelations(action.action, kept);
    if (nested === action.action && relationsKept(action, kept)) continue;
    const relatedAction = action.relatedAction?.filter((r) => r.actionId !== undefined && kept.has(r.actionId));
    const out: Draft = {};
    for (const [key, value] of Object.entries(action)) {
      if (key === 'relatedAction') {
        if (relatedAction !== undefined && relatedAction.length > 0) out.relatedAction = relatedAction;
      } else out[key] = key === 'action' ? nested : value;
    }
    changed ??= actions.slice();
    changed[i] = out as RequestGroupAction;
  }
  return changed ?? (actions as RequestGroupAction[]);
}

function applyPlan(pd: PlanDefinition, state: ApplyState, depth: number): RequestGroup {
  const label = artifactLabel(pd);
  const key = canonicalOf(pd) ?? label;
  if (state.planStack.includes(key)) {
    throw unprocessable(`PlanDefinition ${label} applies itself through action.definitionCanonical (${[...state.planStack, key].join(' → ')})`, {
      expression: 'PlanDefinition.action.definitionCanonical',
    });
  }
  if (depth > MAX_PLAN_NESTING_DEPTH) throw tooCostly(`PlanDefinitions nest deeper than ${MAX_PLAN_NESTING_DEPTH} levels (MAX_PLAN_NESTING_DEPTH)`);
  state.planStack.push(key);

  const { environment } = state;
  const goals = new Map<string, Reference>();
  for (const [index, goal] of (pd.goal ?? []).entries()) {
    const id = state.ids.allocate(`Goal-${goal.id ?? index + 1}`);
    state.goals.push(goalResource(goal, id, environment.subjectReference));
    if (goal.id !== undefined) goals.set(goal.id, { reference: `#${id}` });
  }
  const actions = applyActions(pd.action, 'PlanDefinition.action', { label, goals }, state, depth);
  state.planStack.pop();

  const canonical = canonicalOf(pd);
  return compact<RequestGroup>({
    resourceType: 'RequestGroup',
    instantiatesCanonical: canonical === undefined ? undefined : [canonical],
    status: 'draft',
    intent: 'proposal',
    subject: environment.subjectReference,
    encounter: environment.encounter,
    authoredOn: environment.now,
    author: environment.practitioner,
    action: withoutDanglingRelations(actions, actionIds(actions, new Set())),
  });
}

/**
 * `PlanDefinition/$apply` for one subject: a CarePlan holding, as contained resources, the RequestGroup, the
 * generated requests, nested RequestGroups, Goals and participant roles. Transient: nothing is stored.
 */
export function applyPlanDefinition(pd: PlanDefinition, input: ApplyInput, options: ApplyOptions): CarePlan {
  const environment = createApplyEnvironment(input, options);
  if (environment.subject.resourceType !== 'Patient' && environment.subject.resourceType !== 'Group') {
    throw unprocessable(`A CarePlan's subject is a Patient or a Group; ${environment.subject.reference} cannot be one`, { expression: 'subject' });
  }
  const ids = new LocalIds();
  const state: ApplyState = {
    environment,
    ids,
    participants: new ParticipantResources(ids, environment.subject),
    generated: [],
    goals: [],
    planStack: [],
    counter: { actions: 0 },
    messages: [],
  };
  const requestGroupId = ids.allocate(`RequestGroup-${pd.id ?? 'plan'}`);
  const requestGroup = { ...applyPlan(pd, state, 0), id: requestGroupId };
  const canonical = canonicalOf(pd);
  const messages = messagesOutcome(state.messages, ids);
  const carePlan = compact<CarePlan>({
    resourceType: 'CarePlan',
    contained: [requestGroup, ...state.generated, ...state.goals, ...state.participants.resources(), ...(messages === undefined ? [] : [messages])],
    extension: messages === undefined ? undefined : [{ url: MESSAGES_EXTENSION_URL, valueReference: { reference: `#${messages.id}` } }],
    instantiatesCanonical: canonical === undefined ? undefined : [canonical],
    status: 'draft',
    intent: 'proposal',
    title: pd.title,
    description: pd.description,
    subject: environment.subjectReference,
    encounter: environment.encounter,
    created: environment.now,
    author: environment.practitioner ?? environment.organization,
    goal: state.goals.map((goal) => ({ reference: `#${goal.id}` })),
    activity: [{ reference: { reference: `#${requestGroupId}` } }],
    note: input.warnings?.map((text) => ({ text: `Warning: ${text}` })),
  });
  // Drafts share objects with the (frozen) artifacts and with each other: one copy makes the result its own.
  return options.mayShareArtifacts === true ? carePlan : copyJson(carePlan);
}
