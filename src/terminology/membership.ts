/**
 * ValueSet membership as a plain function, for FHIRPath `memberOf()`, rule engines and the resource
 * validator's binding check: is a Coding (or a bare code) in a value set (by canonical, `url|version`
 * allowed)? The answer is the one `ValueSet/$validate-code` gives for the same value set and coding; it is
 * `unknown` when the value set is unknown or cannot be evaluated (unknown code system, invalid definition).
 *
 * @see https://hl7.org/fhir/R4/fhirpath.html#functions
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { Coding, Parameters, ValueSet } from '@medplum/fhirtypes';
import { FhirError } from '../fhir/errors.ts';
import { OPERATION_TIME_LIMIT_MS, TxContext } from './context.ts';
import { coreTerminology } from './core-package.ts';
import { TxParams } from './params.ts';
import type { TerminologyResources } from './resources.ts';
import { validateInValueSet } from './validate-code.ts';

/**
 * What membership of a coding in a value set comes to.
 */
export type Membership = 'member' | 'not-member' | 'unknown';

/** The request parameters of a membership test: none, or `inferSystem` for a code without a system. */
const PLAIN_REQUEST: Parameters = { resourceType: 'Parameters' };
const INFER_SYSTEM_REQUEST: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'inferSystem', valueBoolean: true }] };

/**
 * A context over these layers (highest priority first) with no request parameters but `inferSystem` when
 * asked, and the operation time limit.
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 */
export function membershipContext(layers: readonly TerminologyResources[], options: { readonly inferSystem?: boolean } = {}): TxContext {
  const params = TxParams.fromRequest(options.inferSystem === true ? INFER_SYSTEM_REQUEST : PLAIN_REQUEST, undefined);
  return new TxContext({ layers, params, deadline: Date.now() + OPERATION_TIME_LIMIT_MS });
}

/**
 * Decides membership of a coding in a value set as `$validate-code` does, given as a `coding` or as a bare
 * `code` (then `ctx` is made with `inferSystem` when the coding has no system).
 */
export function membershipIn(ctx: TxContext, valueSet: ValueSet, coding: Coding, mode: 'code' | 'coding'): Membership {
  if (coding.code === undefined) return 'unknown';
  try {
    const result = validateInValueSet(ctx, valueSet, { coding: [coding] }, mode);
    // A code system of the value set itself is unknown: membership cannot be decided.
    if (result.parameter?.some((p) => p.name === 'x-caused-by-unknown-system')) return 'unknown';
    return result.parameter?.find((p) => p.name === 'result')?.valueBoolean === true ? 'member' : 'not-member';
  } catch (e) {
    if (e instanceof FhirError) return 'unknown';
    throw e;
  }
}

/**
 * The layers of a membership test: these resources, then the FHIR core terminology unless `core` is null.
 */
export function withCore(layers: readonly TerminologyResources[], core: TerminologyResources | null | undefined): TerminologyResources[] {
  const coreLayer = core === undefined ? coreTerminology() : core;
  return coreLayer === null ? [...layers] : [...layers, coreLayer];
}

/**
 * Builds a membership test over these resources (and the FHIR core terminology unless `core` is null).
 */
export function valueSetMembership(resources: TerminologyResources, options: { core?: TerminologyResources | null } = {}): (valueSet: string, coding: Coding) => boolean | undefined {
  const layers = withCore([resources], options.core);
  return (valueSet, coding) => {
    const ctx = membershipContext(layers);
    const vs = ctx.findValueSet(valueSet);
    if (vs === undefined || coding.code === undefined) return undefined;
    const membership = membershipIn(ctx, vs, coding, 'coding');
    return membership === 'unknown' ? undefined : membership === 'member';
  };
}
