/**
 * The shape of an operation: its R4 OperationDefinition plus a handler. The registry (`index.ts`) lists them;
 * routes (GET and POST, type and instance level), parameter parsing and the CapabilityStatement /
 * TerminologyCapabilities entries are all derived from it.
 *
 * @see https://hl7.org/fhir/R4/operations.html
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
import type { OperationDefinition, Parameters, Resource, ResourceType } from '@medplum/fhirtypes';

/** Where an operation was invoked. */
export interface OperationTarget {
  /** Resource type for type- and instance-level invocations; undefined at system level. */
  readonly resourceType?: ResourceType;
  /** Logical id for instance-level invocations. */
  readonly id?: string;
}

/**
 * A request to an operation, already decoded from HTTP: GET query parameters and POST `Parameters` bodies
 * arrive in the same form, checked against the OperationDefinition (names, types, cardinality).
 */
export interface OperationRequest extends OperationTarget {
  /** The input parameters as a FHIR Parameters resource (query strings converted by the definition's types). */
  readonly parameters: Parameters;
  /** Lower-cased request headers that operations may read (e.g. `x-too-costly-threshold`). */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * What a handler returns: a resource. When the definition has a single `return` output parameter of a
 * resource type, the handler returns that resource itself; otherwise a Parameters resource.
 */
export type OperationResult = Resource;

/** Services an operation may use, passed per request (no global getters). */
export interface OperationServices {
  /** Absolute deadline (ms since epoch) after which long loops must stop with `too-costly`. */
  readonly deadline: number;
}

/** An operation declared once: definition + handler. */
export interface OperationDeclaration<S extends OperationServices = OperationServices> {
  readonly definition: OperationDefinition;
  readonly handler: (request: OperationRequest, services: S) => Promise<OperationResult> | OperationResult;
}
