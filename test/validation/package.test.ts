/**
 * `npm run package` (scripts/package.ts): a FHIR NPM package whose package.json carries the FHIR package
 * fields and whose .index.json lists exactly the resource files it contains, with their identity.
 */
import { execFile } from 'node:child_process';
import { access, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { x as extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FHIR_PACKAGE } from '../../src/package/package-definition.ts';
import { CONTENT_DIR } from './helpers.ts';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'package.ts');

interface IndexEntry {
  filename: string;
  resourceType: string;
  id: string;
  url?: string;
  version?: string;
}

describe('npm run package', () => {
  let dir: string;
  let packageDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fhir-package-test-'));
    const outFile = join(dir, 'out', 'example.fhir.liver-cryoablation-0.1.0.tgz');
    await promisify(execFile)(process.execPath, [SCRIPT, '--out', outFile]);
    const unpacked = join(dir, 'unpacked');
    await mkdir(unpacked);
    await extract({ file: outFile, cwd: unpacked });
    packageDir = join(unpacked, 'package');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes package/package.json with the FHIR package fields', async () => {
    const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: 'example.fhir.liver-cryoablation',
      version: '0.1.0',
      canonical: 'https://example.org/fhir/liver-cryoablation',
      fhirVersions: ['4.0.1'],
      dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
      type: 'fhir.ig',
    });
    expect(manifest).toMatchObject({
      description: FHIR_PACKAGE.description,
      license: 'Apache-2.0',
      author: 'Liver Cryoablation FHIR Knowledge Project',
      url: 'https://example.org/fhir/liver-cryoablation',
    });
    expect(manifest.date).toMatch(/^\d{14}$/);
  });

  it('contains every content resource, unchanged, as package/<ResourceType>-<id>.json', async () => {
    const contentFiles = (await readdir(CONTENT_DIR)).filter((f) => f.endsWith('.json')).sort();
    const packaged = (await readdir(packageDir)).filter((f) => f !== 'package.json' && f !== '.index.json').sort();
    expect(packaged).toEqual(contentFiles);
    for (const file of contentFiles) {
      const original = JSON.parse(await readFile(join(CONTENT_DIR, file), 'utf8')) as unknown;
      const inPackage = JSON.parse(await readFile(join(packageDir, file), 'utf8')) as unknown;
      expect(inPackage).toEqual(original);
    }
  });

  it('indexes each packaged file with its type, id, url and version in .index.json', async () => {
    const index = JSON.parse(await readFile(join(packageDir, '.index.json'), 'utf8')) as { 'index-version': number; files: IndexEntry[] };
    expect(index['index-version']).toBe(2);
    const packaged = (await readdir(packageDir)).filter((f) => f !== 'package.json' && f !== '.index.json').sort();
    expect(index.files.map((f) => f.filename).sort()).toEqual(packaged);
    for (const entry of index.files) {
      const resource = JSON.parse(await readFile(join(packageDir, entry.filename), 'utf8')) as Record<string, unknown>;
      expect(entry.resourceType).toBe(resource.resourceType);
      expect(entry.id).toBe(resource.id);
      expect(entry.url).toBe(resource.url);
      expect(entry.version).toBe(resource.version);
      expect(entry.filename).toBe(`${String(resource.resourceType)}-${String(resource.id)}.json`);
    }
  });

  it('refuses to package content with validation errors, naming the file and element', async () => {
    const content = join(dir, 'broken-content');
    await cp(CONTENT_DIR, content, { recursive: true });
    const file = join(content, 'PlanDefinition-liver-tumor-cryoablation.json');
    const protocol = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...protocol, status: 'nonsense' }));
    const outFile = join(dir, 'refused.tgz');

    const failure = await promisify(execFile)(process.execPath, [SCRIPT, '--content', content, '--out', outFile]).then(
      () => undefined,
      (err: unknown) => err as { code?: number; stderr?: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('PlanDefinition-liver-tumor-cryoablation.json');
    expect(failure?.stderr).toContain('PlanDefinition.status');
    await expect(access(outFile)).rejects.toThrow();
  });
});
