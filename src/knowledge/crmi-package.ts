/**
 * CRMI `$package`: a transaction Bundle (one `PUT [type]/[id]` per resource) holding the artifact and every
 * dependency the server knows, recursively — ActivityDefinitions, nested and related PlanDefinitions,
 * ValueSets (including those named by `memberOf()`), CodeSystems and their supplements. Dependencies the
 * server does not hold (FHIR core code systems, RxNorm, profiles) are left out. Posted as a transaction, or
 * PUT entry by entry, the Bundle loads into an empty server.
 *
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 * @see https://hl7.org/fhir/R4/http.html#transaction
 */
import type { Bundle, BundleEntry, CodeSystem, Meta, Resource } from '@medplum/fhirtypes';
import { badRequest, tooCostly } from '../fhir/errors.ts';
import { directDependencies } from './dependencies.ts';
import { MAX_PACKAGE_RESOURCES } from './limits.ts';
import type { KnowledgeResolver } from './resolver.ts';

/**
 * CRMI `include` codes.
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */
export const PACKAGE_INCLUDE_CODES = ['all', 'artifact', 'canonical', 'terminology', 'conformance', 'profiles', 'extensions', 'knowledge', 'tests', 'examples'] as const;
/**
 * One of the codes listed above.
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */
export type PackageInclude = (typeof PACKAGE_INCLUDE_CODES)[number];

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'NamingSystem', 'ConceptMap']);
const CONFORMANCE_TYPES = new Set(['StructureDefinition', 'StructureMap', 'SearchParameter', 'CompartmentDefinition', 'OperationDefinition', 'CapabilityStatement', 'ImplementationGuide']);
const KNOWLEDGE_TYPES = new Set(['ActivityDefinition', 'Library', 'PlanDefinition', 'Measure', 'Questionnaire']);

/**
 * Options of {@link packageArtifact}.
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
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
 * CRMI `$package` of a stored artifact: a transaction Bundle with a `PUT` per resource.
 * @see https://hl7.org/fhir/uv/crmi/OperationDefinition-crmi-package.html
 */
export function packageArtifact(root: Resource, options: PackageOptions): Bundle {
  const include = options.include === undefined || options.include.length === 0 ? (['all'] as const) : options.include;
  const resources = dependencyClosure(root, options).filter((r) => include.some((code) => included(r, code, root)));
  const entry: BundleEntry[] = resources.map((resource) => {
    if (resource.id === undefined) throw badRequest(`${resource.resourceType} ${(resource as { url?: string }).url ?? ''} has no id and cannot be packaged`);
    const path = `${resource.resourceType}/${resource.id}`;
    return { fullUrl: `${options.baseUrl}/${path}`, resource: portable(resource), request: { method: 'PUT', url: path } };
  });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
