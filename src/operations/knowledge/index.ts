/**
 * The knowledge operations, each declared once ({ definition, handler }); the server's registry mounts them
 * on GET and POST at type and instance level.
 *
 * @see https://hl7.org/fhir/R4/plandefinition-operation-apply.html
 * @see https://hl7.org/fhir/uv/crmi/operations.html
 */
import type { ServerServices } from '../services.ts';
import type { OperationDeclaration } from '../types.ts';
import { activityDefinitionApplyOperation } from './activitydefinition-apply.ts';
import { artifactDataRequirementsOperation } from './artifact-data-requirements.ts';
import { packageOperation } from './crmi-package.ts';
import { planDefinitionApplyOperation } from './plandefinition-apply.ts';
import { planDefinitionDataRequirementsOperation } from './plandefinition-data-requirements.ts';

/**
 * Every knowledge operation.
 */
export const knowledgeOperations: readonly OperationDeclaration<ServerServices>[] = [
  planDefinitionApplyOperation,
  activityDefinitionApplyOperation,
  planDefinitionDataRequirementsOperation,
  artifactDataRequirementsOperation,
  packageOperation,
];

