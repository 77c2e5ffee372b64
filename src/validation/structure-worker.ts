/**
 * The worker thread behind {@link ./structure-pool.ts}: runs the structure check (`@medplum/core`'s
 * `validateResource` against the R4 base definitions and the given profiles) for the main thread. The check is
 * pure — the resource and the profile StructureDefinitions are all it needs — so it gives the same issues here
 * as on the main thread.
 *
 * @see https://hl7.org/fhir/R4/validation.html
 */
import { parentPort } from 'node:worker_threads';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { checkStructure } from './structure-check.ts';
import { ensureCoreStructures } from './r4-core.ts';
import type { ValidationIssue } from './types.ts';

/** A request to the worker: a resource as JSON text, and the profiles to check it against. */
export interface StructureJob {
  readonly id: number;
  readonly json: string;
  readonly profiles: readonly StructureDefinition[];
}

/** The worker's answer: the issues, or why the check itself failed. */
export interface StructureAnswer {
  readonly id: number;
  readonly issues?: ValidationIssue[];
  readonly error?: string;
}

if (parentPort !== null) {
  const port = parentPort;
  ensureCoreStructures();
  port.on('message', (job: StructureJob) => {
    let answer: StructureAnswer;
    try {
      answer = { id: job.id, issues: checkStructure(JSON.parse(job.json) as Resource, job.profiles) };
    } catch (err: unknown) {
      answer = { id: job.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(answer);
  });
}
