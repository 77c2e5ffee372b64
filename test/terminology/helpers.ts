/**
 * Test helpers for the terminology engine and operations: the fixture resources, an in-memory resource
 * source over them, and calls of the operation handlers with a Parameters body (as the HTTP layer would).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcome, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import type { TerminologyOperationServices } from '../../src/operations/terminology/services.ts';
import type { OperationRequest } from '../../src/operations/types.ts';
import { MemoryResources } from '../../src/terminology/resources.ts';
import type { TerminologyResource } from '../../src/terminology/resources.ts';

/** Folder of the terminology fixtures. */
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'terminology');

/** Reads one fixture. */
export function fixture<T extends Resource = Resource>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** Every fixture resource. */
export function allFixtures(): TerminologyResource[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => fixture<TerminologyResource>(f));
}

/** Services over the fixtures (without the FHIR core terminology unless asked). */
export function services(options: { resources?: TerminologyResource[]; core?: boolean; maxExpansionSize?: number } = {}): TerminologyOperationServices {
  return {
    deadline: Date.now() + 10_000,
    terminology: {
      resources: new MemoryResources(options.resources ?? allFixtures()),
      ...(options.core ? {} : { core: null }),
      ...(options.maxExpansionSize !== undefined ? { maxExpansionSize: options.maxExpansionSize } : {}),
    },
  };
}

/** A request with these parameters. */
export function request(parameter: ParametersParameter[], options: { id?: string; acceptLanguage?: string; headers?: Record<string, string> } = {}): OperationRequest {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.acceptLanguage !== undefined) headers['accept-language'] = options.acceptLanguage;
  return {
    ...(options.id !== undefined ? { id: options.id } : {}),
    parameters: { resourceType: 'Parameters', parameter },
    headers,
  };
}

/** The value of the first output parameter with this name. */
export function out(p: Parameters, name: string): unknown {
  const param = p.parameter?.find((x) => x.name === name);
  if (param === undefined) return undefined;
  for (const [k, v] of Object.entries(param)) if (k.startsWith('value') || k === 'resource') return v;
  return param.part;
}

/** Runs a handler expecting a FhirError; returns its status and outcome. */
export { failure } from '../helpers/failure.ts';

/** The issue texts of an OperationOutcome. */
export function texts(oo: OperationOutcome | undefined): string[] {
  return (oo?.issue ?? []).map((i) => i.details?.text ?? '');
}
