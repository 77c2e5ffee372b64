/**
 * The repository: the durable store plus the in-memory index of current versions, behind the interactions
 * the REST layer and the operations use. Every write is checked (id rules, then the validator), committed
 * by the store in one transaction, and only then made visible in the index — so a failed write leaves
 * nothing behind.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { randomUUID } from 'node:crypto';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { badRequest, FhirError, gone, notFound, shown } from '../fhir/errors.ts';
import { executeSearch, latest, resolveReference, type SearchResult } from '../search/execute.ts';
import type { MatchContext } from '../search/match.ts';
import type { SearchQuery } from '../search/query.ts';
import { ID_PATTERN } from '../fhir/resource-types.ts';
import { ResourceIndex, toIndexEntry, type IndexEntry } from './resource-index.ts';
import type { HistoryQuery, ResourceStore, StoredVersion, StoreWrite } from './types.ts';

/** A write this large leaves a lot of parse/validation garbage behind (a 100k-concept CodeSystem: ~40 MB). */
const LARGE_WRITE_BYTES = 4 * 1024 * 1024;

/** With --expose-gc (npm start), collects once after the current work so the heap shrinks back. */
function collectSoon(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) setImmediate(gc);
}

/**
 * Checks a write before it is stored; returns issues. Issues of severity `error` or `fatal` refuse the write:
 * with status 400 when `status` says so (unparseable structure), 422 otherwise.
 */
export type WriteValidator = (resource: Resource) => Promise<WriteCheck> | WriteCheck;

/** The validator's verdict. */
export interface WriteCheck {
  readonly issues: readonly OperationOutcomeIssue[];
  /** 400 for structural errors (schema), 422 for profile/binding/business-rule errors. */
  readonly status?: 400 | 422;
}

/** Something that wants to know when resources change (e.g. terminology indexes). */
export type ChangeListener = (change: { readonly resourceType: string; readonly id: string; readonly entry: IndexEntry | undefined }) => void;

/** Options of `openRepository`. */
export interface RepositoryOptions {
  readonly store: ResourceStore;
  /** Public base URL (for resolving absolute references to this server). */
  readonly baseUrl: string;
  /** Makes the write check; it receives the live index (for resolving references among stored resources). */
  readonly validator?: (index: ResourceIndex) => WriteValidator;
  /** True when other processes write to the same store (PostgreSQL replicas): reads by id then check the store. */
  readonly shared?: boolean;
}

/** One write of a transaction. */
export type TransactionWrite =
  | {
      readonly kind: 'put';
      readonly resource: Resource & { id: string };
      /** Expected current version (If-Match). */
      readonly ifMatch?: string;
      /** Only create (a POST with a new id). */
      readonly create?: boolean;
      /** Position in the Bundle, for error locations. */
      readonly entryIndex?: number;
    }
  | { readonly kind: 'delete'; readonly resourceType: string; readonly id: string; readonly ifMatch?: string; readonly entryIndex?: number };

/** Result of one write of a transaction (`stored` undefined when a delete found nothing to delete). */
export interface TransactionResult {
  readonly stored: StoredVersion | undefined;
  readonly entry: IndexEntry | undefined;
  readonly created: boolean;
}

/** Result of a write. */
export interface WriteResult {
  readonly entry: IndexEntry;
  /** True when a new resource was created (201), false for an update (200). */
  readonly created: boolean;
}

function isError(issue: OperationOutcomeIssue): boolean {
  return issue.severity === 'error' || issue.severity === 'fatal';
}

/**
 * Opens the repository: builds the index from the store.
 */
export async function openRepository(options: RepositoryOptions): Promise<Repository> {
  const repository = new Repository(options);
  for (const stored of await options.store.allCurrent()) repository.index.put(toIndexEntry(stored));
  return repository;
}

/** The repository (construct with `openRepository`). */
export class Repository {
  readonly index = new ResourceIndex();
  readonly store: ResourceStore;
  readonly baseUrl: string;
  private readonly validate: WriteValidator | undefined;
  /** Reads by id consult the store (other processes write to it too). */
  private readonly readThrough: boolean;
  private readonly listeners: ChangeListener[] = [];
  /** Writes run one at a time, so validation and commit see the same state. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: RepositoryOptions) {
    this.store = options.store;
    this.baseUrl = options.baseUrl;
    this.validate = options.validator?.(this.index);
    this.readThrough = options.shared ?? false;
  }

  /** Registers a listener for committed changes. */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** The match context of searches (canonical → id resolution). */
  get matchContext(): MatchContext {
    return {
      baseUrl: this.baseUrl,
      resolveCanonical: (canonical) => {
        for (const type of this.index.types()) {
          const [entry] = resolveReference(this.index, canonical, [type], this.baseUrl);
          if (entry) return `${entry.resourceType}/${entry.id}`;
        }
        return undefined;
      },
    };
  }

  /**
   * Current version or a 404 / 410 error.
   * @see https://hl7.org/fhir/R4/http.html#read
   */
  async read(resourceType: string, id: string): Promise<IndexEntry> {
    const entry = this.index.get(resourceType, id);
    if (this.readThrough && ID_PATTERN.test(id)) return this.readShared(resourceType, id, entry);
    if (entry) return entry;
    const stored = ID_PATTERN.test(id) ? await this.store.readCurrent(resourceType, id) : undefined;
    if (stored?.deleted) throw gone(`${resourceType}/${id} was deleted`, { headers: { ETag: `W/"${stored.versionId}"` } });
    throw notFound(`${resourceType}/${id} is not known`);
  }

  /**
   * A read when other replicas write to the same database: the database's current version, applied to the
   * index when it is newer than the index's, so a write acknowledged by any replica is read at once. While the
   * database is unreachable the index's entry is served (the newest this replica knows).
   */
  private async readShared(resourceType: string, id: string, entry: IndexEntry | undefined): Promise<IndexEntry> {
    let stored: StoredVersion | undefined;
    try {
      // The common case, the index already holds the current version: a look at its seq, not its content.
      if (entry && this.store.currentSeq && (await this.store.currentSeq(resourceType, id)) === entry.seq) return entry;
      stored = await this.store.readCurrent(resourceType, id);
    } catch (err) {
      if (entry && err instanceof FhirError && err.status === 503) return entry;
      throw err;
    }
    if (stored && (!entry || stored.seq > entry.seq)) this.applyChange(stored);
    const fresh = this.index.get(resourceType, id);
    if (fresh) return fresh;
    if (stored?.deleted) throw gone(`${resourceType}/${id} was deleted`, { headers: { ETag: `W/"${stored.versionId}"` } });
    throw notFound(`${resourceType}/${id} is not known`);
  }

  /**
   * One version, or 404 / 410.
   * @see https://hl7.org/fhir/R4/http.html#vread
   */
  async vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion> {
    const stored = await this.store.readVersion(resourceType, id, versionId);
    if (!stored) throw notFound(`${resourceType}/${id}/_history/${versionId} is not known`);
    if (stored.deleted) throw gone(`${resourceType}/${id}/_history/${versionId} is a deletion`);
    return stored;
  }

  /** History (newest first). */
  async history(query: HistoryQuery): Promise<{ readonly entries: readonly StoredVersion[]; readonly total: number }> {
    return this.store.history(query);
  }

  /**
   * Search one type.
   * @see https://hl7.org/fhir/R4/search.html
   */
  search(query: SearchQuery): SearchResult<IndexEntry> {
    return executeSearch(this.index, query, this.matchContext);
  }

  /** Current resources of a type with this canonical URL, optionally one version; the latest first when `version` is absent. */
  findByCanonical(resourceType: string, url: string, version?: string): readonly IndexEntry[] {
    const all = this.index.byCanonical(resourceType, url);
    if (version !== undefined) return all.filter((e) => (e.resource as { version?: string }).version === version);
    return latest(all).concat(all.filter((e) => !latest(all).includes(e)));
  }

  private async isLiveInStore(resourceType: string, id: string): Promise<boolean> {
    const current = await this.store.readCurrent(resourceType, id);
    return current !== undefined && !current.deleted;
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async check(resource: Resource): Promise<readonly OperationOutcomeIssue[]> {
    if (!this.validate) return [];
    const verdict = await this.validate(resource);
    const errors = verdict.issues.filter(isError);
    if (errors.length > 0) {
      throw new FhirError(verdict.status ?? 422, { resourceType: 'OperationOutcome', issue: [...verdict.issues] });
    }
    return verdict.issues;
  }

  private commit(stored: StoredVersion): IndexEntry | undefined {
    let entry: IndexEntry | undefined;
    if (stored.deleted) {
      this.index.remove(stored.resourceType, stored.id);
    } else {
      entry = toIndexEntry(stored);
      this.index.put(entry);
      if (stored.json !== undefined && stored.json.length > LARGE_WRITE_BYTES) collectSoon();
    }
    for (const listener of this.listeners) {
      try {
        listener({ resourceType: stored.resourceType, id: stored.id, entry });
      } catch {
        // A listener failure must not undo a committed write.
      }
    }
    return entry;
  }

  /**
   * Applies a version committed elsewhere (another replica sharing the database) through the same path as a
   * local commit — the index entry is replaced, so terminology indexes built from the old object are dropped
   * and change listeners run. A version not newer than what the index holds is ignored, so replaying a change
   * (a notification and a catch-up read both bringing it) is harmless.
   * @see https://hl7.org/fhir/R4/http.html#versioning
   */
  applyChange(stored: StoredVersion): void {
    const held = this.index.get(stored.resourceType, stored.id);
    if (held && held.seq >= stored.seq) return;
    if (stored.deleted && !held) return;
    this.commit(stored);
  }

  /**
   * Creates a resource with a server-assigned id (or `id` when given, for loading content).
   * @see https://hl7.org/fhir/R4/http.html#create
   */
  async create(resource: Resource, options: { id?: string } = {}): Promise<WriteResult> {
    return this.serialize(async () => {
      const id = options.id ?? randomUUID();
      if (!ID_PATTERN.test(id)) throw badRequest(`${shown(id)} is not a valid id`, { expression: `${resource.resourceType}.id` });
      const candidate = { ...resource, id } as Resource & { id: string };
      await this.check(candidate);
      const stored = await this.store.write({ kind: 'put', resource: candidate, expectVersionId: '0' });
      return { entry: this.commit(stored) as IndexEntry, created: true };
    });
  }

  /**
   * Updates (or creates, when the id is new) a resource; `ifMatch` is the expected current version.
   * @see https://hl7.org/fhir/R4/http.html#update
   */
  async update(resource: Resource & { id: string }, options: { ifMatch?: string } = {}): Promise<WriteResult> {
    return this.serialize(async () => {
      if (!ID_PATTERN.test(resource.id)) throw badRequest(`${shown(resource.id)} is not a valid id`, { expression: `${resource.resourceType}.id` });
      await this.check(resource);
      // The index knows whether the resource is live, unless other processes write too (then ask the store,
      // whose answer carries the current content: megabytes for a large code system).
      const live = this.readThrough ? await this.isLiveInStore(resource.resourceType, resource.id) : this.index.get(resource.resourceType, resource.id) !== undefined;
      const stored = await this.store.write({ kind: 'put', resource, expectVersionId: options.ifMatch });
      return { entry: this.commit(stored) as IndexEntry, created: !live };
    });
  }

  /**
   * Several writes as one transaction: every resource is checked first (an error names its position), then
   * all are committed in one store transaction, or none.
   * @see https://hl7.org/fhir/R4/http.html#transaction
   */
  async writeAll(writes: readonly TransactionWrite[]): Promise<TransactionResult[]> {
    return this.serialize(async () => {
      const planned: StoreWrite[] = [];
      const created: boolean[] = [];
      const problems: OperationOutcomeIssue[] = [];
      let status: 400 | 422 = 422;
      for (const [i, write] of writes.entries()) {
        if (write.kind === 'delete') {
          planned.push({ kind: 'delete', resourceType: write.resourceType, id: write.id, expectVersionId: write.ifMatch });
          created.push(false);
          continue;
        }
        if (!ID_PATTERN.test(write.resource.id)) throw badRequest(`${shown(write.resource.id)} is not a valid id`, { expression: `Bundle.entry[${write.entryIndex ?? i}].resource.id` });
        if (this.validate) {
          const verdict = await this.validate(write.resource);
          for (const issue of verdict.issues.filter(isError)) {
            problems.push({
              ...issue,
              expression: (issue.expression ?? [write.resource.resourceType]).map(
                (e) => `Bundle.entry[${write.entryIndex ?? i}].resource${e.replace(/^[A-Z][A-Za-z]*/, '')}`,
              ),
            });
          }
          if (verdict.issues.some(isError) && verdict.status === 400) status = 400;
        }
        const current = await this.store.readCurrent(write.resource.resourceType, write.resource.id);
        created.push(!current || current.deleted);
        planned.push({ kind: 'put', resource: write.resource, expectVersionId: write.create ? '0' : write.ifMatch });
      }
      if (problems.length > 0) throw new FhirError(status, { resourceType: 'OperationOutcome', issue: problems });
      // Deleting what is absent or already deleted is a no-op, as for a single delete.
      const effective: (StoreWrite | undefined)[] = [];
      for (const w of planned) {
        if (w.kind === 'delete') {
          const current = await this.store.readCurrent(w.resourceType, w.id);
          effective.push(!current || current.deleted ? undefined : w);
        } else {
          effective.push(w);
        }
      }
      const stored = await this.store.writeAll(effective.filter((w): w is StoreWrite => w !== undefined));
      let next = 0;
      return effective.map((w, i) => {
        if (w === undefined) return { stored: undefined, entry: undefined, created: false };
        const version = stored[next++];
        return { stored: version, entry: this.commit(version), created: created[i] };
      });
    });
  }

  /**
   * Deletes a resource (a deletion marker version); deleting what is absent or already deleted is a no-op.
   * @see https://hl7.org/fhir/R4/http.html#delete
   */
  async delete(resourceType: string, id: string, options: { ifMatch?: string } = {}): Promise<StoredVersion | undefined> {
    return this.serialize(async () => {
      const current = await this.store.readCurrent(resourceType, id);
      if (!current || current.deleted) return undefined;
      const stored = await this.store.write({ kind: 'delete', resourceType, id, expectVersionId: options.ifMatch });
      this.commit(stored);
      return stored;
    });
  }
}
