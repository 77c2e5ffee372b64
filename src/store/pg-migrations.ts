/**
 * The PostgreSQL schema as numbered migrations, applied at start under a session advisory lock so replicas
 * starting together neither race nor apply one twice. A migration is never edited once released; a change
 * is a new number.
 *
 * @see https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
 */
import type { PoolClient } from 'pg';

/** One schema step. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'versions, current pointers with url|version uniqueness, seed files',
    sql: `
CREATE TABLE resource_version (
  seq BIGSERIAL PRIMARY KEY,
  resource_type TEXT NOT NULL,
  id TEXT NOT NULL,
  version_id INTEGER NOT NULL,
  last_updated TEXT NOT NULL,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  content TEXT,
  UNIQUE (resource_type, id, version_id)
);
CREATE INDEX resource_version_type_seq ON resource_version (resource_type, seq);
CREATE TABLE resource_current (
  resource_type TEXT NOT NULL,
  id TEXT NOT NULL,
  version_id INTEGER NOT NULL,
  seq BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL,
  url TEXT,
  version TEXT,
  PRIMARY KEY (resource_type, id)
);
CREATE UNIQUE INDEX resource_current_canonical
  ON resource_current (resource_type, url, coalesce(version, '')) WHERE NOT deleted AND url IS NOT NULL;
CREATE TABLE seed_file (
  path TEXT PRIMARY KEY,
  hash TEXT NOT NULL
);`,
  },
];

/** Advisory lock key held while migrating (any constant shared by every replica). */
const MIGRATION_LOCK = 4738301;

/**
 * Applies every migration not yet recorded in `schema_migration`, each in its own transaction, while holding
 * the migration lock. Returns the versions applied by this call.
 * @see https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
 */
export async function migrate(client: PoolClient, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migration')).rows.map((r) => r.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
  return applied;
}
