/**
 * ValueSet membership as a plain function, for FHIRPath `memberOf()` and rule engines: is a Coding in a
 * value set (by canonical, `url|version` allowed)? Undefined when the value set is unknown or cannot be
 * evaluated (unknown code system, invalid definition).
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { Coding } from '@medplum/fhirtypes';
import { FhirError } from '../fhir/errors.ts';
import { OPERATION_TIME_LIMIT_MS, TxContext } from './context.ts';
import { coreTerminology } from './core-package.ts';
import { TxParams } from './params.ts';
import type { TerminologyResources } from './resources.ts';
import { validateInValueSet } from './validate-code.ts';

/**
 * Builds a membership test over these resources (and the FHIR core terminology unless `core` is null).
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 */
export function valueSetMembership(resources: TerminologyResources, options: { core?: TerminologyResources | null } = {}): (valueSet: string, coding: Coding) => boolean | undefined {
  const core = options.core === undefined ? coreTerminology() : options.core;
  const layers = core === null ? [resources] : [resources, core];
  return (valueSet, coding) => {
    const params = TxParams.fromRequest({ resourceType: 'Parameters' }, undefined);
    const ctx = new TxContext({ layers, params, deadline: Date.now() + OPERATION_TIME_LIMIT_MS });
    const vs = ctx.findValueSet(valueSet);
    if (vs === undefined || coding.code === undefined) return undefined;
    try {
      const result = validateInValueSet(ctx, vs, { coding: [coding] }, 'coding');
      // A code system of the value set itself is unknown: membership cannot be decided.
      if (result.parameter?.some((p) => p.name === 'x-caused-by-unknown-system')) return undefined;
      return result.parameter?.find((p) => p.name === 'result')?.valueBoolean === true;
    } catch (e) {
      if (e instanceof FhirError) return undefined;
      throw e;
    }
  };
}
