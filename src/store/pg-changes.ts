/**
 * Keeps one replica's in-memory index in step with the shared PostgreSQL database. The store-wide `seq` is the
 * change log: a `LISTEN fhir_change` connection wakes the follower on each commit anywhere, and every wake-up
 * (and a poll every `pollMs`, and each reconnect) reads every version after the last `seq` applied — so a
 * missed notification or a dropped connection loses nothing. Changes go through `Repository.applyChange`, the
 * same path as a local commit, so CodeSystem/ValueSet updates drop the expansions and indexes built from the
 * old version.
 *
 * @see https://www.postgresql.org/docs/15/sql-listen.html
 * @see https://www.postgresql.org/docs/15/sql-notify.html
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { CHANGE_CHANNEL, type PgResourceStore } from './pg-store.ts';
import type { Repository } from './repository.ts';

/** Versions read per catch-up query. */
const BATCH = 500;

/** Options of the follower. */
export interface ChangeFollowerOptions {
  readonly store: PgResourceStore;
  readonly repository: Repository;
  /** `seq` the repository's index is known to include (read before the index was built). */
  readonly fromSeq: number;
  readonly logger?: Logger;
  /** Catch-up poll interval when no notification comes (default 500 ms). */
  readonly pollMs?: number;
}

/** A running follower. */
export interface ChangeFollower {
  /** Reads and applies every change after the last applied `seq`; resolves when done. */
  catchUp(): Promise<void>;
  /** True when the last catch-up reached the database and the LISTEN connection is up. */
  caughtUp(): boolean;
  /** The last applied `seq`. */
  lastSeq(): number;
  stop(): Promise<void>;
}

/** The catch-up half of a follower: applies the versions after the last applied `seq`, one run at a time. */
interface CatchUpRunner {
  catchUp(): Promise<void>;
  /** False after a catch-up that failed, until one succeeds. */
  healthy(): boolean;
  lastSeq(): number;
  /** The catch-up under way, if any. */
  running(): Promise<void> | undefined;
}

function createCatchUpRunner(options: ChangeFollowerOptions): CatchUpRunner {
  const { store, repository, logger } = options;
  let seq = options.fromSeq;
  let healthy = true;
  let running: Promise<void> | undefined;
  let again = false;

  const runOnce = async (): Promise<void> => {
    for (;;) {
      const changes = await store.changesSince(seq, BATCH);
      for (const change of changes) {
        repository.applyChange(change);
        seq = change.seq;
      }
      if (changes.length < BATCH) return;
    }
  };

  const catchUp = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await runOnce();
        } while (again);
        if (!healthy) logger?.info({ seq }, 'database reachable again; index caught up');
        healthy = true;
      } catch (err) {
        if (healthy) logger?.warn({ err: (err as Error).message }, 'change catch-up failed; retrying');
        healthy = false;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  return { catchUp, healthy: () => healthy, lastSeq: () => seq, running: () => running };
}

/** The LISTEN half of a follower: one connection, reconnected with a growing delay when it drops. */
interface ChangeListener {
  /** True while the LISTEN connection is up. */
  listening(): boolean;
  /** Stops reconnecting (the connection stays open until {@link ChangeListener.end}). */
  stopReconnecting(): void;
  end(): Promise<void>;
}

/** Listens on the change channel; `onChange` runs on each notification and after each (re)connect. */
function listenForChanges(connectionString: string, onChange: () => void): ChangeListener {
  let listening = false;
  let stopped = false;
  let listener: pg.Client | undefined;
  let reconnectDelay = 250;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3_000 });
    client.on('error', () => undefined);
    client.on('notification', () => onChange());
    client.on('end', () => {
      if (listener !== client) return;
      listening = false;
      listener = undefined;
      if (!stopped) setTimeout(() => void connect(), reconnectDelay).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      listener = client;
      listening = true;
      reconnectDelay = 250;
      // Whatever was committed while not listening.
      onChange();
    } catch {
      await client.end().catch(() => undefined);
      reconnectDelay = Math.min(reconnectDelay * 2, 5_000);
      if (!stopped) setTimeout(() => void connect(), reconnectDelay).unref();
    }
  };

  void connect();
  return {
    listening: () => listening,
    stopReconnecting: () => {
      stopped = true;
    },
    end: async () => {
      await listener?.end().catch(() => undefined);
    },
  };
}

/**
 * Starts following the database's change log.
 */
export function followChanges(options: ChangeFollowerOptions): ChangeFollower {
  const runner = createCatchUpRunner(options);
  const catchUp = runner.catchUp;
  const listener = listenForChanges(options.store.connectionString, () => void catchUp());
  const timer = setInterval(() => void catchUp(), options.pollMs ?? 500);
  timer.unref();

  return {
    catchUp,
    caughtUp: () => listener.listening() && runner.healthy(),
    lastSeq: () => runner.lastSeq(),
    stop: async () => {
      listener.stopReconnecting();
      clearInterval(timer);
      await runner.running();
      await listener.end();
    },
  };
}
