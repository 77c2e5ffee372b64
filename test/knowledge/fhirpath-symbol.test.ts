/**
 * Property navigation in the server's FHIRPath (expressions compiled with the server's atoms) gives what
 * `@medplum/core` gives, including the empty results its shortcut skips to.
 */
import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ensureR4Schemas } from '../../src/knowledge/element-paths.ts';
import { compileFhirPath, evaluateFhirPath } from '../../src/knowledge/fhirpath.ts';
import { dataBundle, fixtureArtifacts } from './fixtures.ts';

ensureR4Schemas();

function server(expression: string, resource: Resource): unknown {
  return evaluateFhirPath(compileFhirPath(expression), [toTypedValue(resource)], { '%resource': toTypedValue(resource) });
}

function medplum(expression: string, resource: Resource): unknown {
  return evalFhirPathTyped(expression, [toTypedValue(resource)], { '%resource': toTypedValue(resource) });
}

const EXPRESSIONS = [
  'status', 'id', 'name', 'medication', 'medicationCodeableConcept', 'medicationReference', 'value', 'value[x]', 'valueString',
  'entry.resource.status', "entry.resource.where(status = 'active').id", 'entry.resource.medication.coding.code', 'entry.resource.gender',
  "entry.resource.where(($this is MedicationRequest or $this is MedicationStatement) and status = 'active').exists()",
  'Patient.id', 'Bundle.entry.resource.ofType(Patient).birthDate', 'action.action.title', 'action.condition.expression.expression',
  'code.coding.code', 'extension.value', 'descendants().status.count()', '%resource.status', 'to', 'toString', 'constructor', 'valueOf', 'x',
];

describe('FHIRPath property navigation', () => {
  it('selects what @medplum/core selects, present or absent, on data and on artifacts', () => {
    const resources: Resource[] = [
      dataBundle('anticoagulant'),
      dataBundle('statement'),
      ...dataBundle('anticoagulant').entry?.map((e) => e.resource as Resource) ?? [],
      ...fixtureArtifacts(),
    ];
    for (const resource of resources) {
      for (const expression of EXPRESSIONS) {
        expect(server(expression, resource), `${expression} on ${resource.resourceType}/${resource.id}`).toEqual(medplum(expression, resource));
      }
    }
  });

  it('finds nothing for an element the type does not have, and the element where it has it', () => {
    const patient = { resourceType: 'Patient', id: 'p', gender: 'female' } as Resource;
    expect(server('status', patient)).toEqual([]);
    const order = { resourceType: 'MedicationRequest', id: 'm', status: 'active', medicationCodeableConcept: { text: 'warfarin' } } as Resource;
    expect((server('status', order) as { value: unknown }[]).map((v) => v.value)).toEqual(['active']);
    expect(server('medication.text', order)).toEqual(medplum('medication.text', order));
  });
});
