/**
 * CRMI `$package`: a transaction Bundle holding the artifact and every dependency the server knows,
 * recursively — ActivityDefinitions, nested and related PlanDefinitions, ValueSets (including those named by
 * `memberOf()`), CodeSystems and their supplements. Dependencies the server does not hold (FHIR core code
 * systems, RxNorm, profiles) are left out.
 *
 * How each entry writes, so the Bundle is safe to load into any server:
 * - the publisher's own artifacts (canonical URL under the packaged artifact's canonical base,
 *   `[base]/[type]/[id]`) are `PUT [type]/[id]`: the publisher's ids are kept, so instance-level calls and
 *   reloads work the same everywhere;
 * - anything else (external code systems such as CPT, whose licensee may hold the full release under the same
 *   id) is a conditional create, `POST [type]` with `ifNoneExist: url=…&version=…`: written under a new id
 *   only when the target holds no resource of that `url|version`, and never replacing what it holds.
 *
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 * @see https://hl7.org/fhir/R4/http.html#transaction
 * @see https://hl7.org/fhir/R4/http.html#ccreate
 */
import type { Bundle, BundleEntry, CodeSystem, Meta, Resource } from '@medplum/fhirtypes';
import { badRequest, tooCostly } from '../fhir/errors.ts';
import { directDependencies } from './dependencies.ts';
import { MAX_PACKAGE_RESOURCES } from './limits.ts';
import type { KnowledgeResolver } from './resolver.ts';

/**
 * CRMI `include` codes.
 */
export const PACKAGE_INCLUDE_CODES = ['all', 'artifact', 'canonical', 'terminology', 'conformance', 'profiles', 'extensions', 'knowledge', 'tests', 'examples'] as const;
/**
 * One of the codes listed above.
 */
export type PackageInclude = (typeof PACKAGE_INCLUDE_CODES)[number];

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'NamingSystem', 'ConceptMap']);
const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'StructureMap', 'SearchParameter', 'CompartmentDefinition', 'OperationDefinition', 'CapabilityStatement', 'ImplementationGuide']);
const KNOWLEDGE_TYPES = new Set(['ActivityDefinition', 'Library', 'PlanDefinition', 'Measure', 'Questionnaire']);

/**
 * Options of {@link packageArtifact}.
 */
export interface PackageOptions {
  readonly resolver: KnowledgeResolver;
  /** Public base URL of this server (for `fullUrl`). */
  readonly baseUrl: string;
  /** Absolute deadline (ms since epoch). */
  readonly deadline: number;
  /** CRMI `include` codes (default `all`). */
  readonly include?: readonly PackageInclude[];
}

function key(resource: Resource): string {
  return `${resource.resourceType}/${resource.id ?? (resource as { url?: string }).url ?? ''}`;
}

/** Whether a resource is kept under one CRMI `include` code. */
function included(resource: Resource, code: PackageInclude, root: Resource): boolean {
  switch (code) {
    case 'all':
      return true;
    case 'artifact':
      return resource === root;
    case 'canonical':
      return typeof (resource as { url?: unknown }).url === 'string';
    case 'terminology':
      return TERMINOLOGY_TYPES.has(resource.resourceType);
    case 'conformance':
      return CONFORMANCE_TYPES.has(resource.resourceType);
    case 'profiles':
      return resource.resourceType === 'StructureDefinition' && (resource as { derivation?: string }).derivation === 'constraint' && (resource as { type?: string }).type !== 'Extension';
    case 'extensions':
      return resource.resourceType === 'StructureDefinition' && (resource as { type?: string }).type === 'Extension';
    case 'knowledge':
      return KNOWLEDGE_TYPES.has(resource.resourceType);
    case 'tests':
    case 'examples':
      // This server keeps no test cases or examples.
      return false;
  }
  return false;
}

/** The resource as it should be loaded elsewhere: without the server-assigned version metadata. */
function portable(resource: Resource): Resource {
  if (resource.meta === undefined) return resource;
  const { versionId: _versionId, lastUpdated: _lastUpdated, source: _source, ...meta } = resource.meta;
  const { meta: _meta, ...rest } = resource;
  return Object.keys(meta).length === 0 ? (rest as Resource) : ({ ...rest, meta: meta as Meta } as Resource);
}

/**
 * The artifact and its known dependencies, breadth first (the artifact first), each once.
 * @see https://hl7.org/fhir/uv/crmi/packaging.html
 */
export function dependencyClosure(root: Resource, options: Pick<PackageOptions, 'resolver' | 'deadline'>): Resource[] {
  const seen = new Set<string>([key(root)]);
  const ordered: Resource[] = [];
  const queue: Resource[] = [root];
  const enqueue = (resource: Resource | undefined): void => {
    if (resource === undefined || seen.has(key(resource))) return;
    seen.add(key(resource));
    queue.push(resource);
  };
  while (queue.length > 0) {
    if (Date.now() > options.deadline) throw tooCostly('$package ran out of time while collecting dependencies');
    const resource = queue.shift() as Resource;
    ordered.push(resource);
    if (ordered.length > MAX_PACKAGE_RESOURCES) throw tooCostly(`The package would hold more than ${MAX_PACKAGE_RESOURCES} resources (MAX_PACKAGE_RESOURCES)`);
    for (const dependency of directDependencies(resource)) enqueue(options.resolver.resolve(dependency.canonical, dependency.resourceTypes));
    if (resource.resourceType === 'CodeSystem') {
      const cs = resource as CodeSystem;
      if (cs.url !== undefined) for (const supplement of options.resolver.supplementsOf(cs.url, cs.version)) enqueue(supplement);
    }
  }
  return ordered;
}

/**
 * The canonical base of an artifact whose URL has the FHIR form `[base]/[type]/[id]`, or undefined.
 * @see https://hl7.org/fhir/R4/references.html#canonical
 */
function canonicalBaseOf(resource: Resource): string | undefined {
  const url = (resource as { url?: unknown }).url;
  if (typeof url !== 'string') return undefined;
  const suffix = `/${resource.resourceType}/`;
  const at = url.lastIndexOf(suffix);
  return at > 0 && !url.slice(at + suffix.length).includes('/') ? url.slice(0, at) : undefined;
}

/**
 * The entry writing one resource: `PUT [type]/[id]` for the publisher's own artifacts, a conditional create on
 * `url|version` for external ones (see the file comment).
 */
function packageEntry(resource: Resource, ownBase: string | undefined, baseUrl: string): BundleEntry {
  if (resource.id === undefined) throw badRequest(`${resource.resourceType} ${(resource as { url?: string }).url ?? ''} has no id and cannot be packaged`);
  const path = `${resource.resourceType}/${resource.id}`;
  const fullUrl = `${baseUrl}/${path}`;
  const { url, version } = resource as { url?: unknown; version?: unknown };
  const own = ownBase !== undefined && typeof url === 'string' && url.startsWith(`${ownBase}/`);
  if (own || typeof url !== 'string') return { fullUrl, resource: portable(resource), request: { method: 'PUT', url: path } };
  const condition = new URLSearchParams({ url, ...(typeof version === 'string' ? { version } : {}) }).toString();
  // The id stays in the resource (R4 create: the server ignores it), so the entry still says where it came from.
  return { fullUrl, resource: portable(resource), request: { method: 'POST', url: resource.resourceType, ifNoneExist: condition } };
}

/**
 * CRMI `$package` of a stored artifact: a transaction Bundle, one write per resource (see the file comment).
 */
export function packageArtifact(root: Resource, options: PackageOptions): Bundle {
  const include = options.include === undefined || options.include.length === 0 ? (['all'] as const) : options.include;
  const resources = dependencyClosure(root, options).filter((r) => include.some((code) => included(r, code, root)));
  const ownBase = canonicalBaseOf(root);
  const entry: BundleEntry[] = resources.map((resource) => packageEntry(resource, ownBase, options.baseUrl));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
