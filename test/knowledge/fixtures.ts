/**
 * The knowledge fixtures (test/fixtures/knowledge/) and a resolver over them, for the engine's unit tests.
 * Fixtures are deep-frozen like the server's index entries, so any mutation by the engine fails the test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bundle, CodeSystem, Coding, Resource, ValueSet } from '@medplum/fhirtypes';
import { splitCanonical } from '../../src/knowledge/canonical.ts';
import type { KnowledgeResolver } from '../../src/knowledge/resolver.ts';

/** Folder of the knowledge fixtures. */
export const KNOWLEDGE_FIXTURES = resolve(import.meta.dirname, '../fixtures/knowledge');

/** Canonical base of the fixtures. */
export const FIXTURE_BASE = 'https://example.org/fhir/knowledge-fixtures';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/** Reads one fixture file (`<name>.json`), frozen. */
export function fixture<T extends Resource = Resource>(name: string): T {
  return deepFreeze(JSON.parse(readFileSync(join(KNOWLEDGE_FIXTURES, `${name}.json`), 'utf8')) as T);
}

/** Every conformance fixture (not the data Bundles nor request bodies), frozen. */
export function fixtureArtifacts(): Resource[] {
  return readdirSync(KNOWLEDGE_FIXTURES)
    .filter((f) => f.endsWith('.json') && !f.startsWith('Bundle-') && !f.startsWith('Parameters-'))
    .map((f) => fixture(f.slice(0, -'.json'.length)));
}

/** A data Bundle fixture. */
export function dataBundle(name: string): Bundle {
  return fixture<Bundle>(`Bundle-data-${name}`);
}

/** Membership by the enumerated concepts of a ValueSet (and the ValueSets it includes). */
function membership(resources: readonly Resource[]): (valueSet: string, coding: Coding) => boolean | undefined {
  const find = (canonical: string): ValueSet | undefined => {
    const { url } = splitCanonical(canonical);
    return resources.find((r): r is ValueSet => r.resourceType === 'ValueSet' && (r as ValueSet).url === url);
  };
  const check = (canonical: string, coding: Coding): boolean | undefined => {
    const vs = find(canonical);
    if (vs === undefined) return undefined;
    for (const include of vs.compose?.include ?? []) {
      if (include.valueSet !== undefined) {
        if (include.valueSet.some((inner) => check(inner, coding) === true)) return true;
      } else if (include.system === coding.system && include.concept?.some((c) => c.code === coding.code)) return true;
    }
    return false;
  };
  return check;
}

/**
 * A resolver over `resources` (default: every fixture artifact).
 * @see KnowledgeResolver
 */
export function fixtureResolver(resources: readonly Resource[] = fixtureArtifacts()): KnowledgeResolver {
  return {
    resolve(canonical, resourceTypes) {
      const { url, version } = splitCanonical(canonical);
      for (const type of resourceTypes ?? [...new Set(resources.map((r) => r.resourceType))]) {
        const found = resources.find(
          (r) => r.resourceType === type && (r as { url?: string }).url === url && (version === undefined || (r as { version?: string }).version === version),
        );
        if (found !== undefined) return found;
      }
      return undefined;
    },
    supplementsOf(url) {
      return resources.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem' && splitCanonical((r as CodeSystem).supplements ?? '').url === url);
    },
    memberOf: membership(resources),
  };
}

/** Options for an apply in tests: the fixture resolver, a generous deadline, a fixed clock. */
export function applyOptions(resolver: KnowledgeResolver = fixtureResolver()): { resolver: KnowledgeResolver; deadline: number; now: string } {
  return { resolver, deadline: Date.now() + 30_000, now: '2026-05-01T08:00:00Z' };
}
