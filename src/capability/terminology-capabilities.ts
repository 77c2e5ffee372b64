/**
 * TerminologyCapabilities (`GET /metadata?mode=terminology`), generated from the `$expand` declaration's input
 * parameters and the code systems the server holds.
 *
 * @see https://hl7.org/fhir/R4/terminologycapabilities.html
 * @see https://hl7.org/fhir/R4/capabilitystatement.html (mode=terminology)
 */
import type { CodeSystem, OperationDefinition, TerminologyCapabilities } from '@medplum/fhirtypes';
import { SOFTWARE, STARTED_AT } from './software.ts';

/** Inputs of the statement. */
export interface TerminologyCapabilitiesInputs {
  readonly baseUrl: string;
  /** The `$expand` OperationDefinition (its input parameters are the expansion parameters). */
  readonly expand: OperationDefinition | undefined;
  /** The code systems held (current versions). */
  readonly codeSystems: () => readonly CodeSystem[];
}

/**
 * Builds the TerminologyCapabilities.
 */
export function buildTerminologyCapabilities(inputs: TerminologyCapabilitiesInputs): TerminologyCapabilities {
  const byUrl = new Map<string, Set<string>>();
  for (const cs of inputs.codeSystems()) {
    if (!cs.url || cs.content === 'supplement') continue;
    const versions = byUrl.get(cs.url) ?? new Set<string>();
    if (cs.version) versions.add(cs.version);
    byUrl.set(cs.url, versions);
  }
  const expansionParameters = [...new Set((inputs.expand?.parameter ?? []).filter((p) => p.use === 'in').map((p) => p.name as string))].sort();
  return {
    resourceType: 'TerminologyCapabilities',
    url: `${inputs.baseUrl}/metadata?mode=terminology`,
    version: SOFTWARE.version,
    name: 'LiverCryoablationTerminologyCapabilities',
    title: 'Liver cryoablation FHIR server: terminology capabilities',
    status: 'active',
    experimental: false,
    date: STARTED_AT.slice(0, 10),
    kind: 'instance',
    software: { name: SOFTWARE.name, version: SOFTWARE.version },
    implementation: { description: 'FHIR R4 terminology service', url: inputs.baseUrl },
    lockedDate: false,
    codeSystem: [...byUrl.entries()].map(([uri, versions]) => ({
      uri,
      version: [...versions].map((code) => ({ code, isDefault: versions.size === 1 })),
    })),
    expansion: {
      hierarchical: true,
      paging: true,
      incomplete: false,
      parameter: expansionParameters.map((name) => ({ name })),
      textFilter: 'Every word of the filter must start a word of the display or of a designation (case-insensitive, no stemming).',
    },
    codeSearch: 'all',
    validateCode: { translations: false },
    translation: { needsMap: true },
    closure: { translation: false },
  };
}
