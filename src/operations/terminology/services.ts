/**
 * What the terminology operations need from the server, and the per-request terminology context built from
 * an OperationRequest: the request's tx-resources layered over the server's resources and the FHIR core
 * terminology, the parsed parameters and languages, the deadline and the size limit (the HL7 test
 * suite's `X-TOO-COSTLY-THRESHOLD` header lowers it).
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/
 */
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { coreTerminology } from '../../terminology/core-package.ts';
import { MAX_EXPANSION_SIZE, TxContext } from '../../terminology/context.ts';
import { TxParams } from '../../terminology/params.ts';
import { MemoryResources } from '../../terminology/resources.ts';
import type { TerminologyResource, TerminologyResources } from '../../terminology/resources.ts';
import type { OperationRequest, OperationServices } from '../types.ts';
import { badRequest } from '../../fhir/errors.ts';
import { checkSchema } from '../../validation/schema-check.ts';

/**
 * The terminology part of the operation services.
 */
export interface TerminologyService {
  /** The server's CodeSystems, ValueSets and ConceptMaps (the store's in-memory index). */
  readonly resources: TerminologyResources;
  /** The FHIR R4 core terminology; defaults to the lazily loaded package; `null` to leave it out. */
  readonly core?: TerminologyResources | null;
  /** Maximum number of codes of an unpaged expansion (default MAX_EXPANSION_SIZE). */
  readonly maxExpansionSize?: number;
}

/**
 * Operation services with terminology.
 */
export interface TerminologyOperationServices extends OperationServices {
  readonly terminology: TerminologyService;
}

/** True when a parameter carries a terminology resource (the usual request has none). */
function hasTerminologyResource(parameters: Parameters): boolean {
  for (const p of parameters.parameter ?? []) {
    const type = (p.resource as Resource | undefined)?.resourceType;
    if (type === 'CodeSystem' || type === 'ValueSet' || type === 'ConceptMap') return true;
  }
  return false;
}

/**
 * The resources carried by `tx-resource` parameters.
 */
export function txResources(parameters: Parameters): MemoryResources {
  // tx-resource parameters, and the codeSystem / valueSet / conceptMap resources when they have a url
  // (so that the resources of one request can refer to each other).
  const mem = new MemoryResources();
  for (const p of parameters.parameter ?? []) {
    const r = p.resource as Resource | undefined;
    if (r?.resourceType !== 'CodeSystem' && r?.resourceType !== 'ValueSet' && r?.resourceType !== 'ConceptMap') continue;
    if (p.name === 'tx-resource' || ((p.name === 'codeSystem' || p.name === 'valueSet' || p.name === 'conceptMap') && r.url !== undefined)) {
      mem.add(r as TerminologyResource);
    }
  }
  return mem;
}

/** Parameters whose resource the terminology engine reads. */
const INLINE_RESOURCE_PARAMETERS = new Set(['tx-resource', 'codeSystem', 'valueSet', 'conceptMap']);

/**
 * A 400 for an inline CodeSystem, ValueSet or ConceptMap whose JSON has the wrong shape (an object where the
 * schema wants an array, `null` items, a number for a string): the engines read those elements as the schema
 * describes them. Only JSON type errors are refused — unknown elements (e.g. from R5) are left to the engine,
 * as the HL7 terminology tests expect.
 * @see https://hl7.org/fhir/R4/json.html#schema
 */
function checkInlineShapes(parameters: Parameters): void {
  for (const p of parameters.parameter ?? []) {
    const r: unknown = p.resource;
    if (!INLINE_RESOURCE_PARAMETERS.has(p.name as string) || typeof r !== 'object' || r === null) continue;
    const type = (r as { resourceType?: unknown }).resourceType;
    if (type !== 'CodeSystem' && type !== 'ValueSet' && type !== 'ConceptMap') continue;
    const wrong = checkSchema(r).find((i) => i.details?.text?.startsWith('Wrong JSON type'));
    if (wrong !== undefined) {
      throw badRequest(`Parameter ${p.name} carries a ${type} that is not valid FHIR R4 JSON: ${wrong.details?.text ?? ''} at ${wrong.expression?.[0] ?? type}`, { expression: p.name });
    }
  }
}

/**
 * Builds the terminology context of a request.
 */
export function createTxContext(request: OperationRequest, services: TerminologyOperationServices, parameters: Parameters = request.parameters): TxContext {
  checkInlineShapes(parameters);
  const txParams = TxParams.fromRequest(parameters, request.headers['accept-language']);
  const layers: TerminologyResources[] = [];
  if (hasTerminologyResource(parameters)) {
    const local = txResources(parameters);
    if (!local.isEmpty) layers.push(local);
  }
  layers.push(services.terminology.resources);
  const core = services.terminology.core === undefined ? coreTerminology() : services.terminology.core;
  if (core !== null) layers.push(core);
  const threshold = Number.parseInt(request.headers['x-too-costly-threshold'] ?? '', 10);
  const maxExpansionSize = Number.isFinite(threshold) && threshold > 0 ? threshold : (services.terminology.maxExpansionSize ?? MAX_EXPANSION_SIZE);
  return new TxContext({ layers, params: txParams, deadline: services.deadline, maxExpansionSize });
}
