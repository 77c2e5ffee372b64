/**
 * Reading test fixtures (test/fixtures/http/) and the project content (fhir-resources/), so expectations
 * come from the files rather than from the server under test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PlanDefinitionAction, Resource } from '@medplum/fhirtypes';
import { CONTENT_DIR } from './server.ts';

/**
 * Folder of the HTTP test fixtures.
 * @see https://hl7.org/fhir/R4/json.html
 */
export const HTTP_FIXTURES_DIR = resolve(import.meta.dirname, '../fixtures/http');

/**
 * Canonical base of the fixture resources (a documented placeholder domain).
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
export const FIXTURE_BASE = 'https://example.org/fhir/http-test';

/**
 * A resource with its id.
 * @see https://hl7.org/fhir/R4/resource.html#id
 */
export type WithId<T extends Resource = Resource> = T & { id: string };

/**
 * One fixture file, parsed (a fresh object each call, so callers may change it).
 * @see https://hl7.org/fhir/R4/json.html
 */
export function readFixture<T extends Resource = Resource>(file: string): WithId<T> {
  return JSON.parse(readFileSync(join(HTTP_FIXTURES_DIR, file), 'utf8')) as WithId<T>;
}

/**
 * Every fixture whose file name starts with `prefix` (e.g. `search-`), sorted by name.
 * @see https://hl7.org/fhir/R4/json.html
 */
export function readFixtures(prefix: string): WithId[] {
  return readdirSync(HTTP_FIXTURES_DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .map((f) => readFixture(f));
}

/** One file of the project content: its name, its text as stored, and the resource it holds. */
export interface ContentFile<T extends Resource = Resource> {
  readonly name: string;
  readonly raw: string;
  readonly resource: WithId<T>;
}

/** Every file of the project content folder, sorted by name (for tests of the files' own layout and text). */
export function contentFiles<T extends Resource = Resource>(dir: string = CONTENT_DIR): ContentFile<T>[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => {
      const raw = readFileSync(join(dir, name), 'utf8');
      return { name, raw, resource: JSON.parse(raw) as WithId<T> };
    });
}

/**
 * Every resource of the project content folder.
 * @see https://hl7.org/fhir/R4/json.html
 */
export function contentResources(dir: string = CONTENT_DIR): WithId[] {
  return contentFiles(dir).map((f) => f.resource);
}

/** The ids of the project content's resources of one type, sorted (what a search of the type must find). */
export function contentIds(resourceType: string): string[] {
  return contentResources()
    .filter((r) => r.resourceType === resourceType)
    .map((r) => r.id)
    .sort();
}

/**
 * Canonicals of every `definitionCanonical` of a PlanDefinition's actions, at any depth.
 * @see https://hl7.org/fhir/R4/plandefinition-definitions.html#PlanDefinition.action.definition_x_
 */
export function actionDefinitions(actions: readonly PlanDefinitionAction[] | undefined): string[] {
  const out: string[] = [];
  const stack = [...(actions ?? [])];
  while (stack.length > 0) {
    const action = stack.pop() as PlanDefinitionAction;
    if (action.definitionCanonical !== undefined) out.push(action.definitionCanonical);
    stack.push(...(action.action ?? []));
  }
  return out;
}
