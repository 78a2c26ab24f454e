import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite, types } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/**
 * The drizzle handle both drivers share. A union of PgliteDatabase and PostgresJsDatabase would
 * break `.returning()` and friends; the common base class keeps the query builder intact.
 * Transactions are PgDatabase subclasses too, so repositories take this type for either.
 */
export type Database = PgDatabase<PgQueryResultHKT>;

export interface DatabaseHandle {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Database;
  /** The PostgreSQL connection string, for another thread to open connections of its own; none for PGlite (one connection, this thread's). */
  readonly url?: string;
  /**
   * Subscribes to NOTIFY on `channel`; resolves once listening, to an unsubscribe function.
   * `onListen` runs each time the subscription is (re)established: postgres.js reconnects
   * silently, and notifications sent meanwhile are lost, so that is the moment to catch up
   * from the change log. PGlite delivers only notifications raised in this process.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
  /** Names of the migrations this open applied, oldest first; empty if the schema was current. */
  readonly appliedMigrations: readonly string[];
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; when absent, embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite's data directory (created if missing), or `memory://` for a throwaway store. */
  dataDir?: string;
  /** Called with the SQL of every statement drizzle sends (to count round trips, for one). */
  onQuery?: (sql: string) => void;
}

export const DEFAULT_DATA_DIR = './.masksearch';

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

// Any fixed key works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK_KEY = 0x6d61736b;

/** Opens the store and brings its schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.onQuery)
    : openPglite(options.dataDir ?? DEFAULT_DATA_DIR, options.onQuery);
}

const postgresOptions = {
  // The migrator's CREATE SCHEMA IF NOT EXISTS would print a NOTICE on every start.
  onnotice: () => {},
  connection: { application_name: 'masksearch' },
} satisfies postgres.Options<{}>;

/** drizzle's logger hook, when a caller wants to see each statement. */
const queryLogger = (onQuery: ((sql: string) => void) | undefined) => (onQuery ? { logger: { logQuery: (sql: string) => onQuery(sql) } } : {});

async function openPostgres(url: string, onQuery?: (sql: string) => void): Promise<DatabaseHandle> {
  const appliedMigrations = await migratePostgresLocked(url);
  const sql = postgres(url, postgresOptions);
  return {
    kind: 'postgres',
    url,
    appliedMigrations,
    db: drizzlePostgres({ client: sql, ...queryLogger(onQuery) }),
    async listen(channel, onNotify, onListen) {
      const { unlisten } = await sql.listen(channel, onNotify, onListen);
      return unlisten;
    },
    async notify(channel, payload) {
      await sql.notify(channel, payload);
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * A drizzle handle on `max` connections of its own to a database already migrated: for a worker
 * thread that reads the store beside the thread that opened it.
 */
export function connectPostgres(url: string, max: number): { db: Database; close(): Promise<void> } {
  const sql = postgres(url, { ...postgresOptions, max });
  return { db: drizzlePostgres({ client: sql }), close: () => sql.end({ timeout: 5 }) };
}

/**
 * Several processes (a server and a CLI ingest, say) may start together; the advisory lock makes
 * the second wait for the first's migrations instead of racing it. The lock belongs to a session,
 * hence a dedicated single-connection client.
 */
async function migratePostgresLocked(url: string): Promise<string[]> {
  const sql = postgres(url, { ...postgresOptions, max: 1 });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    const before = await countAppliedMigrations((text) => sql.unsafe(text));
    await migratePostgres(drizzlePostgres({ client: sql }), { migrationsFolder });
    return (await migrationTags()).slice(before);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Rows in drizzle's migration table: the migrator applies the journal's entries in order. */
async function countAppliedMigrations(query: (text: string) => Promise<readonly Record<string, unknown>[]>): Promise<number> {
  const [{ present }] = await query(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!present) return 0;
  const [{ count }] = await query('select count(*)::int as count from drizzle.__drizzle_migrations');
  return count as number;
}

async function migrationTags(): Promise<string[]> {
  const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: { idx: number; tag: string }[] };
  return journal.entries.sort((a, b) => a.idx - b.idx).map((entry) => entry.tag);
}

/**
 * The exception postgres.js 3.4 throws from a socket callback, outside any promise, when the
 * server terminates a connection at the wrong moment (upstream issues #1154, #1208): it writes to
 * a socket it has already dropped. The connection is gone either way and the pool opens a new
 * one, so a process can log it and go on; any other uncaught exception is not this.
 */
export function isPostgresDriverCrash(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /^Cannot read properties of null \(reading '\w+'\)$/.test(error.message) &&
    /[\\/]postgres[\\/](cjs[\\/])?src[\\/]connection\.js/.test(error.stack ?? '')
  );
}

/** PGlite's stock bytea codec walks bytes one by one in JS; Buffer's hex codec is ~10× faster. */
const pgliteByteaCodec = {
  serializers: {
    [types.BYTEA]: (value: unknown) => {
      const bytes = value as Uint8Array;
      return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
    },
  },
  parsers: { [types.BYTEA]: (text: string) => Buffer.from(text.slice(2), 'hex') },
};

async function openPglite(dataDir: string, onQuery?: (sql: string) => void): Promise<DatabaseHandle> {
  // PGlite creates the directory itself but not its parents; `memory://` and the like are not paths.
  if (!dataDir.includes('://')) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir, pgliteByteaCodec);
  const db = drizzlePglite({ client, ...queryLogger(onQuery) });
  let appliedMigrations: string[];
  try {
    const before = await countAppliedMigrations(async (text) => (await client.query<Record<string, unknown>>(text)).rows);
    await migratePglite(db, { migrationsFolder });
    appliedMigrations = (await migrationTags()).slice(before);
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    kind: 'pglite',
    db,
    appliedMigrations,
    async listen(channel, onNotify, onListen) {
      const unlisten = await client.listen(channel, onNotify);
      onListen?.();
      return () => unlisten();
    },
    async notify(channel, payload) {
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      await client.close();
    },
  };
}
