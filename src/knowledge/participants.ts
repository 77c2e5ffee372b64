/**
 * RequestGroup action participants. R4's `RequestGroup.action.participant` is a Reference, while a
 * PlanDefinition participant is a type and a role: a patient becomes the subject; a practitioner, related
 * person or device with a role becomes a contained PractitionerRole (`code`), RelatedPerson
 * (`relationship`) or Device (`type`) carrying that role; without a role, a Reference with only `type`
 * and `display`.
 *
 * @see https://hl7.org/fhir/R4/requestgroup-definitions.html#RequestGroup.action.participant
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.action.participant
 */
import type { CodeableConcept, Reference, Resource } from '@medplum/fhirtypes';
import type { ParsedReference } from './apply-input.ts';
import type { LocalIds } from './local-ids.ts';

/**
 * A participant of a PlanDefinition action or an ActivityDefinition.
 */
export interface ParticipantDefinition {
  readonly type?: string;
  readonly role?: CodeableConcept;
}

const RESOURCE_OF_TYPE: Readonly<Record<string, 'PractitionerRole' | 'RelatedPerson' | 'Device'>> = {
  practitioner: 'PractitionerRole',
  'related-person': 'RelatedPerson',
  device: 'Device',
};

const UNROLED_TYPE: Readonly<Record<string, string>> = {
  practitioner: 'Practitioner',
  'related-person': 'RelatedPerson',
  device: 'Device',
};

/** `<resource type>:<JSON of the role>` keys, built once per (frozen) role object and resource type. */
const participantKeys = new WeakMap<CodeableConcept, Map<string, string>>();

function participantKey(resourceType: string, role: CodeableConcept): string {
  if (typeof role !== 'object' || role === null) return `${resourceType}:${JSON.stringify(role)}`;
  let byType = participantKeys.get(role);
  if (byType === undefined) {
    byType = new Map();
    participantKeys.set(role, byType);
  }
  let key = byType.get(resourceType);
  if (key === undefined) {
    key = `${resourceType}:${JSON.stringify(role)}`;
    byType.set(resourceType, key);
  }
  return key;
}

function roleText(role: CodeableConcept): string | undefined {
  return role.text ?? role.coding?.find((c) => c.display !== undefined)?.display ?? role.coding?.[0]?.code;
}

/**
 * Collects the contained participant resources of one CarePlan (one per type and role).
 */
export class ParticipantResources {
  private readonly ids: LocalIds;
  private readonly subject: ParsedReference;
  private readonly byKey = new Map<string, Resource & { id: string }>();

  constructor(ids: LocalIds, subject: ParsedReference) {
    this.ids = ids;
    this.subject = subject;
  }

  /** The Reference standing for a participant. */
  reference(participant: ParticipantDefinition): Reference {
    const type = participant.type ?? 'practitioner';
    if (type === 'patient') {
      return this.subject.resourceType === 'Patient' ? { reference: this.subject.reference } : { type: 'Patient', display: 'Patient' };
    }
    const resourceType = RESOURCE_OF_TYPE[type];
    const role = participant.role;
    if (resourceType === undefined || role === undefined || (resourceType === 'RelatedPerson' && this.subject.resourceType !== 'Patient')) {
      const display = role === undefined ? type : (roleText(role) ?? type);
      return { type: (UNROLED_TYPE[type] ?? 'Practitioner') as Reference['type'], display };
    }
    const key = participantKey(resourceType, role);
    let resource = this.byKey.get(key);
    if (resource === undefined) {
      const id = this.ids.allocate(`${resourceType}-${role.coding?.[0]?.code ?? this.byKey.size + 1}`);
      resource =
        resourceType === 'PractitionerRole'
          ? { resourceType, id, code: [role] }
          : resourceType === 'RelatedPerson'
            ? { resourceType, id, patient: { reference: this.subject.reference }, relationship: [role] }
            : { resourceType, id, type: role };
      this.byKey.set(key, resource);
    }
    const display = roleText(role);
    return display === undefined ? { reference: `#${resource.id}`, type: resourceType } : { reference: `#${resource.id}`, type: resourceType, display };
  }

  /** The contained resources created so far, in creation order. */
  resources(): Resource[] {
    return [...this.byKey.values()];
  }
}
