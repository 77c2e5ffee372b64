/**
 * Fidelity of the content to the procedure card (CPT 47383, percutaneous cryoablation of liver tumors): the card is
 * walked section by section and every fact is looked up in the FHIR element that means it, reading the JSON files
 * of fhir-resources/ directly. The expected facts are quoted from the card here, so the test needs nothing outside
 * the project.
 */
import type {
  ActivityDefinition,
  CodeSystem,
  CodeSystemConcept,
  Coding,
  Library,
  PlanDefinition,
  PlanDefinitionAction,
  Questionnaire,
  RelatedArtifact,
  UsageContext,
  ValueSet,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { contentFiles } from '../helpers/fixtures.ts';

// ------------------------------------------------------------------------------------------------ the card's facts

const CARD = {
  name: 'Ablation, 1 or more liver tumor(s), percutaneous, cryoablation',
  commonNames: ['Liver tumor cryoablation', 'Cryosurgery for liver tumors'],
  technicalTerms: ['Percutaneous cryoablation of hepatic tumors'],
  summary:
    'Cryoablation is a minimally invasive procedure used to treat liver tumors by freezing and destroying cancerous ' +
    'cells. It involves inserting a thin needle through the skin to apply extreme cold directly to the tumors.',
  purpose:
    'Cryoablation is used to treat liver tumors, including primary liver cancer and metastatic cancers that have ' +
    'spread to the liver. The goals are to eliminate the tumor cells, reduce symptoms, and potentially extend life ' +
    'expectancy.',
  goals: ['Eliminate the tumor cells', 'Reduce symptoms', 'Potentially extend life expectancy'],
  focus: ['Primary liver cancer', 'Metastatic cancer that has spread to the liver'],
  indications: [
    'Small liver tumors not suitable for surgical removal',
    'Patients who cannot undergo surgery due to medical conditions',
    'Tumors that have recurred after previous treatments',
    'Symptomatic relief from tumor-related issues like pain',
  ],
  preparation: [
    'Fasting for several hours before the procedure',
    'Adjusting or stopping certain medications, such as blood thinners',
    'Pre-procedure imaging tests like CT scans or MRIs for precise tumor localization',
    'Blood tests to assess liver function and clotting status',
  ],
  procedure: [
    'The patient is positioned on an imaging table.',
    'Anesthesia is administered (usually local anesthesia with sedation or general anesthesia).',
    'Using imaging guidance (CT or ultrasound), a cryoprobe is inserted through the skin directly into the liver tumor.',
    'Liquid nitrogen or argon gas within the cryoprobe generates extreme cold, freezing the tumor tissue.',
    'The freezing-thawing cycle is repeated as necessary to ensure complete ablation.',
    'The cryoprobe is removed, and the puncture site is bandaged.',
  ],
  anesthesiaOptions: ['Local anesthesia with sedation', 'General anesthesia'],
  guidanceOptions: ['CT', 'ultrasound'],
  cryogens: ['Liquid nitrogen', 'Argon gas'],
  duration: 'The procedure usually takes 1 to 2 hours, depending on the number and size of tumors treated.',
  settings: ['Hospital interventional radiology suite', 'Outpatient surgical center'],
  personnel: ['Interventional radiologist or surgeon', 'Nursing staff', 'Anesthesiologist or nurse anesthetist'],
  commonComplications: ['Bleeding', 'Infection at the puncture site', 'Bruising'],
  rareComplications: ['Injury to surrounding structures', 'Liver dysfunction', 'Cryoshock'],
  rareComplicationDetails: ['bile ducts', 'systemic reaction to freezing'],
  benefits: [
    'Minimally invasive with quicker recovery compared to open surgery',
    'Effective in reducing or eliminating tumor burden',
    'Can provide symptomatic relief',
    'Can be repeated if new tumors develop',
  ],
  recovery: [
    'Monitoring in a recovery area for a few hours post-procedure',
    'Pain management with prescribed medications',
    'Instructions to avoid strenuous activities for a few days',
    'Follow-up imaging to assess the effectiveness of the procedure',
    'Regular follow-up appointments with the healthcare provider',
  ],
  alternatives: [
    'Surgical resection of liver tumors',
    'Radiofrequency ablation',
    'Microwave ablation',
    'Transarterial chemoembolization (TACE)',
    'Systemic chemotherapy',
  ],
  pros:
    'Each alternative has specific indications, benefits, and risks; some may be more effective for certain tumor ' +
    'types or locations.',
  cons: 'Alternatives may involve longer recovery times, higher risks, or may not be suitable for all patients.',
  patientExperience: [
    'During the procedure, the patient is sedated or asleep and should feel minimal discomfort.',
    'Post-procedure discomfort or pain at the puncture site is common but manageable with medication.',
    'Patients may experience mild swelling or bruising, but serious pain is uncommon.',
    'Overall, most patients can resume normal activities within a few days.',
  ],
} as const;

const AMA_NOTICE =
  'CPT \u00a9 Copyright 2026 American Medical Association. All rights reserved. AMA and CPT are registered ' +
  'trademarks of the American Medical Association.';
const CPT = 'http://www.ama-assn.org/go/cpt';
const CPG_ACTIVITY_TYPE = 'http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-activity-type-cs';
const BASE = 'https://example.org/fhir/liver-cryoablation';
const PROJECT_CS = `${BASE}/CodeSystem/liver-cryoablation`;
const SNOMED_SYNONYM = { system: 'http://snomed.info/sct', code: '900000000000013009' };
const VENUE = { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'venue' };
const FOCUS = { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'focus' };

// ------------------------------------------------------------------------------------------------ the content

type Canonical = (CodeSystem | ValueSet | ActivityDefinition | PlanDefinition | Library | Questionnaire) & { meta?: { profile?: string[] } };

const files = contentFiles<Canonical>();
const byUrl = new Map(files.map((f) => [f.resource.url, f.resource]));

function get<T extends Canonical>(resourceType: T['resourceType'], id: string): T {
  const file = files.find((f) => f.resource.resourceType === resourceType && f.resource.id === id);
  if (file === undefined) {
    throw new Error(`missing ${resourceType}/${id}`);
  }
  return file.resource as T;
}

function resolveCanonical<T extends Canonical>(url: string | undefined): T {
  const found = url === undefined ? undefined : byUrl.get(url.split('|')[0]);
  if (found === undefined) {
    throw new Error(`canonical ${url} does not resolve`);
  }
  return found as T;
}

function allConcepts(concepts: readonly CodeSystemConcept[] | undefined): CodeSystemConcept[] {
  return (concepts ?? []).flatMap((c) => [c, ...allConcepts(c.concept)]);
}

function findConcept(code: string, concepts = project().concept): CodeSystemConcept | undefined {
  return allConcepts(concepts).find((c) => c.code === code);
}

function childrenOf(code: string): CodeSystemConcept[] {
  return findConcept(code)?.concept ?? [];
}

function project(): CodeSystem {
  return get<CodeSystem>('CodeSystem', 'liver-cryoablation');
}

function protocol(): PlanDefinition {
  return get<PlanDefinition>('PlanDefinition', 'liver-tumor-cryoablation');
}

function action(id: string, actions: readonly PlanDefinitionAction[] | undefined = protocol().action): PlanDefinitionAction {
  for (const a of actions ?? []) {
    if (a.id === id) {
      return a;
    }
    const nested = (a.action ?? []).length > 0 ? tryAction(id, a.action) : undefined;
    if (nested !== undefined) {
      return nested;
    }
  }
  throw new Error(`no action ${id}`);
}

function tryAction(id: string, actions: readonly PlanDefinitionAction[] | undefined): PlanDefinitionAction | undefined {
  try {
    return action(id, actions);
  } catch {
    return undefined;
  }
}

function allActions(actions: readonly PlanDefinitionAction[] | undefined): PlanDefinitionAction[] {
  return (actions ?? []).flatMap((a) => [a, ...allActions(a.action)]);
}

function definitionOf(a: PlanDefinitionAction): ActivityDefinition {
  const ad = resolveCanonical<ActivityDefinition>(a.definitionCanonical);
  expect(ad.resourceType).toBe('ActivityDefinition');
  return ad;
}

function contextTexts(contexts: readonly UsageContext[] | undefined, type: { system: string; code: string }): string[] {
  return (contexts ?? [])
    .filter((u) => u.code.system === type.system && u.code.code === type.code)
    .map((u) => u.valueCodeableConcept?.text ?? '');
}

function artifact(artifacts: readonly RelatedArtifact[] | undefined, label: string): RelatedArtifact {
  const found = (artifacts ?? []).find((r) => r.label === label);
  if (found === undefined) {
    throw new Error(`no relatedArtifact labelled ${label}`);
  }
  return found;
}

/** Every Coding anywhere in a JSON value. */
function codings(value: unknown): Coding[] {
  if (Array.isArray(value)) {
    return value.flatMap(codings);
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const own = typeof obj.code === 'string' && typeof obj.system === 'string' ? [obj as Coding] : [];
    return [...own, ...Object.values(obj).flatMap(codings)];
  }
  return [];
}

function norm(text: string): string {
  return text.toLowerCase();
}

/**
 * Every string of a resource a reader sees, except the displays of RxNorm clinical drugs (their strengths, such as
 * "25000 UNT/ML", would look like CPT codes).
 */
function proseStrings(value: unknown, inRxNormInclude = false): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap((v) => proseStrings(v, inRxNormInclude));
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const rx = inRxNormInclude || obj.system === 'http://www.nlm.nih.gov/research/umls/rxnorm';
    return Object.entries(obj)
      .filter(([key]) => !(rx && (key === 'display' || key === 'code')))
      .flatMap(([key, v]) => (key === 'text' ? [] : proseStrings(v, rx)));
  }
  return [];
}

/** The words an activity shows or sends: title, description, code text and the text its dynamic values produce. */
function wordsOf(ad: ActivityDefinition): string[] {
  return [
    ad.title,
    ad.description,
    ad.code?.text,
    ...(ad.dynamicValue ?? []).map((d) => d.expression.expression),
  ].filter((w): w is string => w !== undefined);
}

// ------------------------------------------------------------------------------------------------ the walk

describe('card section: Name', () => {
  it('is the protocol title, the cryoablation activity title and the CPT display of 47383', () => {
    expect(protocol().title).toBe(CARD.name);
    expect(protocol().name).toMatch(/^[A-Z][A-Za-z0-9_]*$/);
    expect(get<ActivityDefinition>('ActivityDefinition', 'liver-tumor-cryoablation').title).toBe(CARD.name);
    const cpt = get<CodeSystem>('CodeSystem', 'cpt');
    expect(cpt.concept).toEqual([{ code: '47383', display: CARD.name }]);
  });
});

describe('card section: Common names and technical terms', () => {
  const supplement = get<CodeSystem>('CodeSystem', 'cpt-supplement');

  it('are English synonym designations on 47383 in a supplement of CPT 2026', () => {
    expect(supplement.content).toBe('supplement');
    expect(supplement.supplements).toBe(`${CPT}|2026`);
    expect(supplement.concept?.map((c) => c.code)).toEqual(['47383']);
    const designations = supplement.concept?.[0].designation ?? [];
    expect(designations.map((d) => d.value)).toEqual([...CARD.commonNames, ...CARD.technicalTerms]);
    for (const d of designations) {
      expect(d.language).toBe('en');
      expect(d.use).toMatchObject(SNOMED_SYNONYM);
    }
  });

  it('are never labelled as AMA descriptors', () => {
    const labels = JSON.stringify(supplement.concept);
    expect(labels).not.toMatch(/AMA|consumer|clinician|descriptor/i);
  });
});

describe('card section: Summary', () => {
  it('is the description of the protocol and of the cryoablation activity', () => {
    expect(protocol().description).toBe(CARD.summary);
    expect(get<ActivityDefinition>('ActivityDefinition', 'liver-tumor-cryoablation').description).toContain(CARD.summary);
  });
});

describe('card section: Purpose', () => {
  it('is the protocol purpose', () => {
    expect(protocol().purpose).toContain(CARD.purpose);
  });

  it('gives three goals, each linked from an action', () => {
    const goals = protocol().goal ?? [];
    expect(goals.map((g) => g.description.text)).toEqual([...CARD.goals]);
    const linked = new Set(allActions(protocol().action).flatMap((a) => a.goalId ?? []));
    for (const goal of goals) {
      expect([...linked]).toContain(goal.id);
    }
    for (const id of linked) {
      expect(goals.some((g) => g.id === id)).toBe(true);
    }
  });

  it('names primary and metastatic liver cancer as the clinical focus', () => {
    expect(contextTexts(protocol().useContext, FOCUS)).toEqual([...CARD.focus]);
    expect(childrenOf('liver-tumor').map((c) => c.display)).toEqual([...CARD.focus]);
  });
});

describe('card section: Indications', () => {
  it('are the protocol usage and the indications value set', () => {
    for (const indication of CARD.indications) {
      expect(protocol().usage).toContain(indication);
    }
    expect(childrenOf('indication').map((c) => c.display)).toEqual([...CARD.indications]);
    const vs = get<ValueSet>('ValueSet', 'indications');
    expect(vs.compose?.include).toEqual([
      { system: PROJECT_CS, version: '0.1.0', filter: [{ property: 'concept', op: 'descendent-of', value: 'indication' }] },
    ]);
    expect(artifact(protocol().relatedArtifact, 'Indications').resource).toBe(vs.url);
  });
});

describe('card section: Preparation', () => {
  const preparation = action('preparation');
  const steps = preparation.action ?? [];

  it('is a group of four actions, each an activity definition that starts before the procedure', () => {
    expect(steps).toHaveLength(4);
    expect(steps.map((s) => s.description)).toEqual(CARD.preparation.map((p) => `${p}.`));
    for (const step of steps) {
      definitionOf(step);
      expect(step.relatedAction).toEqual([{ actionId: 'procedure', relationship: 'before-start' }]);
    }
  });

  it('links the pre-procedure checklist: a Questionnaire with one yes/no item per preparation item of the card', () => {
    const checklist = get<Questionnaire>('Questionnaire', 'pre-procedure-checklist');
    expect(preparation.documentation?.map((d) => d.resource)).toEqual([checklist.url]);
    expect(checklist.item?.map((i) => i.type)).toEqual(CARD.preparation.map(() => 'boolean'));
    // Each item names what its preparation step is about, in the card's words.
    const keyWords = ['Fasting for several hours', 'blood thinners', 'CT scan or MRI', 'liver function and clotting status'];
    expect(checklist.item?.map((i, n) => i.text?.includes(keyWords[n]))).toEqual(keyWords.map(() => true));
  });

  it('orders each step with the right kind of request', () => {
    expect(steps.map((s) => definitionOf(s).kind)).toEqual(['CommunicationRequest', 'Task', 'ServiceRequest', 'ServiceRequest']);
    const fasting = definitionOf(steps[0]);
    expect(fasting.description).toContain('several hours');
    expect(JSON.stringify(fasting.dynamicValue)).toContain('several hours');
    expect(definitionOf(steps[2]).description).toMatch(/CT scans or MRIs/);
    expect(definitionOf(steps[3]).description).toMatch(/liver function and clotting status/);
  });

  it('keeps "several hours" of fasting as text: no number appears in the fasting step', () => {
    const fasting = definitionOf(steps[0]);
    expect(fasting.timingTiming).toBeUndefined();
    for (const words of wordsOf(fasting)) {
      expect(words).not.toMatch(/\d/);
    }
  });

  it('reviews medications for every patient, and adds a specific review when the data show an anticoagulant or an antiplatelet', () => {
    const review = steps[1];
    // Unconditional: the card's preparation applies to every patient.
    expect(review.condition).toBeUndefined();
    expect((review.action ?? []).map((a) => a.id)).toEqual(['anticoagulant-found', 'antiplatelet-found']);
    for (const specific of review.action ?? []) {
      expect(specific.priority).toBe('urgent');
      expect(specific.condition).toHaveLength(1);
      expect(specific.condition?.[0]?.kind).toBe('applicability');
    }
  });

  it('states each specific review as CQL (text/cql-identifier into the plan Library) with a FHIRPath alternative encoding the same ValueSets and statuses', () => {
    const plan = get<PlanDefinition>('PlanDefinition', 'liver-tumor-cryoablation');
    const library = get<Library>('Library', 'medication-review-logic');
    expect(plan.library).toEqual([library.url]);
    const cql = Buffer.from(library.content?.find((c) => c.contentType === 'text/cql')?.data ?? '', 'base64').toString('utf8');
    const statusesIn = (text: string, resource: string): string[] => {
      // CQL: `[MedicationRequest] R where R.status in { 'active', 'on-hold' }`; FHIRPath: `$this is MedicationRequest and (status = 'active' or …)`.
      const cqlMatch = new RegExp(`\\[${resource}\\][^{]*\\{([^}]*)\\}`).exec(text);
      const fhirPathMatch = new RegExp(`\\$this is ${resource} and \\(?([^)]*)\\)`).exec(text);
      const source = cqlMatch?.[1] ?? fhirPathMatch?.[1] ?? '';
      return [...source.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]).sort();
    };
    for (const [actionId, definition, valueSet] of [
      ['anticoagulant-found', 'Has Active Anticoagulant', 'anticoagulants'],
      ['antiplatelet-found', 'Has Active Antiplatelet', 'antiplatelets'],
    ] as const) {
      const expression = action(actionId).condition?.[0]?.expression;
      expect(expression?.language).toBe('text/cql-identifier');
      expect(expression?.expression).toBe(definition);
      expect(expression?.reference).toBe(library.url);
      expect(cql).toContain(`define "${definition}":`);
      const alternative = expression?.extension?.find((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/cqf-alternativeExpression')?.valueExpression;
      expect(alternative?.language).toBe('text/fhirpath');
      const fhirPath = alternative?.expression ?? '';
      const url = get<ValueSet>('ValueSet', valueSet).url as string;
      expect(fhirPath).toContain(`memberOf('${url}')`);
      expect(cql).toContain(`'${url}'`);
      for (const resource of ['MedicationRequest', 'MedicationStatement', 'MedicationAdministration']) {
        expect(statusesIn(fhirPath, resource), `${actionId} ${resource}`).toEqual(statusesIn(cql, resource));
        expect(statusesIn(fhirPath, resource).length).toBeGreaterThan(0);
      }
    }
  });

  it('defines anticoagulants and antiplatelets by RxNorm codes whose displays name drugs of the class, with their sources recorded', () => {
    const classes = {
      anticoagulants: /warfarin|heparin|enoxaparin|dalteparin|fondaparinux|apixaban|rivaroxaban|dabigatran|edoxaban|betrixaban|argatroban|bivalirudin|desirudin/i,
      antiplatelets: /aspirin|clopidogrel|ticagrelor|prasugrel|ticlopidine|dipyridamole|cilostazol/i,
    };
    for (const [id, pattern] of Object.entries(classes)) {
      const vs = get<ValueSet>('ValueSet', id);
      const include = vs.compose?.include ?? [];
      expect(include).toHaveLength(1);
      expect(include[0].system).toBe('http://www.nlm.nih.gov/research/umls/rxnorm');
      const concepts = include[0].concept ?? [];
      expect(concepts.length).toBeGreaterThan(50);
      for (const c of concepts) {
        expect(c.code).toMatch(/^\d+$/);
        expect(c.display).toMatch(pattern);
      }
      expect(new Set(concepts.map((c) => c.code)).size).toBe(concepts.length);
      expect(vs.description).toContain('2.16.840.1.113762.1.4.1110.62');
      expect(vs.description).toContain('us-core-allergy-substance');
      expect(vs.copyright).toMatch(/RxNorm.*VSAC/s);
    }
    expect(get<ValueSet>('ValueSet', 'anticoagulants').description).toContain('2.16.840.1.113762.1.4.1248.22');
    expect(get<ValueSet>('ValueSet', 'blood-thinners').compose?.include.map((i) => i.valueSet?.[0])).toEqual([
      get<ValueSet>('ValueSet', 'anticoagulants').url,
      get<ValueSet>('ValueSet', 'antiplatelets').url,
    ]);
  });
});

describe('card section: Procedure Description', () => {
  const procedure = action('procedure');
  const steps = procedure.action ?? [];

  it('is the procedure action: a ServiceRequest activity coded CPT 47383', () => {
    const ad = definitionOf(procedure);
    expect(ad.kind).toBe('ServiceRequest');
    // The CPG activity-type coding says what kind of activity this is (cpg-servicerequestactivity's pattern).
    expect(ad.code?.coding).toEqual([
      { system: CPT, version: '2026', code: '47383', display: CARD.name },
      { system: CPG_ACTIVITY_TYPE, code: 'order-service', display: 'Order a service' },
    ]);
  });

  it('has six steps prefixed 1 to 6 in the card order, chained by before-start', () => {
    expect(steps.map((s) => s.prefix)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(steps.map((s) => s.description)).toEqual([...CARD.procedure]);
    for (let i = 0; i < 5; i++) {
      expect(steps[i].relatedAction).toEqual([{ actionId: steps[i + 1].id, relationship: 'before-start' }]);
    }
    expect(steps[5].relatedAction ?? []).toEqual([]);
  });

  it('offers exactly one anesthesia: local with sedation or general', () => {
    const anesthesia = steps[1];
    expect(anesthesia.selectionBehavior).toBe('exactly-one');
    expect(anesthesia.action?.map((a) => definitionOf(a).title)).toEqual([...CARD.anesthesiaOptions]);
  });

  it('offers exactly one imaging guidance: CT or ultrasound', () => {
    const guidance = steps[2];
    expect(guidance.selectionBehavior).toBe('exactly-one');
    const options = guidance.action ?? [];
    expect(options).toHaveLength(2);
    CARD.guidanceOptions.forEach((modality, i) => {
      expect(definitionOf(options[i]).description).toContain(`Using ${modality} guidance`);
    });
  });

  it('freezes with liquid nitrogen or argon gas, as text and as the cryogen property', () => {
    const freezing = definitionOf(steps[3]);
    for (const cryogen of CARD.cryogens) {
      expect(norm(freezing.description ?? '')).toContain(norm(cryogen));
    }
    const code = freezing.code?.coding?.[0].code ?? '';
    const property = findConcept(code)?.property?.filter((p) => p.code === 'cryogen').map((p) => p.valueCode);
    expect(property?.map((v) => findConcept(v ?? '')?.display)).toEqual([...CARD.cryogens]);
  });

  it('repeats the freeze-thaw cycle as necessary', () => {
    expect(steps[4].cardinalityBehavior).toBe('multiple');
    expect(definitionOf(steps[4]).description).toContain('repeated as necessary');
  });
});

describe('card section: Duration', () => {
  it('is 1 to 2 hours on the cryoablation activity timing, and nowhere else', () => {
    const ad = get<ActivityDefinition>('ActivityDefinition', 'liver-tumor-cryoablation');
    expect(ad.timingTiming).toEqual({ repeat: { duration: 1, durationMax: 2, durationUnit: 'h' } });
    expect(ad.description).toContain(CARD.duration);
    const timed = files.filter((f) => 'timingTiming' in f.resource || JSON.stringify(f.resource).includes('"timing'));
    expect(timed.map((f) => f.name)).toEqual(['ActivityDefinition-liver-tumor-cryoablation.json']);
  });
});

describe('card section: Setting', () => {
  it('is two venue use contexts on the protocol and the cryoablation activity', () => {
    expect(contextTexts(protocol().useContext, VENUE)).toEqual([...CARD.settings]);
    const ad = get<ActivityDefinition>('ActivityDefinition', 'liver-tumor-cryoablation');
    expect(contextTexts(ad.useContext, VENUE)).toEqual([...CARD.settings]);
    expect(childrenOf('care-setting').map((c) => c.display)).toEqual([...CARD.settings]);
  });
});

describe('card section: Personnel', () => {
  it('is three practitioner participants with roles on the cryoablation activity and the procedure action', () => {
    const ad = get<ActivityDefinition>('ActivityDefinition', 'liver-tumor-cryoablation');
    expect(ad.participant?.map((p) => p.type)).toEqual(['practitioner', 'practitioner', 'practitioner']);
    expect(ad.participant?.map((p) => p.role?.text)).toEqual([...CARD.personnel]);
    expect(action('procedure').participant?.map((p) => p.role?.text)).toEqual([...CARD.personnel]);
    expect(childrenOf('personnel-role').map((c) => c.display)).toEqual([...CARD.personnel]);
  });

  it('puts step-specific roles on the matching actions', () => {
    expect(action('step-2-anesthesia').participant?.map((p) => p.role?.text)).toEqual([CARD.personnel[2]]);
    expect(action('step-3-cryoprobe-placement').participant?.map((p) => p.role?.text)).toEqual([CARD.personnel[0]]);
  });
});

describe('card section: Risks and Complications', () => {
  const leaves = allConcepts(childrenOf('complication')).filter((c) => (c.concept ?? []).length === 0);
  const frequency = (c: CodeSystemConcept): string | undefined => c.property?.find((p) => p.code === 'frequency')?.valueCode;

  it('are six complications, three common and three rare, graded by the frequency property', () => {
    expect(leaves).toHaveLength(6);
    expect(leaves.filter((c) => frequency(c) === 'common').map((c) => c.display)).toEqual([...CARD.commonComplications]);
    expect(leaves.filter((c) => frequency(c) === 'rare').map((c) => c.display)).toEqual([...CARD.rareComplications]);
    const definitions = leaves.map((c) => c.definition ?? '').join(' ');
    for (const detail of CARD.rareComplicationDetails) {
      expect(definitions).toContain(detail);
    }
    const declared = project().property?.find((p) => p.code === 'frequency');
    expect(declared?.type).toBe('code');
    expect(findConcept('common')?.code).toBe('common');
    expect(findConcept('rare')?.code).toBe('rare');
  });

  it('have common and rare value sets selected by a frequency filter, not by listing codes', () => {
    for (const [id, value] of [['complications-common', 'common'], ['complications-rare', 'rare']] as const) {
      const vs = get<ValueSet>('ValueSet', id);
      expect(vs.compose?.include).toEqual([
        { system: PROJECT_CS, version: '0.1.0', filter: [{ property: 'frequency', op: '=', value }] },
      ]);
    }
    const all = get<ValueSet>('ValueSet', 'complications');
    expect(all.compose?.include.flatMap((i) => i.valueSet ?? [])).toEqual([
      `${BASE}/ValueSet/complications-common`,
      `${BASE}/ValueSet/complications-rare`,
    ]);
  });

  it('are documented from the protocol', () => {
    const ref = artifact(protocol().relatedArtifact, 'Risks and complications');
    expect(ref.type).toBe('documentation');
    expect(resolveCanonical(ref.resource).id).toBe('complications');
  });
});

describe('card section: Benefits', () => {
  it('are in the purpose and a justification artifact pointing to the benefits value set', () => {
    for (const benefit of CARD.benefits) {
      expect(protocol().purpose).toContain(benefit);
    }
    expect(childrenOf('benefit').map((c) => c.display)).toEqual([...CARD.benefits]);
    const ref = artifact(protocol().relatedArtifact, 'Benefits');
    expect(ref.type).toBe('justification');
    expect(resolveCanonical(ref.resource).id).toBe('benefits');
  });
});

describe('card section: Recovery', () => {
  const recovery = action('recovery');

  it('is a group after the end of the procedure with the five recovery items', () => {
    expect(recovery.relatedAction).toEqual([{ actionId: 'procedure', relationship: 'after-end' }]);
    expect(recovery.action?.map((a) => definitionOf(a).description)).toEqual(CARD.recovery.map((r) => expect.stringContaining(`${r}.`)));
  });

  it('keeps "a few hours" and "a few days" as text, with no invented number', () => {
    for (const a of recovery.action ?? []) {
      const ad = definitionOf(a);
      expect(ad.timingTiming).toBeUndefined();
      for (const words of wordsOf(ad)) {
        expect(words).not.toMatch(/\d/);
      }
    }
  });
});

describe('card section: Alternatives', () => {
  const options = get<PlanDefinition>('PlanDefinition', 'liver-tumor-cryoablation-alternatives');

  it('are five options in one exactly-one group', () => {
    expect(options.action).toHaveLength(1);
    const group = options.action?.[0];
    expect(group?.selectionBehavior).toBe('exactly-one');
    expect(group?.action?.map((a) => a.title)).toEqual([...CARD.alternatives]);
    expect(childrenOf('alternative').map((c) => c.display)).toEqual([...CARD.alternatives]);
  });

  it('carry the pros and cons in the documentation of each option', () => {
    for (const option of options.action?.[0].action ?? []) {
      expect(artifact(option.documentation, 'Pros').display).toBe(CARD.pros);
      expect(artifact(option.documentation, 'Cons').display).toBe(CARD.cons);
    }
    expect(options.description).toContain(CARD.pros);
    expect(options.description).toContain(CARD.cons);
  });

  it('are linked from the protocol', () => {
    expect(resolveCanonical(artifact(protocol().relatedArtifact, 'Alternatives').resource).id).toBe(options.id);
  });
});

describe('card section: Patient Experience', () => {
  it('is a patient education CommunicationRequest with the card text, linked from the protocol', () => {
    const education = get<ActivityDefinition>('ActivityDefinition', 'patient-education');
    expect(education.kind).toBe('CommunicationRequest');
    const payload = JSON.stringify(education.dynamicValue);
    for (const sentence of CARD.patientExperience) {
      expect(education.description).toContain(sentence);
      expect(payload).toContain(sentence);
    }
    const ref = artifact(protocol().relatedArtifact, 'Patient experience');
    expect(ref.type).toBe('documentation');
    expect(resolveCanonical(ref.resource).id).toBe('patient-education');
    expect(ref.display).toBe(CARD.patientExperience.join(' '));
  });
});

describe('CPT and the AMA', () => {
  it('ships a CPT 2026 fragment with only 47383 and the AMA notice', () => {
    const cpt = get<CodeSystem>('CodeSystem', 'cpt');
    expect(cpt.url).toBe(CPT);
    expect(cpt.version).toBe('2026');
    expect(cpt.content).toBe('fragment');
    expect(cpt.caseSensitive).toBe(true);
    expect(cpt.copyright).toBe(AMA_NOTICE);
  });

  it('uses no CPT code other than 47383 anywhere', () => {
    for (const file of files) {
      for (const c of codings(file.resource).filter((c) => c.system === CPT)) {
        expect(c.code, file.name).toBe('47383');
      }
      // CPT codes are four digits and a digit, F, T or U. The narrative is checked by narrative.test.ts to be
      // generated from these same elements.
      const cptLike = proseStrings(file.resource).flatMap((t) => t.match(/(?<![\w-]|\d\.)\d{4}[\dFTU](?![\w-]|\.\d)/g) ?? []);
      expect(cptLike.filter((code) => code !== '47383'), file.name).toEqual([]);
    }
  });

  it('shows the AMA notice with every resource that carries the CPT descriptor', () => {
    for (const file of files.filter((f) => f.raw.includes(CARD.name))) {
      expect((file.resource as { copyright?: string }).copyright, file.name).toBe(AMA_NOTICE);
    }
  });
});

describe('every resource', () => {
  const CORE = 'http://hl7.org/fhir/StructureDefinition/';
  const CPG_PROFILE = 'http://hl7.org/fhir/uv/cpg/StructureDefinition/';
  const CRMI = 'http://hl7.org/fhir/uv/crmi/StructureDefinition/';
  /** The CPG activity profile for each kind of ActivityDefinition (Task steps have no narrower one). */
  const CPG_ACTIVITY: Record<string, string> = {
    ServiceRequest: 'cpg-servicerequestactivity',
    CommunicationRequest: 'cpg-communicationactivity',
    MedicationRequest: 'cpg-medicationrequestactivity',
    Task: 'cpg-computableactivity',
  };
  /** The profiles each resource claims: R4 shareable, and for knowledge artifacts CPG and CRMI (issue 11). */
  const profilesOf = (r: Canonical): string[] => {
    switch (r.resourceType) {
      case 'PlanDefinition':
        return [`${CORE}shareableplandefinition`, `${CPG_PROFILE}cpg-computableplandefinition`, `${CRMI}crmi-shareableplandefinition`, `${CRMI}crmi-publishableplandefinition`];
      case 'ActivityDefinition':
        return [`${CORE}shareableactivitydefinition`, CPG_PROFILE + CPG_ACTIVITY[r.kind ?? ''], `${CRMI}crmi-shareableactivitydefinition`, `${CRMI}crmi-publishableactivitydefinition`];
      case 'Library':
        return [`${CORE}shareablelibrary`, `${CRMI}crmi-shareablelibrary`, `${CRMI}crmi-publishablelibrary`];
      case 'Questionnaire':
        return [`${CORE}cqf-questionnaire`, `${CRMI}crmi-shareablequestionnaire`, `${CRMI}crmi-publishablequestionnaire`];
      default:
        return [`${CORE}shareable${r.resourceType.toLowerCase()}`];
    }
  };

  it.each(files.map((f) => [f.name, f.resource] as const))('%s is CRMI shareable', (name, r) => {
    expect(name).toBe(`${r.resourceType}-${r.id}.json`);
    expect(r.meta?.profile).toEqual(profilesOf(r));
    expect(r.url).toBe(r.url === CPT ? CPT : `${BASE}/${r.resourceType}/${r.id}`);
    expect(r.version).toBe(r.url === CPT ? '2026' : '0.1.0');
    expect(r.version).toMatch(r.url === CPT ? /^\d{4}$/ : /^\d+\.\d+\.\d+$/);
    expect(r.name).toMatch(/^[A-Z][A-Za-z0-9_]{0,254}$/);
    expect(r.title).toMatch(/^\S(.*\S)?$/); // present, not blank, no stray spaces
    expect(r.status).toBe('active');
    expect(r.experimental).toBe(false);
    expect(['2026-11-27', '2026-12-07']).toContain(r.date);
    expect(r.publisher).toBe('Liver Cryoablation FHIR Knowledge Project');
    expect(r.description).toMatch(/^\S([\s\S]*\S)?$/);
  });

  it('uses only codes that exist in the project code system, with its displays', () => {
    for (const file of files) {
      for (const c of codings(file.resource).filter((c) => c.system === PROJECT_CS)) {
        expect(findConcept(c.code ?? '')?.display, `${file.name} ${c.code}`).toBe(c.display);
      }
    }
    const codes = allConcepts(project().concept).map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('has every canonical reference resolve within the content', () => {
    const refs = files.flatMap((f) => {
      const r = f.resource as Canonical & Record<string, unknown>;
      const actions = r.resourceType === 'PlanDefinition' ? allActions(r.action) : [];
      return [
        ...actions.map((a) => a.definitionCanonical),
        ...actions.flatMap((a) => (a.documentation ?? []).map((d) => d.resource)),
        ...((r as { relatedArtifact?: RelatedArtifact[] }).relatedArtifact ?? []).map((a) => a.resource),
        ...(r.resourceType === 'ValueSet' ? (r.compose?.include ?? []).flatMap((i) => i.valueSet ?? []) : []),
        r.resourceType === 'CodeSystem' ? r.supplements : undefined,
      ].filter((u): u is string => u !== undefined);
    });
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(() => resolveCanonical(ref), ref).not.toThrow();
    }
  });

  it('respects the required bindings of the elements it uses', () => {
    const kinds = new Set(['Appointment', 'AppointmentResponse', 'CarePlan', 'Claim', 'CommunicationRequest', 'Contract',
      'DeviceRequest', 'EnrollmentRequest', 'ImmunizationRecommendation', 'MedicationRequest', 'NutritionOrder',
      'ServiceRequest', 'SupplyRequest', 'Task', 'VisionPrescription']);
    const participantTypes = new Set(['patient', 'practitioner', 'related-person', 'device']);
    const relationships = new Set(['before-start', 'before', 'before-end', 'concurrent-with-start', 'concurrent',
      'concurrent-with-end', 'after-start', 'after', 'after-end']);
    const artifactTypes = new Set(['documentation', 'justification', 'citation', 'predecessor', 'successor',
      'derived-from', 'depends-on', 'composed-of']);
    for (const { resource } of files) {
      if (resource.resourceType === 'ActivityDefinition') {
        expect(kinds.has(resource.kind ?? '')).toBe(true);
        expect(resource.intent).toBe('proposal');
        for (const p of resource.participant ?? []) {
          expect(participantTypes.has(p.type)).toBe(true);
        }
      }
      if (resource.resourceType === 'PlanDefinition') {
        expect(resource.type?.coding?.[0]).toMatchObject({
          system: 'http://terminology.hl7.org/CodeSystem/plan-definition-type',
          code: 'clinical-protocol',
        });
        const actions = allActions(resource.action);
        const ids = new Set(actions.map((a) => a.id));
        for (const a of actions) {
          for (const p of a.participant ?? []) {
            expect(participantTypes.has(p.type)).toBe(true);
          }
          for (const r of a.relatedAction ?? []) {
            expect(relationships.has(r.relationship)).toBe(true);
            expect(ids.has(r.actionId)).toBe(true);
          }
          for (const c of a.condition ?? []) {
            expect(['applicability', 'start', 'stop']).toContain(c.kind);
          }
        }
      }
      for (const r of ((resource as { relatedArtifact?: RelatedArtifact[] }).relatedArtifact ?? [])) {
        expect(artifactTypes.has(r.type)).toBe(true);
      }
    }
  });

  it('quotes the card lists word for word (indications, preparation, procedure, recovery)', () => {
    const all = files.map((f) => f.raw).join('\n');
    for (const phrase of [...CARD.indications, ...CARD.preparation, ...CARD.recovery, ...CARD.procedure]) {
      expect(all).toContain(phrase);
    }
  });
});
