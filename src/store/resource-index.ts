/**
 * The in-memory index of current resource versions that reads and searches are served from. The durable
 * store is the source of truth; the index is rebuilt from it at start and updated after each committed
 * write. Each entry keeps its serialised JSON so a read sends stored bytes without re-serialising.
 *
 * @see https://hl7.org/fhir/R4/http.html#read
 */
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from './types.ts';

/** A current, non-deleted resource version. */
export interface IndexEntry {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: string;
  readonly lastUpdated: string;
  /** Parsed resource; frozen (never mutate). */
  readonly resource: Resource;
  /** The stored JSON text. */
  readonly json: string;
  /** Store sequence number (default search order is stable on it). */
  readonly seq: number;
  /** `ETag` and `Last-Modified` header values of this version. */
  readonly versionHeaders: Readonly<Record<string, string>>;
  /** The JSON as UTF-8 bytes, encoded once on first read (a read then sends stored bytes). */
  bytes(): Buffer;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/**
 * Freezes a resource. In a resource whose JSON is over {@link KEEP_JSON_CHARS} the CodeSystem `concept`
 * tree is left as it is: freezing the 1.5 million objects of a 100,000-concept tree took 0.2–0.4 s of every
 * such write, and the tree is only read (through the terminology engine's index), never written.
 */
function freezeResource(resource: Resource, large: boolean): Resource {
  if (!large) return deepFreeze(resource);
  for (const [key, value] of Object.entries(resource)) if (key !== 'concept') deepFreeze(value);
  return Object.freeze(resource);
}

/**
 * JSON larger than this (characters) is not kept beside the parsed resource: it is serialised again when
 * asked for (the same text — it was serialised from that object), which halves what a 100,000-concept
 * CodeSystem holds in memory; reads of such a resource are rare and slow anyway.
 */
export const KEEP_JSON_CHARS = 4 * 1024 * 1024;

/** Builds an index entry from a stored version (which must not be a deletion marker). */
export function toIndexEntry(stored: StoredVersion): IndexEntry {
  if (stored.deleted || stored.json === undefined) throw new Error(`${stored.resourceType}/${stored.id} is deleted`);
  const large = stored.json.length > KEEP_JSON_CHARS;
  const resource = freezeResource(stored.resource ?? (JSON.parse(stored.json) as Resource), large);
  const kept = large ? undefined : stored.json;
  let bytes: Buffer | undefined;
  return {
    resourceType: stored.resourceType,
    id: stored.id,
    versionId: stored.versionId,
    lastUpdated: stored.lastUpdated,
    resource,
    get json(): string {
      return kept ?? JSON.stringify(resource);
    },
    seq: stored.seq,
    versionHeaders: Object.freeze({ ETag: `W/"${stored.versionId}"`, 'Last-Modified': new Date(stored.lastUpdated).toUTCString() }),
    bytes: () => (kept === undefined ? Buffer.from(JSON.stringify(resource), 'utf8') : (bytes ??= Buffer.from(kept, 'utf8'))),
  };
}

/** The code system url (without version) a CodeSystem supplement supplements, if the entry is one. */
function supplementTarget(entry: IndexEntry): string | undefined {
  const r = entry.resource as { resourceType: string; content?: string; supplements?: string };
  return r.resourceType === 'CodeSystem' && r.content === 'supplement' && typeof r.supplements === 'string' ? r.supplements.split('|')[0] : undefined;
}

/** Current resources by type and id, with a canonical URL index. */
export class ResourceIndex {
  private readonly byType = new Map<string, Map<string, IndexEntry>>();
  private readonly byUrl = new Map<string, Map<string, IndexEntry[]>>();
  /** CodeSystem supplements by the url (without version) of the code system they supplement. */
  private readonly supplementsOf = new Map<string, IndexEntry[]>();

  /** Current entry, or undefined (never existed, or deleted). */
  get(resourceType: string, id: string): IndexEntry | undefined {
    return this.byType.get(resourceType)?.get(id);
  }

  /** Every current entry of a type, in store order. */
  all(resourceType: string): readonly IndexEntry[] {
    const map = this.byType.get(resourceType);
    return map ? [...map.values()] : [];
  }

  /** Types that have at least one resource. */
  types(): readonly string[] {
    return [...this.byType.keys()].filter((type) => (this.byType.get(type)?.size ?? 0) > 0);
  }

  /** Current entries of a type with this canonical `url` (any version). */
  byCanonical(resourceType: string, url: string): readonly IndexEntry[] {
    return this.byUrl.get(resourceType)?.get(url) ?? [];
  }

  /** Current CodeSystem supplements of the code system with this url (version ignored). */
  supplements(codeSystemUrl: string): readonly IndexEntry[] {
    return this.supplementsOf.get(codeSystemUrl.split('|')[0]) ?? [];
  }

  /** Puts a new current version (replacing the old one). */
  put(entry: IndexEntry): void {
    this.remove(entry.resourceType, entry.id);
    let map = this.byType.get(entry.resourceType);
    if (!map) {
      map = new Map();
      this.byType.set(entry.resourceType, map);
    }
    map.set(entry.id, entry);
    const url = (entry.resource as { url?: unknown }).url;
    if (typeof url === 'string') {
      let urls = this.byUrl.get(entry.resourceType);
      if (!urls) {
        urls = new Map();
        this.byUrl.set(entry.resourceType, urls);
      }
      urls.set(url, [...(urls.get(url) ?? []), entry]);
    }
    const target = supplementTarget(entry);
    if (target !== undefined) this.supplementsOf.set(target, [...(this.supplementsOf.get(target) ?? []), entry]);
  }

  /** Removes the current version (after a delete). */
  remove(resourceType: string, id: string): void {
    const old = this.byType.get(resourceType)?.get(id);
    if (!old) return;
    this.byType.get(resourceType)?.delete(id);
    const url = (old.resource as { url?: unknown }).url;
    if (typeof url === 'string') {
      const urls = this.byUrl.get(resourceType);
      const remaining = (urls?.get(url) ?? []).filter((e) => e.id !== id);
      if (remaining.length > 0) urls?.set(url, remaining);
      else urls?.delete(url);
    }
    const target = supplementTarget(old);
    if (target !== undefined) {
      const remaining = (this.supplementsOf.get(target) ?? []).filter((e) => e.id !== id);
      if (remaining.length > 0) this.supplementsOf.set(target, remaining);
      else this.supplementsOf.delete(target);
    }
  }
}
