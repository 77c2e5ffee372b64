/**
 * Loads the content folder (`fhir-resources/`) into the repository at start, idempotently: a file is
 * written only when its bytes changed since it was last loaded (its hash is recorded in the store), so a
 * restart neither duplicates nor reverts anything — not even a resource a client updated since — and a
 * changed file becomes a new version.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { isFhirError } from '../fhir/errors.ts';
import { parseJsonRemembering } from '../lib/json-source.ts';
import type { Repository } from './repository.ts';

/** Outcome of a load. */
export interface LoadReport {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: readonly { readonly file: string; readonly message: string }[];
}

/** A member value whose text is at least this long is stored as read (see lib/json-source.ts). */
const REMEMBER_TEXT_CHARS = 256 * 1024;

function sameContent(a: Resource, b: Resource): boolean {
  const strip = (r: Resource): string => JSON.stringify({ ...r, meta: { ...r.meta, versionId: undefined, lastUpdated: undefined } });
  return strip(a) === strip(b);
}

/**
 * Loads every `*.json` file of `dir` (one resource each, with an id).
 * @see https://hl7.org/fhir/R4/http.html#update
 */
export async function loadContentFolder(repository: Repository, dir: string, logger?: Logger): Promise<LoadReport> {
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const failed: { file: string; message: string }[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    const hash = createHash('sha256').update(text).digest('hex');
    const key = `content/${file}`;
    const seed = await repository.store.getSeed(key);
    if (seed?.hash === hash) {
      unchanged++;
      continue;
    }
    try {
      // A large member (a code system's concept tree) is stored as read, not serialised again.
      const resource = parseJsonRemembering(text, REMEMBER_TEXT_CHARS) as Resource & { id?: string };
      if (typeof resource.id !== 'string') throw new Error('the resource has no id');
      const current = repository.index.get(resource.resourceType, resource.id);
      if (current && sameContent(current.resource, resource)) {
        unchanged++;
      } else {
        const result = await repository.update(resource as Resource & { id: string });
        if (result.created) created++;
        else updated++;
      }
      await repository.store.putSeed({ path: key, hash });
    } catch (err) {
      const message = isFhirError(err)
        ? (err.outcome.issue ?? []).map((i) => `${i.expression?.join(', ') ?? ''} ${i.details?.text ?? i.diagnostics ?? ''}`.trim()).join('; ')
        : (err as Error).message;
      failed.push({ file, message });
      logger?.error({ file, message }, 'content file not loaded');
    }
  }
  return { created, updated, unchanged, failed };
}
