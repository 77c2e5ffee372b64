/**
 * Resolution of the resource an operation works on: the instance (`/ValueSet/{id}/$expand`), a resource
 * passed as a parameter (`valueSet`, `codeSystem`, `conceptMap`), or a canonical URL (+ version).
 *
 * @see https://hl7.org/fhir/R4/operations.html#executing
 */
import type { CodeSystem, ConceptMap, Parameters, ValueSet } from '@medplum/fhirtypes';
import { badRequest, notFound, shown } from '../../fhir/errors.ts';
import type { TxContext } from '../../terminology/context.ts';
import { txError } from '../../terminology/issues.ts';
import { formatMessage } from '../../terminology/messages.ts';
import type { OperationRequest } from '../types.ts';
import { param, paramString } from '../../fhir/parameters.ts';

/**
 * The ValueSet of a request (instance, `valueSet` parameter, or `url` + `valueSetVersion`).
 */
export function resolveValueSet(ctx: TxContext, request: OperationRequest, parameters: Parameters = request.parameters): ValueSet {
  if (request.id !== undefined) {
    const r = ctx.readById('ValueSet', request.id);
    if (r === undefined) throw notFound(`ValueSet/${request.id} not found`);
    checkSameCanonical(r as ValueSet, parameters, ['url']);
    return r as ValueSet;
  }
  const resource = param(parameters, 'valueSet')?.resource;
  if (resource?.resourceType === 'ValueSet') return resource;
  const url = paramString(parameters, 'url') ?? paramString(parameters, 'context');
  if (url === undefined) throw badRequest('No ValueSet specified - provide url parameter or valueSet resource');
  const bar = url.indexOf('|');
  const base = bar < 0 ? url : url.substring(0, bar);
  const version = ctx.determineVersion(base, paramString(parameters, 'valueSetVersion') ?? (bar < 0 ? undefined : url.substring(bar + 1)), true);
  const vs = ctx.findValueSet(base, version);
  if (vs === undefined) {
    throw txError(422, {
      severity: 'error',
      code: 'not-found',
      messageId: 'Unable_to_resolve_value_Set_',
      txCode: 'not-found',
      text: formatMessage('Unable_to_resolve_value_Set_', [version !== undefined ? `${base}|${version}` : base]),
    });
  }
  return vs;
}

/**
 * The CodeSystem of an instance-level request, when there is one.
 */
export function instanceCodeSystem(ctx: TxContext, request: OperationRequest, names: readonly string[] = []): CodeSystem | undefined {
  if (request.id === undefined) return undefined;
  const r = ctx.readById('CodeSystem', request.id);
  if (r === undefined) throw notFound(`CodeSystem/${request.id} not found`);
  checkSameCanonical(r as CodeSystem, request.parameters, names);
  return r as CodeSystem;
}

/**
 * The ConceptMap of an instance-level request, when there is one.
 */
export function instanceConceptMap(ctx: TxContext, request: OperationRequest): ConceptMap | undefined {
  if (request.id === undefined) return undefined;
  const r = ctx.readById('ConceptMap', request.id);
  if (r === undefined) throw notFound(`ConceptMap/${request.id} not found`);
  checkSameCanonical(r as ConceptMap, request.parameters, ['url']);
  return r as ConceptMap;
}

/**
 * At instance level the resource is the one in the path: a parameter naming it by canonical (`url`, or
 * `system` for a code system) must name that same resource (`url|version` also matches its version);
 * naming another one is a 400 rather than a silent choice between the two.
 */
export function checkSameCanonical(
  instance: { readonly resourceType: string; readonly id?: string; readonly url?: string; readonly version?: string },
  parameters: Parameters,
  names: readonly string[],
): void {
  for (const name of names) {
    const value = paramString(parameters, name);
    if (value === undefined) continue;
    const bar = value.indexOf('|');
    const base = bar < 0 ? value : value.substring(0, bar);
    const version = bar < 0 ? undefined : value.substring(bar + 1);
    if (base !== instance.url || (version !== undefined && version !== instance.version)) {
      throw badRequest(
        `${instance.resourceType}/${instance.id ?? ''} is the ${instance.resourceType} in the path; parameter ${name} names a different one (${shown(value)})`,
        { expression: name },
      );
    }
  }
}
