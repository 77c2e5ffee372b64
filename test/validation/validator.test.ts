/**
 * The validator's API as the server and scripts use it: one resource against a package, profiles asked for
 * by the caller, canonicals resolved beyond the package, a replaceable membership check, uniqueness across a
 * package, and input that is not a resource at all.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDefinition, PlanDefinition, Resource, ValueSet } from '@medplum/fhirtypes';
import { toOperationOutcome } from '../../src/validation/issues.ts';
import type { Validator } from '../../src/validation/types.ts';
import { createValidator } from '../../src/validation/validator.ts';
import { errorsOf, FIXTURE_CANONICAL_BASE, fixturePackage, readFixture, summarize } from './helpers.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';

const SHAREABLE_AD = 'http://hl7.org/fhir/StructureDefinition/shareableactivitydefinition';

describe('createValidator', () => {
  let pkg: Resource[];
  let validator: Validator;

  beforeAll(() => {
    pkg = fixturePackage();
    validator = createValidator({ packageResources: pkg, canonicalBase: FIXTURE_CANONICAL_BASE, bindingTerminology: createBindingTerminology() });
  });

  it('validates one resource of the package without issues', () => {
    const protocol = readFixture<PlanDefinition>('package/PlanDefinition-fixture-protocol.json');
    expect(validator.validate(protocol).map(summarize)).toEqual([]);
  });

  it('reports a wrong code once, from the binding check, although the JSON schema also knows the allowed codes', () => {
    const valueSet = { ...readFixture<ValueSet>('package/ValueSet-fixture-complications.json'), status: 'nonsense' };
    expect(validator.validate(valueSet).map(summarize)).toEqual([
      expect.objectContaining({ severity: 'error', check: 'binding', expression: 'ValueSet.status' }),
    ]);
  });

  it('validates against the profiles the caller asks for, not only those claimed in meta.profile', () => {
    const { meta: _meta, publisher: _publisher, ...activity } = readFixture<ActivityDefinition>('package/ActivityDefinition-fixture-fasting.json');
    expect(errorsOf(validator.validate(activity))).toEqual([]);
    const errors = errorsOf(validator.validate(activity, { profiles: [SHAREABLE_AD] })).map(summarize);
    expect(errors).toEqual([expect.objectContaining({ check: 'profile', expression: 'ActivityDefinition.publisher' })]);
  });

  it('warns of a claimed profile that resolves nowhere (not validated against it), and rejects it when known profiles are required', () => {
    const activity = { ...readFixture<ActivityDefinition>('package/ActivityDefinition-fixture-fasting.json'), meta: { profile: ['http://example.org/no-such-profile'] } };
    const unknownProfile = (severity: string): unknown =>
      expect.objectContaining({ severity, check: 'profile', expression: 'ActivityDefinition.meta.profile[0]', text: expect.stringContaining('not validated against it') });
    expect(validator.validate(activity).map(summarize)).toEqual([unknownProfile('warning')]);
    expect(errorsOf(validator.validate(activity, { requireKnownProfiles: true })).map(summarize)).toEqual([unknownProfile('error')]);
  });

  it('resolves canonicals beyond the package through resolveCanonical', () => {
    const activity = readFixture<ActivityDefinition>('package/ActivityDefinition-fixture-fasting.json');
    const withoutActivity = pkg.filter((r) => r.resourceType !== 'ActivityDefinition');
    const protocol = readFixture<PlanDefinition>('package/PlanDefinition-fixture-protocol.json');

    const alone = createValidator({ packageResources: withoutActivity, bindingTerminology: createBindingTerminology() });
    expect(errorsOf(alone.validate(protocol)).map(summarize)).toEqual([
      expect.objectContaining({ check: 'reference', expression: 'PlanDefinition.action[0].definition.ofType(canonical)' }),
    ]);

    const withStore = createValidator({
      packageResources: withoutActivity,
      bindingTerminology: createBindingTerminology(),
      resolveCanonical: ({ url, version }) => (url === activity.url && (version === undefined || version === activity.version) ? activity : undefined),
    });
    expect(errorsOf(withStore.validate(protocol))).toEqual([]);
  });

  it('uses an injected membership check, and turns "cannot expand" into a warning', () => {
    const injected = createValidator({
      packageResources: pkg,
      bindingTerminology: () => ({
        checkValueSetMembership: (valueSet) => (valueSet.startsWith('http://hl7.org/fhir/ValueSet/publication-status') ? 'unknown-valueset' : 'valid'),
        lookupCode: () => ({ result: 'unknown-codesystem' }),
      }),
    });
    const valueSet = { ...readFixture<ValueSet>('package/ValueSet-fixture-complications.json'), status: 'nonsense' };
    const issues = injected.validate(valueSet, { skip: ['schema'] }).map(summarize);
    expect(issues).toEqual([expect.objectContaining({ severity: 'warning', check: 'binding', expression: 'ValueSet.status' })]);
  });

  it('reports url|version clashes with the package, but not a resource with itself', () => {
    const original = readFixture<ValueSet>('package/ValueSet-fixture-complications.json');
    expect(validator.validate(original).map(summarize)).toEqual([]);
    const copy = { ...original, id: 'another-id' };
    expect(errorsOf(validator.validate(copy)).map(summarize)).toEqual([
      expect.objectContaining({ check: 'uniqueness', expression: 'ValueSet.url' }),
    ]);
  });

  it('reports two resources of a package with the same type and id', () => {
    const valueSet = readFixture<ValueSet>('package/ValueSet-fixture-complications.json');
    const result = validator.validatePackage([valueSet, { ...valueSet, name: 'Renamed' }]);
    expect(errorsOf(result.resources[0].issues)).toEqual([]);
    expect(errorsOf(result.resources[1].issues).map(summarize)).toEqual([
      expect.objectContaining({ check: 'uniqueness', expression: 'ValueSet.id' }),
    ]);
    expect(result.errorCount).toBe(1);
  });

  it('reports input that is not a FHIR R4 resource', () => {
    expect(validator.validate([]).map(summarize)).toEqual([expect.objectContaining({ severity: 'error', check: 'schema' })]);
    expect(validator.validate({ resourceType: 'Project' }).map(summarize)).toEqual([
      expect.objectContaining({ severity: 'error', check: 'schema', text: expect.stringContaining('Project') }),
    ]);
  });

  it('wraps issues in an OperationOutcome, with an informational issue when there is none', () => {
    expect(toOperationOutcome([]).issue).toEqual([expect.objectContaining({ severity: 'information', code: 'informational' })]);
  });
});
