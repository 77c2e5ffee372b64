/**
 * Name and version of this software, read once from package.json (so /metadata never drifts from it).
 */
import { readFileSync } from 'node:fs';

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
}

/** The project's package.json fields used in capability statements. */
export const SOFTWARE: PackageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;

/** Release date of this build: the start of the process (a date, FHIR `dateTime`). */
export const STARTED_AT = new Date().toISOString();
