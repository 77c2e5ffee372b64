/**
 * CRMI $package: the artifact and every dependency the server knows, recursively, as a transaction Bundle.
 */
import type { Bundle, PlanDefinition, Resource, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { packageArtifact } from '../../src/knowledge/crmi-package.ts';
import { fixture, fixtureResolver } from './fixtures.ts';

const BASE = 'https://fhir.example.test/fhir';

function pack(resource: Resource, include?: Parameters<typeof packageArtifact>[1]['include']): Bundle {
  return packageArtifact(resource, { resolver: fixtureResolver(), baseUrl: BASE, deadline: Date.now() + 30_000, include });
}

function paths(bundle: Bundle): string[] {
  return (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
}

describe('$package', () => {
  const nested = fixture<PlanDefinition>('PlanDefinition-fixture-nested');
  const bundle = pack(nested);

  it('is a transaction whose entries PUT each resource at [type]/[id], the artifact first', () => {
    expect(bundle.type).toBe('transaction');
    expect(paths(bundle)[0]).toBe('PlanDefinition/fixture-nested');
    for (const entry of bundle.entry ?? []) {
      const path = `${entry.resource?.resourceType}/${entry.resource?.id}`;
      expect(entry.request).toEqual({ method: 'PUT', url: path });
      expect(entry.fullUrl).toBe(`${BASE}/${path}`);
    }
    expect(new Set(paths(bundle)).size).toBe(paths(bundle).length);
  });

  it('holds nested PlanDefinitions, their ActivityDefinitions, related artifacts and what those need in turn', () => {
    const found = paths(bundle);
    for (const expected of [
      'PlanDefinition/fixture-child',
      'ActivityDefinition/fixture-task',
      'PlanDefinition/fixture-elements',
      'ActivityDefinition/fixture-service',
      'ActivityDefinition/fixture-communication',
      'ActivityDefinition/fixture-medication',
      'ActivityDefinition/fixture-device',
    ]) {
      expect(found).toContain(expected);
    }
  });

  it('holds the ValueSets named by memberOf(), the ValueSets they include, their CodeSystems and supplements', () => {
    const found = paths(bundle);
    expect(found).toContain('ValueSet/fixture-staff-all');
    expect(found).toContain('ValueSet/fixture-staff');
    expect(found).toContain('CodeSystem/fixture-concepts');
    expect(found).toContain('CodeSystem/fixture-supplement');
  });

  it('leaves out what the artifact does not reach and what the server does not hold', () => {
    const found = paths(bundle);
    expect(found).not.toContain('PlanDefinition/fixture-cycle');
    expect(found).not.toContain('ValueSet/fixture-anticoagulants');
    expect(JSON.stringify(bundle.entry?.map((e) => e.request?.url))).not.toContain('terminology.hl7.org');
  });

  it('packages a ValueSet with the ValueSets and CodeSystems it is built from', () => {
    expect(paths(pack(fixture<ValueSet>('ValueSet-fixture-staff-all')))).toEqual([
      'ValueSet/fixture-staff-all',
      'ValueSet/fixture-staff',
      'CodeSystem/fixture-concepts',
      'CodeSystem/fixture-supplement',
    ]);
  });

  it('keeps only the kinds asked for with include', () => {
    const terminology = paths(pack(nested, ['terminology']));
    expect(terminology.length).toBeGreaterThan(0);
    expect(terminology.every((p) => p.startsWith('ValueSet/') || p.startsWith('CodeSystem/'))).toBe(true);
    expect(paths(pack(nested, ['artifact']))).toEqual(['PlanDefinition/fixture-nested']);
  });

  it('drops the server-assigned version metadata so the resources load anywhere', () => {
    const stored = { ...nested, meta: { versionId: '7', lastUpdated: '2026-01-01T00:00:00Z', profile: ['http://hl7.org/fhir/StructureDefinition/shareableplandefinition'] } } as PlanDefinition;
    const first = pack(stored).entry?.[0]?.resource;
    expect(first?.meta).toEqual({ profile: ['http://hl7.org/fhir/StructureDefinition/shareableplandefinition'] });
  });
});
