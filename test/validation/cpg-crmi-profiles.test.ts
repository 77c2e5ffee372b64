/**
 * The HL7 CPG and CRMI profiles the content claims (issue 11, part 4), checked with the StructureDefinitions
 * shipped as test data in test/fixtures/ig/ (see its README for where they come from): the content meets
 * them, and each kind of constraint they carry is enforced — so a regression in the content or in the
 * validator shows up here, not in another engine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityDefinition, ElementDefinition, Extension, PlanDefinition, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { applyActivityDefinition } from '../../src/knowledge/activitydefinition-apply.ts';
import { CLAIMED_PROFILES_DIR } from '../../src/package/validate-content.ts';
import { snapshotFromDifferential } from '../../src/validation/profile-snapshot.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';
import { createValidator } from '../../src/validation/validator.ts';
import { applyOptions, fixtureResolver } from '../knowledge/fixtures.ts';
import { CONTENT_DIR, errorsOf, FIXTURE_CANONICAL_BASE, summarize } from './helpers.ts';

const CPG = 'http://hl7.org/fhir/uv/cpg/StructureDefinition/';
const CAPABILITY = 'http://hl7.org/fhir/StructureDefinition/cqf-knowledgeCapability';

function readFolder(dir: string): Resource[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Resource);
}

const profilePackage = readFolder(CLAIMED_PROFILES_DIR);
const content = readFolder(CONTENT_DIR);
const validator = createValidator({ packageResources: [...content, ...profilePackage], canonicalBase: FIXTURE_CANONICAL_BASE, bindingTerminology: createBindingTerminology() });

function contentResource<T extends Resource>(resourceType: T['resourceType'], id: string): T {
  const found = content.find((r) => r.resourceType === resourceType && r.id === id);
  if (found === undefined) throw new Error(`${resourceType}/${id} is not in fhir-resources/`);
  return structuredClone(found) as T;
}

function profile(url: string): StructureDefinition {
  const found = profilePackage.find((r): r is StructureDefinition => r.resourceType === 'StructureDefinition' && r.url === url);
  if (found === undefined) throw new Error(`${url} is not in test/fixtures/ig/`);
  return found;
}

const errors = (resource: Resource, profiles?: string[]): ReturnType<typeof summarize>[] =>
  errorsOf(validator.validate(resource, { requireShareable: true, requireKnownProfiles: true, profiles })).map(summarize);

const protocol = (): PlanDefinition => contentResource<PlanDefinition>('PlanDefinition', 'liver-tumor-cryoablation');
const imaging = (): ActivityDefinition => contentResource<ActivityDefinition>('ActivityDefinition', 'follow-up-imaging');

describe('CPG and CRMI profiles of the content', () => {
  it('every knowledge artifact claims CPG and CRMI profiles that are shipped here, and meets them', () => {
    const artifacts = content.filter((r) => ['PlanDefinition', 'ActivityDefinition', 'Library', 'Questionnaire'].includes(r.resourceType));
    expect(artifacts.length).toBeGreaterThan(20);
    for (const artifact of artifacts) {
      const claimed = (artifact.meta?.profile ?? []).filter((p) => p.includes('/uv/cpg/') || p.includes('/uv/crmi/'));
      expect(claimed.length, `${artifact.resourceType}/${artifact.id}`).toBeGreaterThan(0);
      for (const url of claimed) expect(() => profile(url), url).not.toThrow();
      expect(errors(artifact), `${artifact.resourceType}/${artifact.id}`).toEqual([]);
    }
  });

  it('the protocol is a CPG computable plan definition with CRMI metadata (author, effective period, capabilities)', () => {
    const plan = protocol();
    expect(plan.meta?.profile).toContain(`${CPG}cpg-computableplandefinition`);
    expect(plan.type?.coding?.[0]?.code).toBe('clinical-protocol');
    expect(plan.author?.[0]?.name).toBe(plan.publisher);
    expect(plan.effectivePeriod?.start).toBe(plan.date);
    expect((plan.extension ?? []).filter((e) => e.url === CAPABILITY).map((e) => e.valueCode)).toEqual(['shareable', 'computable', 'publishable']);
  });

  it('is not a CPG pathway: that profile forbids the relatedAction chaining and the selection groups the protocol needs', () => {
    const found = errors(protocol(), [`${CPG}cpg-pathwaydefinition`]).map((e) => e.expression);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/relatedAction/), expect.stringMatching(/selectionBehavior/)]));
  });

  it('is not a CPG order set: that profile fixes PlanDefinition.type to order-set', () => {
    expect(errors(protocol(), [`${CPG}cpg-ordersetdefinition`])).toEqual([
      expect.objectContaining({ check: 'profile', expression: 'PlanDefinition.type', text: expect.stringContaining('CPGOrderSetDefinition') }),
    ]);
  });
});

describe('the requests $apply makes from the content', () => {
  it.each(['follow-up-imaging', 'fasting-instruction', 'pain-management'])('from %s claim the CPG request profile the ActivityDefinition names, and meet it', (id) => {
    const activity = contentResource<ActivityDefinition>('ActivityDefinition', id);
    const request = applyActivityDefinition(activity, { subject: 'Patient/p1' }, applyOptions(fixtureResolver(content)));
    expect(request.meta?.profile).toEqual([activity.profile]);
    expect(errors(request)).toEqual([]);
  });
});

describe('each kind of profile constraint is enforced', () => {
  it('a required element (cpg-servicerequestactivity: doNotPerform 1..1)', () => {
    const { doNotPerform: _dropped, ...activity } = imaging();
    expect(errors(activity)).toEqual([expect.objectContaining({ check: 'profile', expression: 'ActivityDefinition.doNotPerform', text: expect.stringContaining('CPGServiceRequestActivity') })]);
  });

  it('a pattern (the order-service activity-type coding) and a fixed value (the request profile)', () => {
    const activity = imaging();
    activity.code = { coding: (activity.code?.coding ?? []).filter((c) => !c.system?.includes('cpg-activity-type')) };
    activity.profile = `${CPG}cpg-medicationrequest`;
    expect(errors(activity).map((e) => e.expression).sort()).toEqual(['ActivityDefinition.code', 'ActivityDefinition.profile']);
  });

  it('a CRMI publishable element (date 1..1), from a profile published without a snapshot', () => {
    const { date: _dropped, ...plan } = protocol();
    expect(errors(plan, [])).toEqual(
      expect.arrayContaining([expect.objectContaining({ expression: 'PlanDefinition.date', text: expect.stringContaining('CRMIPublishablePlanDefinition') })]),
    );
  });

  it('an extension slice: its cardinality (cpg-enabled 0..1) and its value type (cqf-knowledgeCapability valueCode)', () => {
    const enabled = (value: boolean): Extension => ({ url: `${CPG}cpg-enabled`, valueBoolean: value });
    const plan = protocol();
    plan.extension = [...(plan.extension ?? []), enabled(true), enabled(false), { url: CAPABILITY, valueString: 'shareable' }];
    expect(errors(plan)).toEqual([
      expect.objectContaining({ check: 'profile', expression: 'PlanDefinition', text: expect.stringMatching(/cpg-enabled appears 2 time\(s\); the slice enabled allows 0\.\.1/) }),
      expect.objectContaining({ check: 'profile', expression: `PlanDefinition.extension[${(plan.extension?.length ?? 0) - 1}]`, text: expect.stringContaining('has valueString: its definition allows valueCode') }),
    ]);
  });

  it('a claimed profile that is not shipped is an error where known profiles are required', () => {
    const plan = protocol();
    plan.meta = { profile: [`${CPG}cpg-no-such-profile`] };
    expect(errors(plan)).toEqual([expect.objectContaining({ check: 'profile', expression: 'PlanDefinition.meta.profile[0]' })]);
  });
});

describe('snapshots derived from a differential', () => {
  /** What validation reads from an element: cardinality, types, fixed and pattern values. */
  const constraintsOf = (e: ElementDefinition): unknown => ({
    id: e.id,
    min: e.min,
    max: e.max,
    types: (e.type ?? []).map((t) => t.code),
    fixedOrPattern: Object.entries(e).filter(([k]) => k.startsWith('fixed') || k.startsWith('pattern')),
  });

  it.each(['cpg-computableactivity', 'cpg-computableplandefinition'])('match the snapshot SUSHI generated for %s (slices aside)', (name) => {
    const published = profile(`${CPG}${name}`);
    const base = validatorBase(published.baseDefinition ?? '');
    const derived = snapshotFromDifferential({ ...published, snapshot: undefined }, base);
    const withoutSlices = (published.snapshot?.element ?? []).filter((e) => !(e.id ?? '').includes(':'));
    expect(derived.snapshot?.element.map(constraintsOf)).toEqual(withoutSlices.map(constraintsOf));
  });
});

/** The R4 core StructureDefinition of a base resource type, as the validator resolves it. */
function validatorBase(url: string): StructureDefinition {
  const type = url.slice(url.lastIndexOf('/') + 1);
  const bundle = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4', 'profiles-resources.json'), 'utf8')) as {
    entry: { resource: Resource }[];
  };
  const found = bundle.entry.map((e) => e.resource).find((r): r is StructureDefinition => r.resourceType === 'StructureDefinition' && r.url === url);
  if (found === undefined) throw new Error(`${type} is not an R4 resource`);
  return found;
}
