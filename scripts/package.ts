/**
 * `npm run package [-- --out <file>]`
 *
 * Validates the whole `fhir-resources/` folder (the same checks as `npm run validate`) and, when it holds no
 * error, writes the FHIR NPM package `dist/<name>-<version>.tgz`: `package/package.json`,
 * `package/.index.json` and every resource as `package/<ResourceType>-<id>.json`. Refuses (exit code 1) on
 * any validation error, printing the errors.
 *
 * @see https://hl7.org/fhir/packages.html
 */
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { PackagedResource } from '../src/package/fhir-package.ts';
import { writeFhirPackage } from '../src/package/fhir-package.ts';
import { FHIR_PACKAGE } from '../src/package/package-definition.ts';
import { createBindingTerminology } from '../src/terminology/binding-terminology.ts';
import { CLAIMED_PROFILES_DIR, validateContentFiles } from '../src/package/validate-content.ts';
import { issueExpression, isErrorIssue } from '../src/validation/issues.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..');
const CONTENT_DIR = join(PROJECT_ROOT, 'fhir-resources');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, content: { type: 'string' } } });
  const contentDir = values.content ?? CONTENT_DIR;
  const outFile = values.out ?? join(PROJECT_ROOT, 'dist', `${FHIR_PACKAGE.name}-${FHIR_PACKAGE.version}.tgz`);

  const result = await validateContentFiles({ paths: [contentDir], contextDir: contentDir, profileDirs: [CLAIMED_PROFILES_DIR], bindingTerminology: createBindingTerminology() });
  if (result.errorCount > 0) {
    for (const file of result.files) {
      for (const issue of file.issues.filter(isErrorIssue)) {
        console.error(`${file.path}  ${issueExpression(issue) || '-'}  ${issue.severity}  ${issue.details?.text ?? ''}`);
      }
    }
    console.error(`Not packaged: ${result.errorCount} validation error(s). Run \`npm run validate\` for details.`);
    return 1;
  }
  const resources = result.files.map((f) => f.resource).filter((r): r is PackagedResource => r !== undefined && typeof r.id === 'string');
  const { index } = await writeFhirPackage({ definition: FHIR_PACKAGE, resources, outFile });
  const shown = relative(process.cwd(), outFile);
  console.log(
    `Wrote ${shown.startsWith('..') ? outFile : shown}: ${FHIR_PACKAGE.name}#${FHIR_PACKAGE.version}, ${index.files.length} resource(s)` +
      (result.warningCount > 0 ? ` (${result.warningCount} validation warning(s))` : ''),
  );
  return 0;
}

process.exitCode = await main();
