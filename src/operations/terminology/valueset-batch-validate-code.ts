/**
 * ValueSet/$batch-validate-code (type and instance level): many $validate-code requests against one value
 * set in one call. Parameters outside `validation` (url, valueSet, tx-resource, version rules …) apply to
 * every entry; each `validation` parameter carries a Parameters with the value to validate (and may
 * override the shared ones). The answer has one `validation` Parameters per entry, in order; an entry that
 * fails with an error carries an OperationOutcome instead. Modelled on tx.fhir.org's definition.
 *
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/
 * @see https://hl7.org/fhir/R4/valueset-operation-validate-code.html
 */
import type { OperationDefinition, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { isFhirError } from '../../fhir/errors.ts';
import type { OperationDeclaration, OperationRequest } from '../types.ts';
import { inParam, outParam } from '../../fhir/operation-definitions.ts';
import { VALIDATE_CODE_INPUTS } from './definitions.ts';
import { params } from '../../fhir/parameters.ts';
import type { TerminologyOperationServices } from './services.ts';
import { valueSetValidateCode, valueSetValidateCodeDefinition } from './valueset-validate-code.ts';

/**
 * The $batch-validate-code definition.
 */
export const valueSetBatchValidateCodeDefinition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'ValueSet-batch-validate-code',
  url: 'https://example.org/fhir/liver-cryoablation/OperationDefinition/ValueSet-batch-validate-code',
  name: 'BatchValidateCode',
  title: 'Value Set based Batch Validation',
  status: 'active',
  kind: 'operation',
  description:
    'Validates many codes against one value set. The shared parameters (url, valueSet, valueSetVersion, tx-resource, version rules, displayLanguage …) apply to each `validation` entry, which holds the parameters of one $validate-code call.',
  affectsState: false,
  code: 'batch-validate-code',
  resource: ['ValueSet'],
  system: false,
  type: true,
  instance: true,
  parameter: [
    ...(valueSetValidateCodeDefinition.parameter ?? []).filter((p) => p.use === 'in' && !['code', 'system', 'systemVersion', 'display', 'coding', 'codeableConcept'].includes(p.name)),
    ...VALIDATE_CODE_INPUTS.filter((p) => !(valueSetValidateCodeDefinition.parameter ?? []).some((q) => q.name === p.name && q.use === 'in')),
    inParam('validation', 'Parameters', '*', 'The parameters of one $validate-code call (code/system/display, coding or codeableConcept, …).'),
    outParam('validation', 'Parameters', '*', 'The $validate-code answer for each entry, in order (an OperationOutcome when an entry fails).'),
  ].map((p) => (p.name === 'validation' && p.use === 'out' ? { ...p, min: 1 } : p)),
};

/**
 * Validates each entry.
 */
export function valueSetBatchValidateCode(request: OperationRequest, services: TerminologyOperationServices): Parameters {
  const shared = (request.parameters.parameter ?? []).filter((p) => p.name !== 'validation');
  const out: ParametersParameter[] = [];
  for (const entry of params(request.parameters, 'validation')) {
    const own = entry.resource?.resourceType === 'Parameters' ? (entry.resource.parameter ?? []) : [];
    const ownNames = new Set(own.map((p) => p.name));
    const merged: Parameters = { resourceType: 'Parameters', parameter: [...shared.filter((p) => !ownNames.has(p.name) || p.name === 'tx-resource'), ...own] };
    try {
      out.push({ name: 'validation', resource: valueSetValidateCode(request, services, merged) });
    } catch (e) {
      if (!isFhirError(e)) throw e;
      out.push({ name: 'validation', resource: e.outcome });
    }
  }
  return { resourceType: 'Parameters', parameter: out };
}

/**
 * The $batch-validate-code operation.
 */
export const valueSetBatchValidateCodeOperation: OperationDeclaration<TerminologyOperationServices> = {
  definition: valueSetBatchValidateCodeDefinition,
  handler: valueSetBatchValidateCode,
};
