/**
 * The Bundle output of $apply (resultType=Bundle): the CarePlan first, then every generated resource as its
 * own entry, with every local reference rewritten to an entry's fullUrl.
 */
import type { ActivityDefinition, CarePlan, PlanDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { applyActivityDefinition } from '../../src/knowledge/activitydefinition-apply.ts';
import { applyResultBundle } from '../../src/knowledge/apply-bundle.ts';
import { applyPlanDefinition } from '../../src/knowledge/plandefinition-apply.ts';
import { applyOptions, dataBundle, fixture } from './fixtures.ts';

describe('applyResultBundle', () => {
  const carePlan = applyPlanDefinition(fixture<PlanDefinition>('PlanDefinition-fixture-elements'), { subject: 'Patient/p1', data: dataBundle('anticoagulant') }, applyOptions());
  const bundle = applyResultBundle(carePlan);

  it('is a collection with the CarePlan first and one entry per contained resource', () => {
    expect(bundle.type).toBe('collection');
    expect(bundle.entry?.[0]?.resource?.resourceType).toBe('CarePlan');
    expect((bundle.entry?.[0]?.resource as CarePlan).contained).toBeUndefined();
    expect(bundle.entry?.length).toBe((carePlan.contained?.length ?? 0) + 1);
    expect(bundle.entry?.slice(1).map((e) => e.resource?.resourceType)).toEqual(carePlan.contained?.map((r) => r.resourceType));
  });

  it('gives each entry a urn:uuid fullUrl matching its id, and resolves every reference between them', () => {
    const fullUrls = new Set(bundle.entry?.map((e) => e.fullUrl));
    for (const entry of bundle.entry ?? []) expect(entry.fullUrl).toBe(`urn:uuid:${entry.resource?.id}`);
    const text = JSON.stringify(bundle);
    expect(text).not.toMatch(/"reference":"#/);
    const references = text.match(/"reference":"urn:uuid:[^"]+"/g) ?? [];
    expect(references.length).toBeGreaterThanOrEqual(carePlan.contained?.length ?? 0);
    for (const r of references) expect(fullUrls).toContain(r.slice('"reference":"'.length, -1));
  });

  it('keeps references to outside resources (the subject) as they were', () => {
    expect((bundle.entry?.[0]?.resource as CarePlan).subject).toEqual({ reference: 'Patient/p1' });
  });

  it('wraps the request of an ActivityDefinition $apply in a one-entry Bundle', () => {
    const request = applyActivityDefinition(fixture<ActivityDefinition>('ActivityDefinition-fixture-task'), { subject: 'Patient/p1' }, applyOptions());
    const single = applyResultBundle(request);
    expect(single.entry).toHaveLength(1);
    expect(single.entry?.[0]?.resource?.resourceType).toBe('Task');
  });
});
