/**
 * Validates content files the way `npm run validate` and `npm run package` do: every file given is checked
 * (JSON syntax, file name, then the validator with the shareable rules), and the package-level checks
 * (canonical references, `url|version` and id uniqueness) see the files given **plus** the content folder,
 * so that a subset of files, or a modified copy of one file elsewhere, is judged within the whole package.
 * A file given replaces the content-folder resource with the same `ResourceType/id`.
 *
 * @see https://hl7.org/fhir/R4/validation.html
 */
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { countIssues, sortIssues } from '../validation/issues.ts';
import type { BindingTerminology, ValidationIssue, Validator } from '../validation/types.ts';
import { createValidator } from '../validation/validator.ts';
import type { ContentFile } from './content-files.ts';
import { listJsonFiles, readContentFiles } from './content-files.ts';
import { CANONICAL_BASE } from './package-definition.ts';

/**
 * The validation result of one file.
 */
export interface FileValidationResult {
  readonly path: string;
  readonly resourceType?: string;
  readonly id?: string;
  /** The parsed resource, when the file holds one. */
  readonly resource?: Resource;
  readonly issues: readonly ValidationIssue[];
}

/**
 * The result of validating content files.
 */
export interface ContentValidationResult {
  readonly files: readonly FileValidationResult[];
  readonly errorCount: number;
  readonly warningCount: number;
  readonly informationCount: number;
}

/**
 * The folder of the HL7 CPG and CRMI profiles the content claims (test data, see its README): `npm run
 * validate` and `npm run package` check the content against them.
 * @see https://hl7.org/fhir/uv/cpg/
 * @see https://hl7.org/fhir/uv/crmi/
 */
export const CLAIMED_PROFILES_DIR = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'ig');

/**
 * Options of {@link validateContentFiles}.
 */
export interface ValidateContentOptions {
  /** Files and folders to validate. */
  readonly paths: readonly string[];
  /** Content folder whose resources complete the package (undefined: none). */
  readonly contextDir?: string;
  /**
   * Folders of the profiles (and their extensions, code systems and value sets) the content claims: they
   * resolve references but are not validated, and every profile the content claims must resolve.
   */
  readonly profileDirs?: readonly string[];
  readonly cwd?: string;
  /** A validator to reuse (default: a new one for the project's canonical base, over `bindingTerminology`). */
  readonly validator?: Validator;
  /** The terminology of the binding check (`createBindingTerminology()`), for the validator made here. */
  readonly bindingTerminology: BindingTerminology;
}

function asResource(file: ContentFile): Resource | undefined {
  const json = file.json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  return typeof (json as { resourceType?: unknown }).resourceType === 'string' ? (json as Resource) : undefined;
}

/**
 * Validates content files within the package formed by them and the content folder.
 */
export async function validateContentFiles(options: ValidateContentOptions): Promise<ContentValidationResult> {
  const cwd = options.cwd ?? process.cwd();
  const files = await readContentFiles(await listJsonFiles(options.paths, { cwd }), { cwd });
  const given = new Set(files.map((f) => f.absolutePath));
  const contextFiles =
    options.contextDir === undefined
      ? []
      : (await readContentFiles(await listJsonFiles([options.contextDir], { cwd }), { cwd })).filter((f) => !given.has(f.absolutePath));
  const profileFiles = await readContentFiles(await listJsonFiles(options.profileDirs ?? [], { cwd }), { cwd });
  const context = [...contextFiles, ...profileFiles].map(asResource).filter((r): r is Resource => r !== undefined);

  const validator = options.validator ?? createValidator({ canonicalBase: CANONICAL_BASE, bindingTerminology: options.bindingTerminology });
  const parsed = files.map((file) => file.json);
  const validated = validator.validatePackage(parsed, { context, requireShareable: true, requireKnownProfiles: true });

  const results = files.map((file, i): FileValidationResult => {
    const resource = asResource(file);
    const issues = file.json === undefined ? file.issues : sortIssues([...file.issues, ...(validated.resources[i]?.issues ?? [])]);
    return {
      path: file.path,
      resourceType: resource?.resourceType,
      id: typeof resource?.id === 'string' ? resource.id : undefined,
      resource,
      issues,
    };
  });
  const counts = countIssues(results.flatMap((r) => r.issues));
  return { files: results, errorCount: counts.errors, warningCount: counts.warnings, informationCount: counts.information };
}
