/**
 * $data-requirements: a module-definition Library saying what patient data the conditions and dynamic values
 * read, what the artifact depends on, and which $apply inputs its expressions use.
 */
import type { ActivityDefinition, Library, PlanDefinition, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dataRequirementsLibrary } from '../../src/knowledge/data-requirements.ts';
import { FIXTURE_BASE, fixture, fixtureResolver } from './fixtures.ts';

function requirements(name: string): Library {
  return dataRequirementsLibrary(fixture(name), { resolver: fixtureResolver(), deadline: Date.now() + 30_000 });
}

describe('$data-requirements', () => {
  const library = requirements('PlanDefinition-fixture-conditions');

  it('is a module-definition Library', () => {
    expect(library.resourceType).toBe('Library');
    expect(library.status).toBe('active');
    expect(library.type?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/library-type', code: 'module-definition' });
  });

  it('asks for MedicationRequest and MedicationStatement filtered on the ValueSet the condition checks, with the elements it reads', () => {
    const valueSet = `${FIXTURE_BASE}/ValueSet/fixture-anticoagulants`;
    for (const type of ['MedicationRequest', 'MedicationStatement']) {
      const requirement = library.dataRequirement?.find((r) => r.type === type);
      expect(requirement?.codeFilter, type).toEqual([{ path: 'medication', valueSet }]);
      expect(requirement?.mustSupport).toEqual(expect.arrayContaining(['status', 'medication']));
    }
  });

  it('asks for the subject with the elements read from %subject, by conditions and by the dynamic values of applied definitions', () => {
    // gender: the on-subject condition; name: the patientInstruction dynamic value of ActivityDefinition fixture-service.
    expect(library.dataRequirement?.find((r) => r.type === 'Patient')?.mustSupport).toEqual(['gender', 'name']);
  });

  it('declares the $apply inputs the expressions use', () => {
    const parameters = Object.fromEntries((library.parameter ?? []).map((p) => [p.name, p.type]));
    expect(parameters).toEqual({ subject: 'Patient', data: 'Bundle', includeOptional: 'Any', setting: 'CodeableConcept' });
  });

  it('lists the ActivityDefinitions and ValueSets it depends on, versioned', () => {
    const dependsOn = (library.relatedArtifact ?? []).filter((a) => a.type === 'depends-on').map((a) => a.resource);
    expect(dependsOn).toContain(`${fixture<ValueSet>('ValueSet-fixture-anticoagulants').url}|1.0.0`);
    for (const name of ['fixture-task', 'fixture-review', 'fixture-communication', 'fixture-device', 'fixture-service']) {
      expect(dependsOn).toContain(`${fixture<ActivityDefinition>(`ActivityDefinition-${name}`).url}|1.0.0`);
    }
  });

  it('follows nested PlanDefinitions but not documentation links', () => {
    const nested = requirements('PlanDefinition-fixture-nested');
    const dependsOn = (nested.relatedArtifact ?? []).map((a) => a.resource);
    expect(dependsOn).toContain(`${fixture<PlanDefinition>('PlanDefinition-fixture-child').url}|1.0.0`);
    expect(dependsOn).not.toContain(`${fixture<PlanDefinition>('PlanDefinition-fixture-elements').url}|1.0.0`);
    expect(nested.dataRequirement?.find((r) => r.type === 'Procedure')?.codeFilter).toEqual([{ path: 'code', valueSet: `${FIXTURE_BASE}/ValueSet/fixture-staff-all` }]);
  });

  it("reads an ActivityDefinition's dynamic values", () => {
    const ad = requirements('ActivityDefinition-fixture-service');
    expect(ad.dataRequirement).toEqual([{ type: 'Patient', mustSupport: ['name'] }]);
    expect(ad.parameter?.map((p) => p.name)).toEqual(['subject']);
  });
});
