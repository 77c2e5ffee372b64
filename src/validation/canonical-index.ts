/**
 * Where canonical references resolve: the package first, then the caller's resolver (e.g. the server's
 * store), then FHIR R4 core content. Also indexes the package by `ResourceType/id` for literal references and
 * uniqueness.
 *
 * @see https://hl7.org/fhir/R4/references.html#canonical
 * @see https://hl7.org/fhir/R4/resource.html#versions
 */
import { splitCanonical } from '../fhir/canonical.ts';
import { compareVersions } from '../fhir/versions.ts';
import type { Resource } from '@medplum/fhirtypes';
import type { CanonicalResource } from './r4-core.ts';
import { findCoreCanonical } from './r4-core.ts';
import type { CanonicalReference, CanonicalResolver } from './types.ts';

/**
 * Where a canonical resolved.
 */
export type CanonicalSource = 'package' | 'resolver' | 'core';

/**
 * The outcome of resolving a canonical.
 */
export type CanonicalResolution =
  | { readonly found: true; readonly resource: CanonicalResource; readonly source: CanonicalSource }
  | {
      readonly found: false;
      /** Versions that exist for the url when the requested version does not (empty when the url is unknown). */
      readonly otherVersions: readonly string[];
    };

/** The one canonical splitter (kept under this name for the validation modules). */
export const parseCanonical = splitCanonical;

/** The latest of several versions of one canonical resource. */
function latest(resources: readonly CanonicalResource[]): CanonicalResource | undefined {
  let best: CanonicalResource | undefined;
  for (const resource of resources) {
    if (best === undefined || compareVersions(resource.version ?? '', best.version ?? '') > 0) best = resource;
  }
  return best;
}

/** Picks the resource matching a reference among resources sharing its url. */
function pick(candidates: readonly CanonicalResource[], version: string | undefined): CanonicalResource | undefined {
  if (version === undefined) return latest(candidates);
  return candidates.find((r) => r.version === version);
}

/**
 * `ResourceType/id` key of a resource.
 */
export function resourceKey(resource: { readonly resourceType?: unknown; readonly id?: unknown }): string {
  return `${String(resource.resourceType)}/${String(resource.id)}`;
}

/**
 * The package's resources indexed for resolution, plus the chain beyond the package.
 */
export class CanonicalIndex {
  private readonly byUrl = new Map<string, CanonicalResource[]>();
  private readonly byKey = new Map<string, Resource>();
  private readonly resolver: CanonicalResolver | undefined;
  private readonly base: CanonicalIndex | undefined;

  /**
   * @param resources - the package, in precedence order: a later resource with the same `ResourceType/id`
   *   replaces an earlier one.
   * @param options - `resolver` resolves canonicals beyond the package; `base` is an index these resources
   *   are laid over (they replace its resources with the same `ResourceType/id`), so that one resource can be
   *   validated against a large package without re-indexing it.
   */
  constructor(resources: readonly Resource[], options: { readonly resolver?: CanonicalResolver; readonly base?: CanonicalIndex } = {}) {
    this.resolver = options.resolver ?? options.base?.resolver;
    this.base = options.base;
    for (const resource of resources) {
      if (typeof resource.id === 'string') this.byKey.set(resourceKey(resource), resource);
    }
    for (const resource of this.byKey.values()) {
      const url = (resource as CanonicalResource).url;
      if (typeof url !== 'string') continue;
      const list = this.byUrl.get(url);
      if (list) list.push(resource as CanonicalResource);
      else this.byUrl.set(url, [resource as CanonicalResource]);
    }
  }

  /** The resolver beyond the package, if any. */
  get canonicalResolver(): CanonicalResolver | undefined {
    return this.resolver;
  }

  /** The package resource with this type and id. */
  byTypeAndId(resourceType: string, id: string): Resource | undefined {
    return this.byKey.get(`${resourceType}/${id}`) ?? this.base?.byTypeAndId(resourceType, id);
  }

  /** Package resources with this canonical url (every version). */
  packageCanonicals(url: string): readonly CanonicalResource[] {
    const own = this.byUrl.get(url) ?? [];
    if (this.base === undefined) return own;
    const fromBase = this.base.packageCanonicals(url).filter((r) => !this.byKey.has(resourceKey(r)));
    return own.length === 0 ? fromBase : [...own, ...fromBase];
  }

  /**
   * Resolves a canonical: the package, then the resolver, then FHIR core. With a version, only that exact
   * version matches; without, the latest version wins.
   */
  resolve(reference: CanonicalReference): CanonicalResolution {
    const inPackage = this.packageCanonicals(reference.url);
    const fromPackage = pick(inPackage, reference.version);
    if (fromPackage) return { found: true, resource: fromPackage, source: 'package' };

    const fromResolver = this.resolver?.(reference) as CanonicalResource | undefined;
    if (fromResolver && fromResolver.url === reference.url && (reference.version === undefined || fromResolver.version === reference.version)) {
      return { found: true, resource: fromResolver, source: 'resolver' };
    }

    const inCore = findCoreCanonical(reference.url);
    const fromCore = pick(inCore, reference.version);
    if (fromCore) return { found: true, resource: fromCore, source: 'core' };

    const otherVersions = [...inPackage, ...inCore].map((r) => r.version).filter((v): v is string => v !== undefined);
    if (fromResolver?.url === reference.url && fromResolver.version !== undefined) otherVersions.push(fromResolver.version);
    return { found: false, otherVersions: [...new Set(otherVersions)] };
  }

  /** Resolves a canonical to a resource of one type, or undefined. */
  resolveOfType<T extends Resource>(resourceType: T['resourceType'], reference: CanonicalReference): T | undefined {
    const resolution = this.resolve(reference);
    return resolution.found && resolution.resource.resourceType === resourceType ? (resolution.resource as T) : undefined;
  }
}
