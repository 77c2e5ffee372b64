/**
 * The REST interactions the server answers, once: the router dispatches by this table (each row's `route` has
 * exactly one handler there) and the CapabilityStatement lists the interactions of its rows, so the two
 * cannot drift apart.
 *
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://hl7.org/fhir/R4/capabilitystatement-definitions.html#CapabilityStatement.rest.resource.interaction
 */
import type { CapabilityStatementRestInteraction, CapabilityStatementRestResourceInteraction } from '@medplum/fhirtypes';

/** Where an interaction's path starts: the base, `[type]`, or `[type]/[id]`. */
export type InteractionLevel = 'system' | 'type' | 'instance';

/** What follows the level's own path (`{vid}` is a version id). */
export type InteractionPath = '' | '_search' | '_history' | '_history/{vid}';

/** An HTTP method of an interaction (`GET` rows answer `HEAD` too). */
export type InteractionMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** An interaction code of the CapabilityStatement, at system or resource level. */
export type InteractionCode = CapabilityStatementRestInteraction['code'] | CapabilityStatementRestResourceInteraction['code'];

/** One row: a level, a path and a method, the interactions they serve, and whether they write. */
export interface InteractionRow {
  /** The router's name of the row (its handler). */
  readonly route: string;
  readonly level: InteractionLevel;
  readonly path: InteractionPath;
  readonly method: InteractionMethod;
  readonly codes: readonly InteractionCode[];
  /** Needs write credentials (and is left out of the CapabilityStatement of a read-only server). */
  readonly write: boolean;
}

/**
 * Every REST interaction served, in the order the CapabilityStatement lists them.
 */
export const REST_INTERACTIONS = [
  { route: 'read', level: 'instance', path: '', method: 'GET', codes: ['read'], write: false },
  { route: 'vread', level: 'instance', path: '_history/{vid}', method: 'GET', codes: ['vread'], write: false },
  { route: 'search-type', level: 'type', path: '', method: 'GET', codes: ['search-type'], write: false },
  { route: 'search-type-post', level: 'type', path: '_search', method: 'POST', codes: ['search-type'], write: false },
  { route: 'history-instance', level: 'instance', path: '_history', method: 'GET', codes: ['history-instance'], write: false },
  { route: 'history-type', level: 'type', path: '_history', method: 'GET', codes: ['history-type'], write: false },
  { route: 'create', level: 'type', path: '', method: 'POST', codes: ['create'], write: true },
  { route: 'update', level: 'instance', path: '', method: 'PUT', codes: ['update'], write: true },
  { route: 'delete', level: 'instance', path: '', method: 'DELETE', codes: ['delete'], write: true },
  // Each entry of a batch or transaction is checked for write credentials on its own.
  { route: 'batch', level: 'system', path: '', method: 'POST', codes: ['batch', 'transaction'], write: false },
  { route: 'search-system', level: 'system', path: '', method: 'GET', codes: ['search-system'], write: false },
  { route: 'search-system-post', level: 'system', path: '_search', method: 'POST', codes: ['search-system'], write: false },
  { route: 'history-system', level: 'system', path: '_history', method: 'GET', codes: ['history-system'], write: false },
] as const satisfies readonly InteractionRow[];

/** The name of a row of {@link REST_INTERACTIONS}. */
export type InteractionRoute = (typeof REST_INTERACTIONS)[number]['route'];

/**
 * The rows for a level and path (none: no interaction there).
 */
export function interactionRows(level: InteractionLevel, path: InteractionPath): readonly (typeof REST_INTERACTIONS)[number][] {
  return REST_INTERACTIONS.filter((row) => row.level === level && row.path === path);
}

/**
 * The interaction codes of the system level (`system`) or of each resource type (`resource`: type and
 * instance levels), without the writing ones on a read-only server; each once, in table order.
 *
 * @see https://hl7.org/fhir/R4/capabilitystatement-definitions.html#CapabilityStatement.rest.interaction
 */
export function interactionCodes(scope: 'system', writable: boolean): CapabilityStatementRestInteraction['code'][];
export function interactionCodes(scope: 'resource', writable: boolean): CapabilityStatementRestResourceInteraction['code'][];
export function interactionCodes(scope: 'system' | 'resource', writable: boolean): InteractionCode[] {
  const rows: readonly InteractionRow[] = REST_INTERACTIONS;
  const codes = rows.filter((row) => (row.level === 'system') === (scope === 'system') && (writable || !row.write)).flatMap((row) => row.codes);
  return [...new Set(codes)];
}
