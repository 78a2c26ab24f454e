import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client.js';
import { upsertImages } from '../../db/repositories/images.js';
import { deleteMasks, insertMasks } from '../../db/repositories/masks.js';
import { DEFAULT_CHI_CONFIG, buildChi, serializeChi } from '../../engine/index.js';
import { createFreshStore, testDriver, type FreshStore } from '../db/fresh-store.js';
import { blobMask } from '../db/mask-fixtures.js';
import { startServer, type ServerProcess } from './cli-process.js';

/** The design's promise: another process's committed inserts and deletes are queryable within a second. */
const PROPAGATION_MS = 1_000;

// Cursors name mask ids without loading the rows: the list is the engine's view alone.
const MASK_IDS = '{ masks(first: 1000) { edges { cursor } } }';

// PGlite is one process's store, and its NOTIFY never leaves that process: nothing to share.
describe.skipIf(testDriver !== 'postgres')('a server and another process sharing one PostgreSQL database (PostgreSQL only)', () => {
  let fresh: FreshStore;
  let server: ServerProcess;
  let writer: DatabaseHandle;
  let imageId: number;
  let nextSeed = 1;

  beforeAll(async () => {
    fresh = await createFreshStore();
    writer = await fresh.open();
    [imageId] = await upsertImages(writer.db, [{ key: 'shared', width: 16, height: 16 }]);
    server = await startServer(fresh);
  });

  afterAll(async () => {
    await server?.stop();
    await fresh?.cleanup();
  });

  /** The ids of the masks the server's engine knows (the masks list reads its in-memory catalog). */
  async function served(): Promise<Set<number>> {
    const { data, errors } = await server.gql<{ masks: { edges: { cursor: string }[] } }>(MASK_IDS);
    expect(errors).toBeUndefined();
    return new Set(data!.masks.edges.map((e) => Number(Buffer.from(e.cursor, 'base64url').toString().split(':')[1])));
  }

  /** Polls the server until `done` holds; returns how long after the call it took. */
  async function until(done: (ids: Set<number>) => boolean, timeoutMs: number): Promise<number> {
    const started = performance.now();
    while (!done(await served())) {
      if (performance.now() - started > timeoutMs) throw new Error(`the server did not catch up within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return performance.now() - started;
  }

  async function insert(db: DatabaseHandle['db'], n: number): Promise<number[]> {
    const rows = Array.from({ length: n }, () => {
      const mask = blobMask(16, 16, nextSeed);
      return { imageId, maskType: `type-${nextSeed++}`, source: 'test', mask, chi: serializeChi(buildChi(mask, DEFAULT_CHI_CONFIG)) };
    });
    return (await insertMasks(db, rows)).map((m) => m.id);
  }

  it('sees masks inserted and deleted by another process within a second of the commit', async () => {
    const ids = await insert(writer.db, 5);
    const inserted = await until((seen) => ids.every((id) => seen.has(id)), PROPAGATION_MS);
    await deleteMasks(writer.db, ids.slice(0, 2));
    const deleted = await until((seen) => !seen.has(ids[0]) && !seen.has(ids[1]) && seen.has(ids[2]), PROPAGATION_MS);
    console.log(`another process's commit reached the server's engine: insert in ${inserted.toFixed(0)} ms, delete in ${deleted.toFixed(0)} ms`);
  });

  it('catches up after its connections are cut, with the changes committed while it could not reconnect', async () => {
    const databaseUrl = fresh.options.databaseUrl!;
    const database = new URL(databaseUrl).pathname.slice(1);
    const maintenanceUrl = new URL(databaseUrl);
    maintenanceUrl.pathname = '/postgres';
    const root = postgres(maintenanceUrl.href, { max: 1, onnotice: () => {} });
    // The writer's own single connection survives the cut, so it can commit while the server cannot connect.
    const survivor = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const [{ pid }] = await survivor`select pg_backend_pid() as pid`;
      await writer.close();
      const listening = await root`select 1 from pg_stat_activity where datname = ${database} and query ilike 'listen%'`;
      expect(listening).toHaveLength(1);

      await root`alter database ${root(database)} allow_connections false`;
      await root`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> ${pid}`;
      const ids = await insert(drizzle({ client: survivor }), 3);
      // Long enough for postgres.js to fail a few reconnects: the NOTIFY of this insert is lost for good.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect([...(await served())].filter((id) => ids.includes(id))).toEqual([]);

      await root`alter database ${root(database)} allow_connections true`;
      // postgres.js retries with a backoff of up to 20 s; on reconnect the server reads the change log.
      const caughtUp = await until((seen) => ids.every((id) => seen.has(id)), 30_000);
      console.log(`caught up ${caughtUp.toFixed(0)} ms after the database accepted connections again`);
    } finally {
      await root`alter database ${root(database)} allow_connections true`;
      await survivor.end();
      await root.end();
    }
  });
});
