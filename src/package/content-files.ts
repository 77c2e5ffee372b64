/**
 * Reading the content folder (`fhir-resources/`): one FHIR resource per JSON file, named
 * `<ResourceType>-<id>.json` (the names FHIR NPM packages use). Directories are walked recursively for
 * `*.json` files, in a stable (sorted) order.
 *
 * @see https://hl7.org/fhir/R4/json.html
 * @see https://hl7.org/fhir/packages.html
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { createIssue } from '../validation/issues.ts';
import type { ValidationIssue } from '../validation/types.ts';

/**
 * One content file, parsed or not.
 */
export interface ContentFile {
  /** The path as shown to users (relative to the working directory when inside it). */
  readonly path: string;
  readonly absolutePath: string;
  /** The parsed JSON, when the file parses. */
  readonly json?: unknown;
  /** File-level issues: JSON syntax, file name. */
  readonly issues: readonly ValidationIssue[];
}

/**
 * Thrown for a path that does not exist.
 */
export class MissingPathError extends Error {
  constructor(path: string) {
    super(`No such file or directory: ${path}`);
    this.name = 'MissingPathError';
  }
}

async function walk(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(full);
  }
  return files;
}

/**
 * The JSON files named by `paths` (files as given, directories walked recursively), absolute, without repeats.
 */
export async function listJsonFiles(paths: readonly string[], options: { readonly cwd?: string } = {}): Promise<string[]> {
  const cwd = options.cwd ?? process.cwd();
  const files: string[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const info = await stat(absolute).catch(() => undefined);
    if (info === undefined) throw new MissingPathError(path);
    files.push(...(info.isDirectory() ? await walk(absolute) : [absolute]));
  }
  return [...new Set(files)];
}

/**
 * The file name a resource must have: `<ResourceType>-<id>.json`.
 */
export function expectedFileName(resource: { readonly resourceType: string; readonly id: string }): string {
  return `${resource.resourceType}-${resource.id}.json`;
}

/**
 * Checks that a content file holds a resource with an id and is named after it.
 */
export function checkFileName(fileName: string, json: unknown): ValidationIssue[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [];
  const { resourceType, id } = json as { resourceType?: unknown; id?: unknown };
  if (typeof resourceType !== 'string') return [];
  if (typeof id !== 'string' || id === '') {
    return [
      createIssue('file', { severity: 'error', code: 'required', text: 'A content file must hold a resource with an id', expression: `${resourceType}.id` }),
    ];
  }
  const expected = expectedFileName({ resourceType, id });
  if (fileName === expected) return [];
  return [
    createIssue('file', {
      severity: 'error',
      code: 'invalid',
      text: `File name ${fileName} does not match the resource: expected ${expected}`,
      expression: `${resourceType}.id`,
    }),
  ];
}

/**
 * Reads and parses content files; JSON syntax errors and file-name mismatches become issues.
 */
export async function readContentFiles(files: readonly string[], options: { readonly cwd?: string } = {}): Promise<ContentFile[]> {
  const cwd = options.cwd ?? process.cwd();
  return Promise.all(
    files.map(async (absolutePath): Promise<ContentFile> => {
      const shown = relative(cwd, absolutePath);
      const path = shown.startsWith('..') ? absolutePath : shown;
      const text = await readFile(absolutePath, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err: unknown) {
        const message = err instanceof Error ? err.message : String(err);
        return { path, absolutePath, issues: [createIssue('file', { severity: 'error', code: 'structure', text: `Invalid JSON: ${message}` })] };
      }
      return { path, absolutePath, json, issues: checkFileName(basename(absolutePath), json) };
    }),
  );
}
