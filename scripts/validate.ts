/**
 * `npm run validate [--json] [--context <dir> | --no-context] [--profiles <dir> | --no-profiles] [paths…]`
 *
 * Validates FHIR content files (default: the whole `fhir-resources/` folder; folders are walked for `*.json`)
 * with the project's validator: JSON schema, structure and invariants, shareable profiles, required
 * bindings, canonical references, `url|version` and id uniqueness, and file names `<ResourceType>-<id>.json`.
 * References and uniqueness are judged within the package formed by the files given plus the content folder
 * (`--context`, default `fhir-resources/`; `--no-context` to judge the files alone). The profiles the content
 * claims (HL7 CPG and CRMI) are loaded from `--profiles` (default `test/fixtures/ig/`, test data, see its
 * README): every claimed profile must resolve there or in FHIR core, and the content is checked against it.
 *
 * Prints one line per issue (file, FHIRPath location, severity, message) and a summary, or with `--json` a
 * machine-readable report. Exit code: 0 when no error (warnings allowed), 1 on any error, 2 on bad usage.
 *
 * @see https://hl7.org/fhir/R4/validation.html
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MissingPathError } from '../src/package/content-files.ts';
import type { ContentValidationResult } from '../src/package/validate-content.ts';
import { createBindingTerminology } from '../src/terminology/binding-terminology.ts';
import { CLAIMED_PROFILES_DIR, validateContentFiles } from '../src/package/validate-content.ts';
import { issueCheck, issueExpression } from '../src/validation/issues.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..');
const DEFAULT_CONTENT_DIR = join(PROJECT_ROOT, 'fhir-resources');

const USAGE = `Usage: npm run validate -- [--json] [--context <dir> | --no-context] [paths…]
  paths          files or folders to validate (default: fhir-resources/)
  --json         print a machine-readable report
  --context dir  content folder the files belong to (default: fhir-resources/)
  --no-context   judge references and uniqueness within the given files only
  --profiles dir folder of the profiles the content claims (default: test/fixtures/ig/, HL7 CPG and CRMI)
  --no-profiles  load no profiles (claimed profiles are then reported as unknown)`;

function printText(result: ContentValidationResult): void {
  for (const file of result.files) {
    for (const issue of file.issues) {
      const location = issueExpression(issue) || '-';
      console.log(`${file.path}  ${location}  ${issue.severity}  ${issue.details?.text ?? ''}`);
    }
  }
  const invalidFiles = result.files.filter((f) => f.issues.some((i) => i.severity === 'error' || i.severity === 'fatal')).length;
  console.log(
    `${result.files.length} file(s) checked, ${invalidFiles} with errors: ${result.errorCount} error(s), ` +
      `${result.warningCount} warning(s), ${result.informationCount} information`,
  );
}

function printJson(result: ContentValidationResult): void {
  const report = {
    valid: result.errorCount === 0,
    summary: {
      files: result.files.length,
      errors: result.errorCount,
      warnings: result.warningCount,
      information: result.informationCount,
    },
    files: result.files.map((file) => ({
      file: file.path,
      resourceType: file.resourceType ?? null,
      id: file.id ?? null,
      issues: file.issues.map((issue) => ({
        severity: issue.severity,
        code: issue.code,
        check: issueCheck(issue) ?? null,
        expression: issueExpression(issue) || null,
        message: issue.details?.text ?? '',
      })),
    })),
  };
  console.log(JSON.stringify(report, null, 2));
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        context: { type: 'string' },
        'no-context': { type: 'boolean', default: false },
        profiles: { type: 'string' },
        'no-profiles': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err: unknown) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const paths = positionals.length > 0 ? positionals : [DEFAULT_CONTENT_DIR];
  const contextDir = values['no-context'] ? undefined : (values.context ?? DEFAULT_CONTENT_DIR);
  let result: ContentValidationResult;
  try {
    const profileDirs = values['no-profiles'] ? [] : [values.profiles ?? CLAIMED_PROFILES_DIR];
    result = await validateContentFiles({ paths, contextDir, profileDirs, bindingTerminology: createBindingTerminology() });
  } catch (err: unknown) {
    if (err instanceof MissingPathError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  if (values.json) printJson(result);
  else printText(result);
  return result.errorCount > 0 ? 1 : 0;
}

process.exitCode = await main();
