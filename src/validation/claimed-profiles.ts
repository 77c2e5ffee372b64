/**
 * The profiles a resource is validated against: those the caller requests, those it claims in
 * `meta.profile`, and the R4 `shareable*` profile when shareability is required. Each is resolved in the
 * package (or FHIR core content); a profile published as a differential only gets a snapshot derived from its
 * base (src/validation/profile-snapshot.ts).
 *
 * A claimed profile that does not resolve is a warning by default — the FHIR specification lets a resource
 * claim profiles the receiver does not know, and a server must still accept it — and an error when the
 * caller requires known profiles (`npm run validate`, which loads the profiles the content claims).
 *
 * @see https://hl7.org/fhir/R4/resource-definitions.html#Meta.profile
 * @see https://hl7.org/fhir/R4/profiling.html
 */
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import type { CanonicalIndex } from './canonical-index.ts';
import { parseCanonical } from './canonical-index.ts';
import { createIssue } from './issues.ts';
import { snapshotFromDifferential, UnsupportedDifferentialError } from './profile-snapshot.ts';
import { SHAREABLE_PROFILES, wholeCoreResource } from './r4-core.ts';
import type { ValidateOptions, ValidationIssue } from './types.ts';

/** How deep a chain of differential-only profiles may go before the derivation gives up. */
const MAX_BASE_DEPTH = 8;

/** Snapshots derived so far, by the profile they were derived for (profiles are not changed in place). */
const DERIVED = new WeakMap<StructureDefinition, StructureDefinition>();

/** A StructureDefinition found by canonical url, whole (core summaries expanded), or undefined. */
export function findStructureDefinition(index: CanonicalIndex, canonical: string): StructureDefinition | undefined {
  const resolution = index.resolve(parseCanonical(canonical));
  if (!resolution.found) return undefined;
  const resource = resolution.source === 'core' ? wholeCoreResource(resolution.resource) : resolution.resource;
  return resource.resourceType === 'StructureDefinition' ? (resource as StructureDefinition) : undefined;
}

/**
 * The profile with a snapshot: as published, or derived from its differential and its base's snapshot.
 * @throws UnsupportedDifferentialError when it cannot be derived.
 * @see https://hl7.org/fhir/R4/profiling.html#snapshot
 */
export function withSnapshot(profile: StructureDefinition, index: CanonicalIndex, depth = 0): StructureDefinition {
  if ((profile.snapshot?.element?.length ?? 0) > 0) return profile;
  const known = DERIVED.get(profile);
  if (known !== undefined) return known;
  if (profile.differential === undefined || profile.baseDefinition === undefined) throw new UnsupportedDifferentialError('it has neither a snapshot nor a differential with a base');
  if (depth >= MAX_BASE_DEPTH) throw new UnsupportedDifferentialError(`its chain of bases is deeper than ${MAX_BASE_DEPTH}`);
  const base = findStructureDefinition(index, profile.baseDefinition);
  if (base === undefined) throw new UnsupportedDifferentialError(`its base ${profile.baseDefinition} does not resolve`);
  const derived = snapshotFromDifferential(profile, withSnapshot(base, index, depth + 1));
  DERIVED.set(profile, derived);
  return derived;
}

/**
 * Resolves the profiles to validate `resource` against, with the issues met on the way.
 * @see https://hl7.org/fhir/R4/validation.html#profiles
 */
export function resolveProfiles(resource: Resource, index: CanonicalIndex, options: ValidateOptions): { profiles: StructureDefinition[]; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const claimedList = resource.meta?.profile ?? [];
  const claimed = new Set(claimedList.filter((p): p is string => typeof p === 'string'));
  const shareable = options.requireShareable ? SHAREABLE_PROFILES[resource.resourceType] : undefined;
  const all = new Set([...(options.profiles ?? []), ...claimed, ...(shareable === undefined ? [] : [shareable])]);
  const profileExpression = (canonical: string): string | undefined =>
    claimed.has(canonical) ? `${resource.resourceType}.meta.profile[${claimedList.indexOf(canonical)}]` : undefined;
  const profiles: StructureDefinition[] = [];
  for (const canonical of all) {
    const sd = findStructureDefinition(index, canonical);
    if (sd === undefined) {
      const isClaim = claimed.has(canonical);
      issues.push(
        createIssue('profile', {
          severity: !isClaim || options.requireKnownProfiles === true ? 'error' : 'warning',
          code: 'not-found',
          text: isClaim ? `Profile ${canonical} is not known here: the resource was not validated against it` : `Unknown profile ${canonical}`,
          expression: profileExpression(canonical),
        }),
      );
      continue;
    }
    if (sd.type !== resource.resourceType) {
      issues.push(
        createIssue('profile', {
          severity: 'error',
          code: 'invalid',
          text: `Profile ${canonical} constrains ${sd.type}, not ${resource.resourceType}`,
          expression: profileExpression(canonical),
        }),
      );
      continue;
    }
    try {
      profiles.push(withSnapshot(sd, index));
    } catch (err: unknown) {
      if (!(err instanceof UnsupportedDifferentialError)) throw err;
      issues.push(
        createIssue('profile', {
          severity: options.requireKnownProfiles === true ? 'error' : 'warning',
          code: 'not-supported',
          text: `Profile ${canonical} has no snapshot and none could be derived (${err.message}): the resource was not validated against it`,
        }),
      );
    }
  }
  return { profiles, issues };
}
