/**
 * The storage port: a durable, versioned resource store. The embedded SQLite store implements it; a
 * PostgreSQL store fills the same interface (and runs the same contract tests).
 *
 * Every write is one atomic transaction that either stores a complete new version or nothing.
 *
 * @see https://hl7.org/fhir/R4/http.html#versioning
 */
import type { Resource } from '@medplum/fhirtypes';

/** One stored version of a resource (or a deletion marker). */
export interface StoredVersion {
  /** Store-wide, strictly increasing sequence number of this version. */
  readonly seq: number;
  readonly resourceType: string;
  readonly id: string;
  /** `meta.versionId`: "1", "2", … per resource. */
  readonly versionId: string;
  /** `meta.lastUpdated` (FHIR instant). */
  readonly lastUpdated: string;
  /** True for a deletion marker (no content). */
  readonly deleted: boolean;
  /** The resource as JSON text, with `id` and `meta.versionId` / `meta.lastUpdated` set; undefined when deleted. */
  readonly json: string | undefined;
  /** After a write: the object `json` was serialised from (saves parsing it back; never mutate). */
  readonly resource?: Resource;
}

/** A write to apply atomically. */
export type StoreWrite =
  | {
      readonly kind: 'put';
      /** The full resource; the store sets `id` and `meta.versionId` / `meta.lastUpdated`. */
      readonly resource: Resource & { id: string };
      /** Only write when the current version is this one ("0" means: only when the resource does not exist). */
      readonly expectVersionId?: string;
    }
  | {
      readonly kind: 'delete';
      readonly resourceType: string;
      readonly id: string;
      readonly expectVersionId?: string;
    };

/** History query. */
export interface HistoryQuery {
  readonly resourceType?: string;
  readonly id?: string;
  /** Only versions with `lastUpdated` ≥ this instant. */
  readonly since?: string;
  /** Only versions with `lastUpdated` < this instant (`_at` upper bound). */
  readonly before?: string;
  readonly offset: number;
  readonly count: number;
}

/** A content file recorded as loaded, so restarts neither duplicate nor revert. */
export interface SeedRecord {
  readonly path: string;
  readonly hash: string;
}

/** The durable store. */
export interface ResourceStore {
  /** Applies a write in one transaction; throws `FhirError` 409 (`duplicate`) on a `url|version` clash, 412 on a stale expectation. */
  write(write: StoreWrite): Promise<StoredVersion>;
  /** Applies several writes in ONE transaction: all are stored, or (on any error) none. */
  writeAll(writes: readonly StoreWrite[]): Promise<StoredVersion[]>;
  /** Current version (maybe a deletion marker), or undefined when the id never existed. */
  readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined>;
  /**
   * The `seq` of the current version (deletion markers included), or undefined when the id never existed. Optional:
   * a store shared by several processes offers it so a reader can check its index is current without reading the content.
   */
  currentSeq?(resourceType: string, id: string): Promise<number | undefined>;
  /** One version, or undefined. */
  readVersion(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined>;
  /** Versions newest first, and the total count of matching versions. */
  history(query: HistoryQuery): Promise<{ readonly entries: readonly StoredVersion[]; readonly total: number }>;
  /** Every current, non-deleted version (used to build the in-memory index at start). */
  allCurrent(): Promise<readonly StoredVersion[]>;
  /** Seed bookkeeping: the hash of a content file at its last load. */
  getSeed(path: string): Promise<SeedRecord | undefined>;
  /** Records a content file as loaded. */
  putSeed(record: SeedRecord): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}
