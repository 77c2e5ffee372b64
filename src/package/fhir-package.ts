/**
 * Writing a FHIR NPM package: a gzipped tarball with a `package/` folder holding `package.json` (the
 * manifest), `.index.json` (index-version 2: one entry per resource file) and each resource as
 * `package/<ResourceType>-<id>.json`.
 *
 * @see https://hl7.org/fhir/packages.html
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { create as createTar } from 'tar';
import { expectedFileName } from './content-files.ts';
import type { FhirPackageDefinition } from './package-definition.ts';
import { fieldsOf, setField } from '../lib/records.ts';

/**
 * The `package.json` of a FHIR package.
 */
export interface FhirPackageManifest extends FhirPackageDefinition {
  /** Build date, `YYYYMMDDHHmmss`. */
  readonly date: string;
}

/**
 * One entry of `.index.json`.
 */
export interface PackageIndexEntry {
  readonly filename: string;
  readonly resourceType: string;
  readonly id: string;
  readonly url?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly type?: string;
  readonly derivation?: string;
  readonly supplements?: string;
  readonly content?: string;
}

/**
 * `.index.json`.
 */
export interface PackageIndex {
  readonly 'index-version': 2;
  readonly files: readonly PackageIndexEntry[];
}

/**
 * A resource that can go into a package (it has an id).
 */
export type PackagedResource = Resource & { readonly id: string };

/**
 * Formats a date as `YYYYMMDDHHmmss` (UTC), the package.json date format.
 */
export function packageDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * Builds `package/package.json`.
 */
export function buildPackageManifest(definition: FhirPackageDefinition, date: Date): FhirPackageManifest {
  return { ...definition, date: packageDate(date) };
}

function stringField(resource: Resource, name: string): string | undefined {
  const value = fieldsOf(resource)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Index fields read from resources of a given type (beyond url and version, which every entry may have). */
const TYPE_INDEX_FIELDS: Readonly<Record<string, readonly string[]>> = {
  StructureDefinition: ['kind', 'type', 'derivation'],
  CodeSystem: ['content', 'supplements'],
};

/**
 * Builds `package/.index.json`: for each resource its file name, type and id, its url and version, and the
 * fields tools look up without opening the file (StructureDefinition kind, type and derivation; CodeSystem
 * content and supplements).
 */
export function buildPackageIndex(resources: readonly PackagedResource[]): PackageIndex {
  const files = resources.map((resource): PackageIndexEntry => {
    const entry: PackageIndexEntry = { filename: expectedFileName(resource), resourceType: resource.resourceType, id: resource.id };
    for (const field of ['url', 'version', ...(TYPE_INDEX_FIELDS[resource.resourceType] ?? [])]) {
      const value = stringField(resource, field);
      if (value !== undefined) setField(entry, field, value);
    }
    return entry;
  });
  return { 'index-version': 2, files };
}

/**
 * Options of {@link writeFhirPackage}.
 */
export interface WriteFhirPackageOptions {
  readonly definition: FhirPackageDefinition;
  readonly resources: readonly PackagedResource[];
  /** The `.tgz` file to write (its folder is created). */
  readonly outFile: string;
  /** Build date recorded in package.json and as the time of every tar entry (default: now). */
  readonly date?: Date;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Writes the package tarball: stages `package/` in a temporary folder, then tars and gzips it with the `tar`
 * package (portable headers, one time stamp for every entry, files in a fixed order).
 * @returns the manifest and index written.
 */
export async function writeFhirPackage(options: WriteFhirPackageOptions): Promise<{ manifest: FhirPackageManifest; index: PackageIndex }> {
  const date = options.date ?? new Date();
  const resources = [...options.resources].sort((a, b) => expectedFileName(a).localeCompare(expectedFileName(b)));
  const manifest = buildPackageManifest(options.definition, date);
  const index = buildPackageIndex(resources);
  const staging = await mkdtemp(join(tmpdir(), 'fhir-package-'));
  try {
    const packageDir = join(staging, 'package');
    await mkdir(packageDir);
    await writeFile(join(packageDir, 'package.json'), json(manifest));
    await writeFile(join(packageDir, '.index.json'), json(index));
    for (const resource of resources) {
      await writeFile(join(packageDir, expectedFileName(resource)), json(resource));
    }
    await mkdir(dirname(options.outFile), { recursive: true });
    const entries = ['package/package.json', 'package/.index.json', ...resources.map((r) => `package/${expectedFileName(r)}`)];
    await createTar({ gzip: true, file: options.outFile, cwd: staging, portable: true, mtime: date }, entries);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { manifest, index };
}
