/**
 * `npm run narrative` — regenerates the `text` narrative of every resource in `fhir-resources/` from its structure
 * and rewrites the files (two-space JSON). `npm run narrative -- --check` rewrites nothing and exits 1 when any
 * file's narrative (or formatting) is out of step with the generator.
 *
 * @see https://hl7.org/fhir/R4/narrative.html
 */
import { writeFileSync } from 'node:fs';
import { formatResourceJson, withNarrative } from '../src/content/narrative.ts';
import { readContentFiles } from '../src/content/resource-files.ts';

const check = process.argv.includes('--check');
const stale: string[] = [];
const files = readContentFiles();
for (const file of files) {
  const expected = formatResourceJson(withNarrative(file.resource));
  if (expected === file.raw) {
    continue;
  }
  stale.push(file.fileName);
  if (!check) {
    writeFileSync(file.path, expected, 'utf8');
  }
}

if (check) {
  if (stale.length > 0) {
    console.error(`Narrative out of step in ${stale.length} file(s); run \`npm run narrative\`:\n  ${stale.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`All ${files.length} narratives are in step.`);
  }
} else {
  console.log(`Regenerated ${stale.length} of ${files.length} file(s).`);
}
