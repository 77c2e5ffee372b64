/**
 * The operation registry of the server: every operation is declared here once.
 */
import { OperationRegistry } from './registry.ts';
import type { ServerServices } from './services.ts';
import type { OperationDeclaration } from './types.ts';
import { knowledgeOperations } from './knowledge/index.ts';
import { resourceValidateOperation } from './resource-validate.ts';
import { terminologyOperations } from './terminology/index.ts';
import { versionsOperation } from './versions.ts';

/** All operations served. */
export const OPERATIONS: readonly OperationDeclaration<ServerServices>[] = [
  versionsOperation,
  resourceValidateOperation,
  ...terminologyOperations,
  ...knowledgeOperations,
];

/** Creates the registry. */
export function createOperationRegistry(): OperationRegistry<ServerServices> {
  return new OperationRegistry(OPERATIONS);
}
