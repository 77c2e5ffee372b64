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

  it('is a transaction whose entries PUT each of the publisher\'s own resources (same canonical base) at [type]/[id], the artifact first', () => {
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

  it('writes resources from another canonical base (external, such as CPT) as conditional creates on url|version, never as a PUT over the target\'s id', () => {
    // The same ValueSet published under another base: what it needs (fixture base) is now someone else's content.
    const foreign = { ...fixture<ValueSet>('ValueSet-fixture-staff-all'), url: 'https://other.example/fhir/ValueSet/staff-all' };
    const entries = pack(foreign).entry ?? [];
    expect(entries[0]?.request).toEqual({ method: 'PUT', url: 'ValueSet/fixture-staff-all' });
    expect(entries.length).toBeGreaterThan(1);
    for (const entry of entries.slice(1)) {
      const { url, version } = entry.resource as { url: string; version?: string };
      expect(entry.request?.method).toBe('POST');
      expect(entry.request?.url).toBe(entry.resource?.resourceType);
      expect(Object.fromEntries(new URLSearchParams(entry.request?.ifNoneExist))).toEqual(version === undefined ? { url } : { url, version });
      // POST: the target assigns the id (R4 create ignores the one in the resource); fullUrl is the source address.
      expect(entry.fullUrl).toMatch(new RegExp(`^${BASE}/${entry.resource?.resourceType}/fixture-`));
    }
  });

  it('drops the server-assigned version metadata so the resources load anywhere', () => {
    const stored = { ...nested, meta: { versionId: '7', lastUpdated: '2026-01-01T00:00:00Z', profile: ['http://hl7.org/fhir/StructureDefinition/shareableplandefinition'] } } as PlanDefinition;
    const first = pack(stored).entry?.[0]?.resource;
    expect(first?.meta).toEqual({ profile: ['http://hl7.org/fhir/StructureDefinition/shareableplandefinition'] });
  });
});
