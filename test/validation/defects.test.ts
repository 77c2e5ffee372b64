/**
 * One deliberately broken resource per kind of defect (test/fixtures/validation/broken/), each a copy of a
 * valid fixture (test/fixtures/validation/package/) with a single defect: it must fail in the check meant to
 * catch it — and only there — with a message and a FHIRPath location a content author can act on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import type { Validator } from '../../src/validation/types.ts';
import { createValidator } from '../../src/validation/validator.ts';
import { errorsOf, FIXTURE_CANONICAL_BASE, fixturePackage, readFixture, summarize } from './helpers.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';

interface DefectCase {
  readonly fixture: string;
  readonly check: string;
  readonly expression: string;
  /** Fragments the message must contain. */
  readonly message: readonly string[];
}

const DEFECTS: readonly DefectCase[] = [
  { fixture: 'schema-wrong-json-type.json', check: 'schema', expression: 'PlanDefinition.experimental', message: ['Wrong JSON type', 'boolean', 'string'] },
  { fixture: 'schema-unknown-property.json', check: 'schema', expression: 'PlanDefinition.statusReason', message: ['Unknown property', 'statusReason'] },
  {
    fixture: 'schema-contained-unknown-property.json',
    check: 'schema',
    expression: 'PlanDefinition.contained[0].compose.include[0].concepts',
    message: ['Unknown property', 'concepts'],
  },
  {
    fixture: 'structure-missing-required.json',
    check: 'structure',
    expression: 'PlanDefinition.action[1].relatedAction[0].relationship',
    message: ['Missing required element', 'relationship'],
  },
  {
    fixture: 'structure-fhirpath-syntax.json',
    check: 'structure',
    expression: 'PlanDefinition.action[0].condition[0].expression.expression',
    message: ['Not a valid FHIRPath expression'],
  },
  {
    fixture: 'invariant-timing-duration-without-unit.json',
    check: 'invariant',
    expression: 'ActivityDefinition.timing.ofType(Timing).repeat',
    message: ['tim-1', 'duration units'],
  },
  { fixture: 'invariant-duplicate-nested-code.json', check: 'invariant', expression: 'CodeSystem', message: ['csd-1', 'unique'] },
  { fixture: 'invariant-unreferenced-contained.json', check: 'invariant', expression: 'PlanDefinition.contained[0]', message: ['dom-3'] },
  {
    fixture: 'profile-shareable-missing-publisher.json',
    check: 'profile',
    expression: 'ActivityDefinition.publisher',
    message: ['Missing required element', 'publisher', 'Shareable ActivityDefinition'],
  },
  {
    fixture: 'binding-status-nonsense.json',
    check: 'binding',
    expression: 'ValueSet.status',
    message: ['"nonsense"', 'http://hl7.org/fhir/ValueSet/publication-status', 'required binding'],
  },
  {
    fixture: 'binding-unknown-relationship.json',
    check: 'binding',
    expression: 'PlanDefinition.action[1].relatedAction[0].relationship',
    message: ['"around"', 'http://hl7.org/fhir/ValueSet/action-relationship-type'],
  },
  {
    fixture: 'binding-unknown-code.json',
    check: 'binding',
    expression: 'ActivityDefinition.code.coding[0]',
    message: ['Unknown code "fast"', 'https://example.org/fhir/liver-cryoablation/CodeSystem/fixture-concepts'],
  },
  {
    fixture: 'reference-dangling-definition.json',
    check: 'reference',
    expression: 'PlanDefinition.action[0].definition.ofType(canonical)',
    message: ['ActivityDefinition/fixture-missing|0.1.0', 'does not resolve'],
  },
  {
    fixture: 'reference-version-mismatch.json',
    check: 'reference',
    expression: 'PlanDefinition.relatedArtifact[0].resource',
    message: ['version 9.9.9 not found', '0.1.0'],
  },
  {
    fixture: 'reference-wrong-target-type.json',
    check: 'reference',
    expression: 'PlanDefinition.action[0].definition.ofType(canonical)',
    message: ['resolves to a ValueSet', 'ActivityDefinition'],
  },
  {
    fixture: 'reference-memberof-unknown.json',
    check: 'reference',
    expression: 'PlanDefinition.action[0].condition[0].expression.expression',
    message: ['memberOf()', 'ValueSet/fixture-missing', 'does not resolve'],
  },
  {
    fixture: 'reference-unknown-related-action.json',
    check: 'reference',
    expression: 'PlanDefinition.action[1].relatedAction[0].actionId',
    message: ['"fastnig"', 'names no action'],
  },
  {
    fixture: 'uniqueness-duplicate-url-version.json',
    check: 'uniqueness',
    expression: 'ValueSet.url',
    message: ['ValueSet/fixture-complications|0.1.0', 'ValueSet/fixture-complications'],
  },
];

describe('validator: one broken resource per kind of defect', () => {
  let validator: Validator;
  let context: Resource[];

  beforeAll(() => {
    validator = createValidator({ canonicalBase: FIXTURE_CANONICAL_BASE, bindingTerminology: createBindingTerminology() });
    context = fixturePackage();
  });

  it('accepts the valid fixture package the broken resources are copied from', () => {
    const result = validator.validatePackage(context, { requireShareable: true });
    expect(result.resources.flatMap((r) => r.issues).map(summarize)).toEqual([]);
  });

  it.each(DEFECTS)('$fixture fails the $check check at $expression', ({ fixture, check, expression, message }) => {
    const broken = readFixture(`broken/${fixture}`);
    const result = validator.validatePackage([broken], { context, requireShareable: true });
    const errors = errorsOf(result.resources[0].issues).map(summarize);

    expect(errors.length).toBeGreaterThan(0);
    // Only the check meant to catch the defect reports an error (no duplicate from another check).
    expect(errors.map((e) => e.check)).toEqual(errors.map(() => check));
    expect(errors.map((e) => e.expression), JSON.stringify(errors, null, 2)).toContain(expression);
    const located = errors.find((e) => e.expression === expression);
    for (const fragment of message) expect(located?.text).toContain(fragment);
  });
});
