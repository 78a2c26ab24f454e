import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from '../../db/client.js';

/** The driver the suite runs against: PostgreSQL when DATABASE_URL is set, else embedded PGlite. */
export const testDriver: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';

/** An empty store of its own (a new PostgreSQL database or a new PGlite directory). */
export interface FreshStore {
  readonly driver: 'postgres' | 'pglite';
  /** What openDatabase needs to reach this store. */
  readonly options: OpenDatabaseOptions;
  /**
   * Opens a handle (migrating on open); cleanup closes any still open. On PGlite close the
   * previous handle first: one directory takes one PGlite instance at a time.
   */
  open(): Promise<DatabaseHandle>;
  /** Closes open handles and removes the store. */
  cleanup(): Promise<void>;
}

export async function createFreshStore(): Promise<FreshStore> {
  const url = process.env.DATABASE_URL;
  const handles = new Set<DatabaseHandle>();
  const closeAll = async () => {
    for (const handle of handles) await handle.close();
  };
  const track = (options: OpenDatabaseOptions) => async (): Promise<DatabaseHandle> => {
    const handle = await openDatabase(options);
    handles.add(handle);
    return {
      ...handle,
      close: async () => {
        handles.delete(handle);
        await handle.close();
      },
    };
  };

  if (url) {
    const name = `masksearch_test_${randomBytes(6).toString('hex')}`;
    await withMaintenanceDb(url, (sql) => sql`create database ${sql(name)}`);
    const databaseUrl = new URL(url);
    databaseUrl.pathname = `/${name}`;
    const options = { databaseUrl: databaseUrl.href };
    return {
      driver: 'postgres',
      options,
      open: track(options),
      async cleanup() {
        await closeAll();
        await withMaintenanceDb(url, (sql) => sql`drop database if exists ${sql(name)} with (force)`);
      },
    };
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'masksearch-test-'));
  const options = { dataDir };
  return {
    driver: 'pglite',
    options,
    open: track(options),
    async cleanup() {
      await closeAll();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** CREATE/DROP DATABASE cannot run inside the database concerned, so go through `postgres`. */
async function withMaintenanceDb(url: string, run: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = postgres(maintenance.href, { max: 1, onnotice: () => {} });
  try {
    await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A fresh store opened before the enclosing describe block's tests and removed after them. */
export function useOpenedStore(): { readonly store: FreshStore; readonly handle: DatabaseHandle } {
  let store: FreshStore | undefined;
  let handle: DatabaseHandle | undefined;
  beforeAll(async () => {
    store = await createFreshStore();
    handle = await store.open();
  });
  afterAll(async () => {
    await store?.cleanup();
  });
  return {
    get store() {
      return store!;
    },
    get handle() {
      return handle!;
    },
  };
}
