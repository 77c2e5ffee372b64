/**
 * `$versions`: which FHIR versions this server speaks (probed by HL7's terminology test runner).
 *
 * @see https://build.fhir.org/http.html#version-parameter
 */
import type { OperationDefinition, Parameters } from '@medplum/fhirtypes';
import type { OperationDeclaration } from './types.ts';

const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'versions',
  url: 'http://hl7.org/fhir/OperationDefinition/fhir-versions',
  name: 'Versions',
  title: 'FHIR versions supported',
  status: 'active',
  kind: 'operation',
  code: 'versions',
  system: true,
  type: false,
  instance: false,
  affectsState: false,
  parameter: [
    { name: 'version', use: 'out', min: 1, max: '*', type: 'code', documentation: 'A supported FHIR version (major.minor)' },
    { name: 'default', use: 'out', min: 1, max: '1', type: 'code', documentation: 'The version used when the client does not ask' },
  ],
};

/**
 * Answers `Parameters {version: 4.0, default: 4.0}`.
 */
export const versionsOperation: OperationDeclaration = {
  definition,
  handler: (): Parameters => ({
    resourceType: 'Parameters',
    parameter: [
      { name: 'version', valueCode: '4.0' },
      { name: 'default', valueCode: '4.0' },
    ],
  }),
};
