/**
 * The structure check off the event loop, for large resources.
 *
 * `@medplum/core`'s `validateResource` is one synchronous call whose cost grows with the resource: about 0.6 s
 * for a CodeSystem of 100,000 concepts. Run on the event loop, that is 0.6 s during which no other client gets
 * an answer. Resources above {@link OFF_THREAD_BYTES} are therefore checked on one worker thread, one at a time
 * in arrival order; smaller ones (nearly every request) are checked inline, where a thread hop would cost more
 * than the check. At most {@link MAX_QUEUED} checks wait for the worker: past that the answer is 503 with
 * `Retry-After`, so a client sending large resources in a loop cannot queue unbounded work.
 *
 * The worker starts on first use (it loads the R4 definitions, about a second) and stops after
 * {@link IDLE_MS} without work, giving its memory back.
 *
 * @see https://nodejs.org/api/worker_threads.html
 * @see https://hl7.org/fhir/R4/validation.html
 */
import { Worker } from 'node:worker_threads';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { FhirError } from '../fhir/errors.ts';
import { checkStructure } from './structure-check.ts';
import type { StructureAnswer, StructureJob } from './structure-worker.ts';
import type { ValidationIssue } from './types.ts';

/** Resources whose JSON is larger than this (bytes) are checked on the worker. */
export const OFF_THREAD_BYTES = 256 * 1024;
/** Most checks waiting for the worker at once. */
export const MAX_QUEUED = 8;
/** The worker stops after this long without work (ms). */
const IDLE_MS = 30_000;

interface Pending {
  readonly resolve: (issues: ValidationIssue[]) => void;
  readonly reject: (err: Error) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();
let idleTimer: NodeJS.Timeout | undefined;

function failAll(message: string): void {
  for (const p of pending.values()) p.reject(new Error(message));
  pending.clear();
}

function startWorker(): Worker {
  const w = new Worker(new URL('./structure-worker.ts', import.meta.url));
  w.unref();
  w.on('message', (answer: StructureAnswer) => {
    const p = pending.get(answer.id);
    if (p === undefined) return;
    pending.delete(answer.id);
    if (answer.error !== undefined) p.reject(new Error(answer.error));
    else p.resolve(answer.issues ?? []);
    if (pending.size === 0) scheduleIdleStop();
  });
  w.on('error', (err) => {
    worker = undefined;
    failAll(`Structure check worker failed: ${err.message}`);
  });
  w.on('exit', () => {
    if (worker === w) worker = undefined;
    failAll('Structure check worker stopped');
  });
  return w;
}

function scheduleIdleStop(): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (pending.size === 0 && worker !== undefined) {
      const w = worker;
      worker = undefined;
      void w.terminate();
    }
  }, IDLE_MS);
  idleTimer.unref();
}

/**
 * The structure check of a resource, off the event loop when the resource is large (see the module comment).
 * @param json - the resource's JSON text, when the caller has it (saves serialising it again)
 * @throws FhirError 503 when {@link MAX_QUEUED} checks are already waiting
 */
export function checkStructureAsync(resource: Resource, profiles: readonly StructureDefinition[], json?: string): Promise<ValidationIssue[]> {
  const text = json ?? JSON.stringify(resource);
  if (text.length <= OFF_THREAD_BYTES) return Promise.resolve(checkStructure(resource, profiles));
  if (pending.size >= MAX_QUEUED) {
    return Promise.reject(
      new FhirError(
        503,
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', details: { text: 'The server is busy validating other large resources: try again shortly' } }] },
        { headers: { 'Retry-After': '2' } },
      ),
    );
  }
  clearTimeout(idleTimer);
  worker ??= startWorker();
  const id = nextId++;
  const job: StructureJob = { id, json: text, profiles };
  return new Promise<ValidationIssue[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker?.postMessage(job);
  });
}

/**
 * Stops the worker now (tests, shutdown); checks still waiting fail.
 * @see https://nodejs.org/api/worker_threads.html#workerterminate
 */
export async function stopStructureWorker(): Promise<void> {
  clearTimeout(idleTimer);
  const w = worker;
  worker = undefined;
  if (w !== undefined) await w.terminate();
}
