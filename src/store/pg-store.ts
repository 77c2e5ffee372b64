/**
 * The PostgreSQL store (selected by `DATABASE_URL=postgres://…`): the same layout and contract as the
 * embedded SQLite store, shared by several server replicas.
 *
 * - Every write transaction first takes one transaction-scoped advisory lock, so writes from all replicas are
 *   applied one at a time: `If-Match` checks and `writeAll` are atomic across replicas, and `seq` values
 *   become visible in increasing order (a replica reading "every change after my last seq" never skips one
 *   committed late with a lower number).
 * - `url|version` uniqueness among live resources is a partial unique index, checked by the database.
 * - A serialization failure or deadlock is retried a bounded number of times; a lost connection is a 503
 *   `transient` OperationOutcome with `Retry-After`, and the transaction is rolled back by the server.
 * - After each commit, `NOTIFY fhir_change, '<seq>'` wakes the other replicas (see `pg-changes.ts`).
 *
 * @see https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
 * @see https://node-postgres.com/apis/pool
 */
import pg from 'pg';
import type { FhirError} from '../fhir/errors.ts';
import { fhirError } from '../fhir/errors.ts';
import { migrate } from './pg-migrations.ts';
import { checkExpectedVersion, duplicateCanonical, versionedContent, writeTarget } from './version-write.ts';
import type { HistoryQuery, ResourceStore, SeedRecord, StoredVersion, StoreWrite } from './types.ts';

/** Advisory lock key taken by every write transaction. */
const WRITE_LOCK = 4738302;
/** Channel of the change notifications. */
export const CHANGE_CHANNEL = 'fhir_change';
/** Attempts of a transaction that fails with a serialization failure or deadlock. */
const MAX_ATTEMPTS = 5;
/** Seconds a client is asked to wait when the database is unreachable. */
export const RETRY_AFTER_SECONDS = 2;

interface VersionRow {
  seq: string;
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: string;
  deleted: boolean;
  content: string | null;
}

function toStored(row: VersionRow): StoredVersion {
  return {
    seq: Number(row.seq),
    resourceType: row.resource_type,
    id: row.id,
    versionId: String(row.version_id),
    lastUpdated: row.last_updated,
    deleted: row.deleted,
    json: row.content ?? undefined,
  };
}

/** Options of the PostgreSQL store. */
export interface PgStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly connectionString: string;
  /** Pool size (default 10). */
  readonly max?: number;
  /** Clock, injectable for tests; returns a FHIR instant. */
  readonly now?: () => string;
}

/** The PostgreSQL store: the storage port plus what replicas need to follow each other. */
export interface PgResourceStore extends ResourceStore {
  /** Committed versions with `seq` greater than `after`, oldest first (at most `limit`). */
  changesSince(after: number, limit: number): Promise<StoredVersion[]>;
  /** The highest committed `seq` (0 when empty). */
  lastSeq(): Promise<number>;
  /** True when a trivial query succeeds. */
  ping(): Promise<boolean>;
  /** Runs `task` holding a session advisory lock (`key`), e.g. so replicas load content one at a time. */
  withLock<T>(key: number, task: () => Promise<T>): Promise<T>;
  /** The connection URL (for the LISTEN connection of the change follower). */
  readonly connectionString: string;
}

/** SQLSTATE codes. */
const UNIQUE_VIOLATION = '23505';
const RETRYABLE = new Set(['40001', '40P01']);

/** True for an error meaning the database cannot be reached (refused, reset, shut down, timeout). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string') {
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(e.code)) return true;
    if (/^(08|57P)/.test(e.code)) return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(String(e?.message ?? ''));
}

/** The 503 a request gets while the database is unreachable. */
export function databaseUnavailable(cause: unknown): FhirError {
  return fhirError(503, 'transient', 'The database is unreachable; retry shortly', { cause, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } });
}

/**
 * Connects, applies the migrations (under an advisory lock) and returns the store. Throws when the database
 * cannot be reached (the caller retries with backoff).
 * @see https://hl7.org/fhir/R4/http.html
 */
export async function openPgStore(options: PgStoreOptions): Promise<PgResourceStore> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10, connectionTimeoutMillis: 3_000 });
  // An idle client losing its connection (PostgreSQL restarted) must not crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new PgStore(pool, options.connectionString, options.now ?? (() => new Date().toISOString()));
}

class PgStore implements PgResourceStore {
  private readonly pool: pg.Pool;
  private readonly now: () => string;
  readonly connectionString: string;
  private closed = false;

  constructor(pool: pg.Pool, connectionString: string, now: () => string) {
    this.pool = pool;
    this.connectionString = connectionString;
    this.now = now;
  }

  /** Runs a query, mapping a lost connection to 503. */
  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      if (isConnectionError(err)) throw databaseUnavailable(err);
      throw err;
    }
  }

  async write(write: StoreWrite): Promise<StoredVersion> {
    return (await this.writeAll([write]))[0];
  }

  async writeAll(writes: readonly StoreWrite[]): Promise<StoredVersion[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient((client, broke) => this.writeInTransaction(client, writes, broke));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  /** The writes in one transaction holding the write lock; rolled back whole when one fails. */
  private async writeInTransaction(client: pg.PoolClient, writes: readonly StoreWrite[], broke: () => void): Promise<StoredVersion[]> {
    try {
      // One round trip for the three opening statements (a simple query may hold several; all are constants).
      // Inside the try: should the lock fail after BEGIN, the ROLLBACK below ends the open transaction.
      const opened = (await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK}); SELECT last_updated FROM resource_version ORDER BY seq DESC LIMIT 1`,
      )) as unknown as pg.QueryResult<{ last_updated: string }>[];
      let lastInstant = opened[2]?.rows[0]?.last_updated ?? '';
      const results: StoredVersion[] = [];
      for (const write of writes) {
        let instant = this.now();
        if (instant <= lastInstant) instant = new Date(Date.parse(lastInstant) + 1).toISOString();
        lastInstant = instant;
        results.push(await this.apply(client, write, instant));
      }
      // The notification and the commit in one round trip; the seq is a number read from the database.
      const notify = results.length > 0 ? `SELECT pg_notify('${CHANGE_CHANNEL}', '${Number(results[results.length - 1].seq)}'); ` : '';
      await client.query(`${notify}COMMIT`);
      return results;
    } catch (err) {
      await client.query('ROLLBACK').catch(broke);
      throw err;
    }
  }

  /**
   * Runs `task` on a client checked out of the pool and releases it after — destroyed instead of reused when its
   * connection broke (`broke()`, a connection error, or the client's 'error' event). A checked-out client whose
   * connection dies emits 'error'; without a listener that is an uncaught exception. The failing query rejects
   * too, which is what is answered: 503 for a lost database.
   */
  private async withClient<T>(task: (client: pg.PoolClient, broke: () => void) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw databaseUnavailable(err);
    }
    let broken = false;
    const broke = (): void => {
      broken = true;
    };
    client.on('error', broke);
    try {
      return await task(client, broke);
    } catch (err) {
      if (isConnectionError(err)) {
        broken = true;
        throw databaseUnavailable(err);
      }
      throw err;
    } finally {
      client.off('error', broke);
      client.release(broken);
    }
  }

  /** One write inside the open transaction. */
  private async apply(client: pg.PoolClient, write: StoreWrite, lastUpdated: string): Promise<StoredVersion> {
    const { resourceType, id } = writeTarget(write);
    const current = (await client.query<{ version_id: number }>('SELECT version_id FROM resource_current WHERE resource_type = $1 AND id = $2', [resourceType, id])).rows[0];
    checkExpectedVersion(write, resourceType, id, current?.version_id);
    const versionId = (current?.version_id ?? 0) + 1;
    const written = write.kind === 'put' ? versionedContent(write.resource, id, versionId, lastUpdated) : undefined;
    const url = written?.url ?? null;
    const version = written?.version ?? null;
    const deleted = write.kind === 'delete';
    const inserted = await client.query<{ seq: string }>(
      'INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted, content) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq',
      [resourceType, id, versionId, lastUpdated, deleted, written?.content ?? null],
    );
    const seq = Number(inserted.rows[0].seq);
    try {
      await client.query(
        `INSERT INTO resource_current (resource_type, id, version_id, seq, deleted, url, version) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (resource_type, id) DO UPDATE SET version_id = excluded.version_id, seq = excluded.seq,
           deleted = excluded.deleted, url = excluded.url, version = excluded.version`,
        [resourceType, id, versionId, seq, deleted, url, version],
      );
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw duplicateCanonical(resourceType, url, version);
      throw err;
    }
    return { seq, resourceType, id, versionId: String(versionId), lastUpdated, deleted, json: written?.content, resource: written?.stored };
  }

  async readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const { rows } = await this.query<VersionRow>(
      'SELECT v.* FROM resource_current c JOIN resource_version v ON v.seq = c.seq WHERE c.resource_type = $1 AND c.id = $2',
      [resourceType, id],
    );
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  async currentSeq(resourceType: string, id: string): Promise<number | undefined> {
    const { rows } = await this.query<{ seq: string }>('SELECT seq FROM resource_current WHERE resource_type = $1 AND id = $2', [resourceType, id]);
    return rows[0] ? Number(rows[0].seq) : undefined;
  }

  async readVersion(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined> {
    if (!/^\d{1,9}$/.test(versionId)) return undefined;
    const { rows } = await this.query<VersionRow>('SELECT * FROM resource_version WHERE resource_type = $1 AND id = $2 AND version_id = $3', [resourceType, id, Number(versionId)]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  async history(query: HistoryQuery): Promise<{ entries: StoredVersion[]; total: number }> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, value: string): void => {
      args.push(value);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (query.resourceType !== undefined) add('resource_type = ?', query.resourceType);
    if (query.id !== undefined) add('id = ?', query.id);
    if (query.since !== undefined) add('last_updated >= ?', query.since);
    if (query.before !== undefined) add('last_updated < ?', query.before);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number((await this.query<{ n: string }>(`SELECT count(*) AS n FROM resource_version ${clause}`, args)).rows[0].n);
    const { rows } = await this.query<VersionRow>(
      `SELECT * FROM resource_version ${clause} ORDER BY seq DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, query.count, query.offset],
    );
    return { entries: rows.map(toStored), total };
  }

  async allCurrent(): Promise<StoredVersion[]> {
    const { rows } = await this.query<VersionRow>('SELECT v.* FROM resource_current c JOIN resource_version v ON v.seq = c.seq WHERE NOT c.deleted ORDER BY v.seq');
    return rows.map(toStored);
  }

  async changesSince(after: number, limit: number): Promise<StoredVersion[]> {
    const { rows } = await this.query<VersionRow>('SELECT * FROM resource_version WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
    return rows.map(toStored);
  }

  async lastSeq(): Promise<number> {
    const { rows } = await this.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM resource_version');
    return Number(rows[0].seq ?? 0);
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async withLock<T>(key: number, task: () => Promise<T>): Promise<T> {
    return this.withClient(async (client, broke) => {
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await task();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(broke);
      }
    });
  }

  async getSeed(path: string): Promise<SeedRecord | undefined> {
    const { rows } = await this.query<{ path: string; hash: string }>('SELECT path, hash FROM seed_file WHERE path = $1', [path]);
    return rows[0] ? { path: rows[0].path, hash: rows[0].hash } : undefined;
  }

  async putSeed(record: SeedRecord): Promise<void> {
    await this.query('INSERT INTO seed_file (path, hash) VALUES ($1, $2) ON CONFLICT (path) DO UPDATE SET hash = excluded.hash', [record.path, record.hash]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
