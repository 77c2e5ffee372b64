/**
 * ConceptMap/$translate (type and instance level). Accepts the R4 parameter names (system, code, coding,
 * targetsystem, source, target, reverse) and the R5 ones the terminology ecosystem uses (sourceSystem,
 * sourceCode, sourceCoding, targetSystem, targetCode, sourceScope, targetScope).
 *
 * @see https://hl7.org/fhir/R4/conceptmap-operation-translate.html
 * @see https://hl7.org/fhir/R5/conceptmap-operation-translate.html
 */
import type { ConceptMap, Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/errors.ts';
import { translate } from '../../terminology/translate.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { extendDefinition, inParam, outParam, r4OperationDefinition } from '../../fhir/operation-definitions.ts';
import { ECOSYSTEM_INPUTS, EVERY_LEVEL } from './definitions.ts';
import { instanceConceptMap } from './resolve.ts';
import { createTxContext } from './services.ts';
import { param, paramString } from '../../fhir/parameters.ts';
import type { TerminologyOperationServices } from './services.ts';

/**
 * The $translate definition.
 */
export const conceptMapTranslateDefinition = extendDefinition(r4OperationDefinition('ConceptMap-translate'), {
  id: 'ConceptMap-translate',
  ...EVERY_LEVEL,
  inputs: [
    ...ECOSYSTEM_INPUTS,
    inParam('sourceSystem', 'uri', '1', 'R5: the system of the code to translate.'),
    inParam('sourceCode', 'code', '1', 'R5: the code to translate.'),
    inParam('sourceCoding', 'Coding', '1', 'R5: the Coding to translate.'),
    inParam('sourceCodeableConcept', 'CodeableConcept', '1', 'R5: the CodeableConcept to translate.'),
    inParam('sourceScope', 'uri', '1', 'R5: the source value set.'),
    inParam('targetScope', 'uri', '1', 'R5: the target value set.'),
    inParam('targetSystem', 'uri', '1', 'R5: the target code system.'),
    inParam('targetCode', 'code', '1', 'R5: a target code to translate back (reverse).'),
    inParam('targetCoding', 'Coding', '1', 'R5: a target Coding to translate back (reverse).'),
  ],
  outputs: [outParam('match', undefined, '*', 'A match (R4 equivalence and R5 relationship/originMap parts).')],
});

/**
 * Translates a code.
 */
export function conceptMapTranslate(request: OperationRequest, services: TerminologyOperationServices): Parameters {
  const p = request.parameters;
  const ctx = createTxContext(request, services);
  const instance = instanceConceptMap(ctx, request);
  const resource = param(p, 'conceptMap')?.resource;
  const conceptMap = instance ?? (resource?.resourceType === 'ConceptMap' ? (resource as ConceptMap) : undefined);
  const coding = param(p, 'coding')?.valueCoding ?? param(p, 'sourceCoding')?.valueCoding ?? param(p, 'codeableConcept')?.valueCodeableConcept?.coding?.[0];
  const targetCoding = param(p, 'targetCoding')?.valueCoding;
  const targetCode = targetCoding?.code ?? paramString(p, 'targetCode');
  const reverse = paramString(p, 'reverse') === 'true' || targetCode !== undefined;
  const code = reverse ? (targetCode ?? coding?.code ?? paramString(p, 'code')) : (coding?.code ?? paramString(p, 'code') ?? paramString(p, 'sourceCode'));
  if (code === undefined) throw badRequest('No code to translate (code, coding, sourceCode or targetCode)');
  return translate(ctx, {
    url: paramString(p, 'url'),
    conceptMap,
    conceptMapVersion: paramString(p, 'conceptMapVersion'),
    system: coding?.system ?? paramString(p, 'system') ?? paramString(p, 'sourceSystem'),
    code,
    version: coding?.version ?? paramString(p, 'version'),
    source: paramString(p, 'source') ?? paramString(p, 'sourceScope'),
    target: paramString(p, 'target') ?? paramString(p, 'targetScope'),
    targetSystem: targetCoding?.system ?? paramString(p, 'targetsystem') ?? paramString(p, 'targetSystem'),
    reverse,
  });
}

/**
 * The $translate operation.
 */
export const conceptMapTranslateOperation: OperationDeclaration<TerminologyOperationServices> = {
  definition: conceptMapTranslateDefinition,
  handler: conceptMapTranslate,
};
