/**
 * The terminology operations, each declared once ({ definition, handler }); the server's registry mounts
 * them on GET and POST at type and instance level.
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 */
import type { OperationDeclaration } from '../types.ts';
import { codeSystemLookupOperation } from './codesystem-lookup.ts';
import { codeSystemSubsumesOperation } from './codesystem-subsumes.ts';
import { codeSystemValidateCodeOperation } from './codesystem-validate-code.ts';
import { conceptMapTranslateOperation } from './conceptmap-translate.ts';
import type { TerminologyOperationServices } from './services.ts';
import { valueSetBatchValidateCodeOperation } from './valueset-batch-validate-code.ts';
import { valueSetExpandOperation } from './valueset-expand.ts';
import { valueSetValidateCodeOperation } from './valueset-validate-code.ts';

export type { TerminologyOperationServices, TerminologyService } from './services.ts';
export { createTxContext } from './services.ts';

/**
 * Every terminology operation.
 */
export const terminologyOperations: readonly OperationDeclaration<TerminologyOperationServices>[] = [
  valueSetExpandOperation,
  valueSetValidateCodeOperation,
  valueSetBatchValidateCodeOperation,
  codeSystemLookupOperation,
  codeSystemValidateCodeOperation,
  codeSystemSubsumesOperation,
  conceptMapTranslateOperation,
];

