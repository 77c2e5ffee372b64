/**
 * ActivityDefinition → request resource, following the R4 mapping of `ActivityDefinition` elements to the
 * request types (`kind`): code, subject, status (`draft`), intent, priority, timing, performer type,
 * location, body site, quantity, dosage, product, `instantiatesCanonical`, and the goals the request
 * pertains to (`resource-pertainsToGoal`). Where R4 has no element for a fact on a given request type, the
 * fact is left out (for example a Timing on a CommunicationRequest, whose occurrence is dateTime or Period).
 *
 * @see https://hl7.org/fhir/R4/activitydefinition.html#12.22.4.3
 * @see https://hl7.org/fhir/R4/extension-resource-pertainstogoal.html
 */
import type {
  ActivityDefinition,
  CodeableConcept,
  CommunicationRequest,
  DeviceRequest,
  Extension,
  MedicationRequest,
  Meta,
  Period,
  Reference,
  Resource,
  ServiceRequest,
  SupplyRequest,
  Task,
  Timing,
} from '@medplum/fhirtypes';
import { unprocessable } from '../fhir/errors.ts';
import type { LiteralReference } from './apply-input.ts';
import { canonicalOf } from './canonical.ts';

/**
 * The request types `$apply` produces from an ActivityDefinition `kind`.
 */
export const SUPPORTED_REQUEST_KINDS = ['ServiceRequest', 'CommunicationRequest', 'Task', 'MedicationRequest', 'DeviceRequest', 'SupplyRequest'] as const;
/**
 * One of the codes listed above.
 */
export type RequestKind = (typeof SUPPORTED_REQUEST_KINDS)[number];

/**
 * R4 extension linking a resource to the Goal it pertains to.
 */
export const PERTAINS_TO_GOAL_URL = 'http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal';
/**
 * R4 extension carrying `instantiatesCanonical` on request types that lack the element.
 */
export const INSTANTIATES_CANONICAL_URL = 'http://hl7.org/fhir/StructureDefinition/workflow-instantiatesCanonical';

/**
 * The context references of a generated request.
 */
export interface RequestContext {
  readonly subject: LiteralReference;
  readonly encounter?: LiteralReference;
  readonly requester?: LiteralReference;
  readonly authoredOn: string;
  /** Goals the request pertains to (references into the same CarePlan). */
  readonly goals?: readonly Reference[];
}

/** The object without its undefined properties (and without empty lists). */
export function compact<T extends object>(draft: T): T {
  const out: Partial<T> = {};
  for (const key in draft) {
    const value = draft[key];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  // Only members that were undefined or empty lists are left out: what remains is the draft's type.
  return out as T;
}

function extensionsOf(ctx: RequestContext, instantiates: string | undefined): Extension[] {
  const extensions: Extension[] = (ctx.goals ?? []).map((goal) => ({ url: PERTAINS_TO_GOAL_URL, valueReference: goal }));
  if (instantiates !== undefined) extensions.push({ url: INSTANTIATES_CANONICAL_URL, valueCanonical: instantiates });
  return extensions;
}

function rolesOf(ad: ActivityDefinition): CodeableConcept[] {
  return (ad.participant ?? []).flatMap((p) => (p.role === undefined ? [] : [p.role]));
}

function patientTakesPart(ad: ActivityDefinition): boolean {
  return (ad.participant ?? []).some((p) => p.type === 'patient');
}

function metaOf(ad: ActivityDefinition): Meta | undefined {
  return ad.profile === undefined ? undefined : { profile: [ad.profile] };
}

/**
 * The patient, encounter, occurrence[x] (from timing[x], see {@link occurrence}), authoredOn and requester: a
 * run of elements in this order in ServiceRequest, CommunicationRequest and DeviceRequest (R4 puts only
 * elements `$apply` does not fill between them).
 */
function subjectAndTime(
  ad: ActivityDefinition,
  ctx: RequestContext,
  allowed: { timing: boolean },
): Pick<RequestContext, 'subject' | 'encounter' | 'authoredOn' | 'requester'> & ReturnType<typeof occurrence> {
  return { subject: ctx.subject, encounter: ctx.encounter, ...occurrence(ad, allowed), authoredOn: ctx.authoredOn, requester: ctx.requester };
}

/** occurrence[x] from timing[x], for request types whose occurrence allows the given variants. */
function occurrence(ad: ActivityDefinition, allowed: { timing: boolean }): { occurrenceDateTime?: string; occurrencePeriod?: Period; occurrenceTiming?: Timing } {
  return {
    occurrenceDateTime: ad.timingDateTime,
    occurrencePeriod: ad.timingPeriod,
    occurrenceTiming: allowed.timing ? ad.timingTiming : undefined,
  };
}

/** See {@link requestHeader}. */
interface RequestHeader {
  readonly meta: Meta | undefined;
  readonly extension: Extension[];
  readonly instantiatesCanonical: string[] | undefined;
  readonly status: 'draft';
  readonly intent: NonNullable<ActivityDefinition['intent']>;
  readonly priority: ActivityDefinition['priority'];
}

/**
 * The elements ServiceRequest, MedicationRequest and DeviceRequest all start with, in R4 element order after
 * `resourceType`: the profile, the goals, the definition instantiated, status `draft`, intent (`proposal` when
 * the definition gives none) and priority. Spread first, so the element order of each type is kept.
 */
function requestHeader(ad: ActivityDefinition, ctx: RequestContext): RequestHeader {
  return {
    meta: metaOf(ad),
    extension: extensionsOf(ctx, undefined),
    instantiatesCanonical: canonicalList(ad),
    status: 'draft',
    intent: ad.intent ?? 'proposal',
    priority: ad.priority,
  };
}

function canonicalList(ad: ActivityDefinition): string[] | undefined {
  const canonical = canonicalOf(ad);
  return canonical === undefined ? undefined : [canonical];
}

function missing(ad: ActivityDefinition, kind: string, what: string): Error {
  const label = ad.id === undefined ? (ad.url ?? 'ActivityDefinition') : `ActivityDefinition/${ad.id}`;
  return unprocessable(`${label}: a ${kind} needs ${what}, and the ActivityDefinition has none`, { expression: 'ActivityDefinition.product' });
}

/**
 * What a medication, device or supply request asks for: the product (a concept or a reference), else the
 * activity's code; a 422 when the definition has neither.
 */
function productOf(ad: ActivityDefinition, kind: RequestKind): { readonly concept: CodeableConcept | undefined; readonly reference: ActivityDefinition['productReference'] } {
  const concept = ad.productCodeableConcept ?? (ad.productReference === undefined ? ad.code : undefined);
  if (concept === undefined && ad.productReference === undefined) throw missing(ad, kind, 'a product (or a code)');
  return { concept, reference: ad.productReference };
}

/** The resource type of each request kind. */
interface RequestOfKind {
  ServiceRequest: ServiceRequest;
  CommunicationRequest: CommunicationRequest;
  Task: Task;
  MedicationRequest: MedicationRequest;
  DeviceRequest: DeviceRequest;
  SupplyRequest: SupplyRequest;
}

const BUILDERS: { readonly [K in RequestKind]: (ad: ActivityDefinition, ctx: RequestContext) => RequestOfKind[K] } = {
  ServiceRequest: (ad, ctx) => ({
    resourceType: 'ServiceRequest',
    ...requestHeader(ad, ctx),
    doNotPerform: ad.doNotPerform,
    code: ad.code,
    quantityQuantity: ad.quantity,
    ...subjectAndTime(ad, ctx, { timing: true }),
    performerType: rolesOf(ad)[0],
    performer: patientTakesPart(ad) ? [ctx.subject] : undefined,
    locationReference: ad.location === undefined ? undefined : [ad.location],
    bodySite: ad.bodySite,
  }),
  CommunicationRequest: (ad, ctx) => ({
    resourceType: 'CommunicationRequest',
    meta: metaOf(ad),
    extension: extensionsOf(ctx, canonicalOf(ad)),
    status: 'draft',
    category: ad.code === undefined ? undefined : [ad.code],
    priority: ad.priority,
    doNotPerform: ad.doNotPerform,
    ...subjectAndTime(ad, ctx, { timing: false }),
    recipient: patientTakesPart(ad) ? [ctx.subject] : undefined,
  }),
  Task: (ad, ctx) => ({
    resourceType: 'Task',
    meta: metaOf(ad),
    extension: extensionsOf(ctx, undefined),
    instantiatesCanonical: canonicalOf(ad),
    status: 'draft',
    // Passed through as for the other kinds; R4's Task intent has no `directive` (the validator reports one).
    intent: (ad.intent ?? 'proposal') as Task['intent'],
    priority: ad.priority,
    code: ad.code,
    description: ad.description,
    for: ctx.subject,
    encounter: ctx.encounter,
    executionPeriod: ad.timingPeriod,
    authoredOn: ctx.authoredOn,
    requester: ctx.requester,
    performerType: rolesOf(ad),
    owner: patientTakesPart(ad) ? ctx.subject : undefined,
    location: ad.location,
  }),
  MedicationRequest: (ad, ctx) => {
    const product = productOf(ad, 'MedicationRequest');
    const header = requestHeader(ad, ctx);
    return {
      resourceType: 'MedicationRequest',
      ...header,
      // Passed through as for the other kinds; R4's MedicationRequest intent has no `directive`. (Replaced in
      // place: the key keeps its position from the header.)
      intent: header.intent as MedicationRequest['intent'],
      doNotPerform: ad.doNotPerform,
      medicationCodeableConcept: product.concept,
      // The definition's product may name a Substance, which R4's medicationReference does not allow: passed through.
      medicationReference: product.reference as MedicationRequest['medicationReference'],
      subject: ctx.subject,
      encounter: ctx.encounter,
      authoredOn: ctx.authoredOn,
      requester: ctx.requester,
      performer: patientTakesPart(ad) ? ctx.subject : undefined,
      performerType: rolesOf(ad)[0],
      dosageInstruction: ad.dosage ?? (ad.timingTiming === undefined ? undefined : [{ timing: ad.timingTiming }]),
      dispenseRequest: ad.quantity === undefined ? undefined : { quantity: ad.quantity },
    };
  },
  DeviceRequest: (ad, ctx) => {
    const product = productOf(ad, 'DeviceRequest');
    return {
      resourceType: 'DeviceRequest',
      ...requestHeader(ad, ctx),
      // R4's ActivityDefinition.productReference names a Medication or Substance, a DeviceRequest's code a
      // Device: the definition's reference is passed through as it is.
      codeReference: product.reference as unknown as DeviceRequest['codeReference'],
      codeCodeableConcept: product.concept,
      ...subjectAndTime(ad, ctx, { timing: true }),
      performerType: rolesOf(ad)[0],
      performer: patientTakesPart(ad) ? ctx.subject : undefined,
    };
  },
  SupplyRequest: (ad, ctx) => {
    const product = productOf(ad, 'SupplyRequest');
    if (ad.quantity === undefined) throw missing(ad, 'SupplyRequest', 'a quantity');
    return {
      resourceType: 'SupplyRequest',
      meta: metaOf(ad),
      extension: extensionsOf(ctx, canonicalOf(ad)),
      status: 'draft',
      priority: ad.priority,
      itemCodeableConcept: product.concept,
      itemReference: product.reference,
      quantity: ad.quantity,
      ...occurrence(ad, { timing: true }),
      authoredOn: ctx.authoredOn,
      requester: ctx.requester,
    };
  },
};

/**
 * True when `kind` is a request type `$apply` can produce.
 */
export function isSupportedKind(kind: string | undefined): kind is RequestKind {
  return (SUPPORTED_REQUEST_KINDS as readonly (string | undefined)[]).includes(kind);
}

/**
 * The request an ActivityDefinition describes, before dynamic values; a 422 for an unsupported `kind` or a
 * request type whose required element the definition cannot fill. The result may share objects with `ad`
 * (a frozen index entry): callers copy the finished result once (`copyJson`) instead of every draft.
 */
export function buildRequest(ad: ActivityDefinition, ctx: RequestContext): Resource {
  const kind = ad.kind;
  if (!isSupportedKind(kind)) {
    const label = ad.id === undefined ? (ad.url ?? 'ActivityDefinition') : `ActivityDefinition/${ad.id}`;
    throw unprocessable(`${label}: kind "${String(kind)}" is not supported by $apply; supported kinds are ${SUPPORTED_REQUEST_KINDS.join(', ')}`, {
      expression: 'ActivityDefinition.kind',
    });
  }
  return compact<Resource>(BUILDERS[kind](ad, ctx));
}
