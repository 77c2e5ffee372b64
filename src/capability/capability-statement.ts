/**
 * The CapabilityStatement, generated from the served resource types, their search parameters, the REST
 * interaction table the router dispatches by and the operation registry — nothing is kept by hand.
 *
 * @see https://hl7.org/fhir/R4/capabilitystatement.html
 * @see https://hl7.org/fhir/R4/terminology-service.html#4.6.2
 */
import type { CapabilityStatement, CapabilityStatementRestResource, Extension } from '@medplum/fhirtypes';
import type { OperationDefinition } from '@medplum/fhirtypes';
import { SUPPORTED_TYPES } from '../fhir/resource-types.ts';
import { interactionCodes } from '../rest/interaction-table.ts';
import { searchParametersFor } from '../search/parameters.ts';
import { SOFTWARE, STARTED_AT } from './software.ts';

/** Version of the HL7 terminology test suite (tx-ecosystem IG) this server is tested against. */
export const TX_TEST_VERSION = '1.9.3';

/** Inputs of the statement. */
export interface CapabilityInputs {
  readonly baseUrl: string;
  /** The operation registry (only its lookups are read). */
  readonly registry: {
    forType(resourceType: string): readonly { readonly definition: OperationDefinition }[];
    system(): readonly { readonly definition: OperationDefinition }[];
  };
  /** Whether writes are enabled (a WRITE_TOKEN is configured). */
  readonly writable: boolean;
}

function feature(definition: string, value: Extension): Extension {
  return {
    url: 'http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature',
    extension: [{ url: 'definition', valueCanonical: definition }, value],
  };
}

function resourceEntry(type: string, inputs: CapabilityInputs): CapabilityStatementRestResource {
  const params = searchParametersFor(type);
  const referenceParams = [...params.values()].filter((p) => p.type === 'reference');
  const revIncludes = SUPPORTED_TYPES.flatMap((source) =>
    [...searchParametersFor(source).values()]
      .filter((p) => p.type === 'reference' && (p.targets.length === 0 || p.targets.includes(type)))
      .map((p) => `${source}:${p.code}`),
  );
  return {
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: interactionCodes('resource', inputs.writable).map((code) => ({ code })),
    versioning: 'versioned',
    readHistory: true,
    updateCreate: inputs.writable,
    conditionalCreate: inputs.writable,
    conditionalRead: 'full-support',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    searchInclude: referenceParams.map((p) => `${type}:${p.code}`),
    searchRevInclude: revIncludes,
    searchParam: [...params.values()].map((p) => ({
      name: p.code,
      definition: p.definition,
      type: p.type as 'string',
      documentation: p.code === 'definition' && type === 'PlanDefinition' ? 'Also matches nested actions (chosen: R4 reads only top-level actions).' : undefined,
    })),
    operation: inputs.registry.forType(type).map((d) => ({ name: d.definition.code as string, definition: d.definition.url as string })),
  };
}

/**
 * Builds the CapabilityStatement.
 */
export function buildCapabilityStatement(inputs: CapabilityInputs): CapabilityStatement {
  const date = STARTED_AT.slice(0, 10);
  return {
    resourceType: 'CapabilityStatement',
    extension: [
      feature('http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version', { url: 'value', valueCode: TX_TEST_VERSION }),
      feature('http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter', { url: 'value', valueBoolean: true }),
    ],
    url: `${inputs.baseUrl}/metadata`,
    version: SOFTWARE.version,
    name: 'LiverCryoablationFhirServer',
    title: 'Liver cryoablation FHIR terminology and knowledge server',
    status: 'active',
    experimental: false,
    date,
    publisher: 'Liver Cryoablation FHIR Knowledge Project',
    description: SOFTWARE.description,
    kind: 'instance',
    instantiates: ['http://hl7.org/fhir/CapabilityStatement/terminology-server'],
    software: { name: SOFTWARE.name, version: SOFTWARE.version, releaseDate: STARTED_AT },
    implementation: { description: 'FHIR R4 endpoint', url: inputs.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Writes need `Authorization: Bearer <WRITE_TOKEN>`; without a configured token the server is read-only (405). ' +
          'Unknown search parameters are ignored (with an outcome entry) unless `Prefer: handling=strict`.',
        resource: SUPPORTED_TYPES.map((type) => resourceEntry(type, inputs)),
        interaction: interactionCodes('system', inputs.writable).map((code) => ({ code })),
        operation: inputs.registry.system().map((d) => ({ name: d.definition.code as string, definition: d.definition.url as string })),
      },
    ],
  };
}
