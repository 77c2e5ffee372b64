/**
 * The shipped content (fhir-resources/) passes the validator exactly as `npm run validate` runs it: no error in
 * any file (warnings are allowed and printed by the CLI), with the HL7 CPG and CRMI profiles it claims loaded
 * from test/fixtures/ig/ (every claimed profile must resolve and is checked).
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContentValidationResult } from '../../src/package/validate-content.ts';
import { CLAIMED_PROFILES_DIR, validateContentFiles } from '../../src/package/validate-content.ts';
import { createBindingTerminology } from '../../src/terminology/binding-terminology.ts';
import { CONTENT_DIR, errorsOf, summarize } from './helpers.ts';

const CONTENT_FILES = readdirSync(CONTENT_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('content in fhir-resources/', () => {
  let result: Promise<ContentValidationResult> | undefined;
  const validated = (): Promise<ContentValidationResult> => (result ??= validateContentFiles({ paths: [CONTENT_DIR], contextDir: CONTENT_DIR, profileDirs: [CLAIMED_PROFILES_DIR], bindingTerminology: createBindingTerminology() }));

  it('holds resources to validate', () => {
    expect(CONTENT_FILES.length).toBeGreaterThan(0);
  });

  it.each(CONTENT_FILES)('%s has no validation error', async (file) => {
    const files = (await validated()).files;
    const entry = files.find((f) => f.path.endsWith(`/${file}`) || f.path === file);
    expect(files.map((f) => basename(f.path))).toContain(file);
    expect(errorsOf(entry?.issues ?? []).map(summarize)).toEqual([]);
  });
});
