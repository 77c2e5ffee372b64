/**
 * The content files of the project: `fhir-resources/<ResourceType>-<id>.json`, one resource per file.
 *
 * @see https://hl7.org/fhir/R4/json.html
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

/** The content folder, relative to the project root. */
export const CONTENT_DIR = resolve(import.meta.dirname, '../../fhir-resources');

/** One content file: its path, its raw text and the parsed resource. */
export interface ContentFile {
  readonly path: string;
  readonly fileName: string;
  readonly raw: string;
  readonly resource: Resource;
}

/**
 * Reads every `*.json` file of a content folder, sorted by file name (deterministic order).
 */
export function readContentFiles(options: { readonly dir?: string } = {}): ContentFile[] {
  const dir = options.dir ?? CONTENT_DIR;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((fileName) => {
      const path = join(dir, fileName);
      const raw = readFileSync(path, 'utf8');
      return { path, fileName, raw, resource: JSON.parse(raw) as Resource };
    });
}
