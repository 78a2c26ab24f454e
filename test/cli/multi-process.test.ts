import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client.js';
import { upsertImages } from '../../db/repositories/images.js';
import { deleteMasks, insertMasks } from '../../db/repositories/masks.js';
import { keyAfterCursor } from '../../resolvers/pagination.js';
import { DEFAULT_CHI_CONFIG, buildChi, serializeChi } from '../../engine/index.js';
import { createFreshStore, testDriver, type FreshStore } from '../db/fresh-store.js';
import { blobMask } from '../db/mask-fixtures.js';
import { runOnStore, startServer, type ServerProcess } from './cli-process.js';

/** The design's promise: another process's committed inserts and deletes are queryable within a second. */
const PROPAGATION_MS = 1_000;

// The masks the engine knows, read from memory alone: cursors name mask ids, and the CP of the
// full range over the full mask (its area) is exact from the CHI, so no pixels or rows are
// loaded. (The masks list loads rows, so it would drop a deleted mask before the engine does,
// and it needs the database.)
const MASK_IDS = '{ filterByCP(roi: {full: true}, range: {gte: 0}, op: GTE, threshold: 0, first: 1000) { matches { edges { cursor } } } }';

// What the server's memory holds of an image: its label (the where filter) and its `object` box
// (ROIs by image box, for a mask's own CP and for the engine's top-k).
const IMAGE_VIEW = `query ($label: String!, $key: String!) {
  masks(where: {imageLabels: [$label]}) { nodes { cp(roi: {imageBox: "object"}, range: {gt: 0.5}) } }
  topKByCP(where: {imageKeys: [$key]}, roi: {imageBox: "object"}, range: {gt: 0.5}, k: 1) { items { nodes { value } } }
}`;

interface ImageView {
  masks: { nodes: { cp: number | null }[] };
  topKByCP: { items: { nodes: { value: number }[] } };
}

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

  /** The ids of the masks the server's engine knows. */
  async function served(): Promise<Set<number>> {
    const { data, errors } = await server.gql<{ filterByCP: { matches: { edges: { cursor: string }[] } } }>(MASK_IDS);
    expect(errors).toBeUndefined();
    return new Set(data!.filterByCP.matches.edges.map((e) => keyAfterCursor(e.cursor)));
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

  /** Polls the server until the mask of image `key` is labelled `label` and its `object` box holds `cp` pixels above 0.5. */
  async function untilImageView(key: string, label: string, cp: number, timeoutMs: number): Promise<number> {
    const started = performance.now();
    for (;;) {
      const { data, errors } = await server.gql<ImageView>(IMAGE_VIEW, { label, key });
      expect(errors).toBeUndefined();
      const cps = data!.masks.nodes.map((n) => n.cp);
      if (cps.length === 1 && cps[0] === cp && data!.topKByCP.items.nodes[0]?.value === cp) return performance.now() - started;
      if (performance.now() - started > timeoutMs) {
        throw new Error(`the server did not see image ${key} as ${label} with CP ${cp} within ${timeoutMs} ms: ${JSON.stringify(data)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("sees another process's changes to an image's label and boxes within a second of the commit", async () => {
    // Left half 1, right half 0, so the CP of a box is the area of its left-half part.
    const data = new Uint8Array(16 * 16).map((_, i) => (i % 16 < 8 ? 255 : 0));
    const mask = { width: 16, height: 16, encoding: 'u8' as const, data };
    const image = { key: 'relabelled', width: 16, height: 16 };
    const [relabelledId] = await upsertImages(writer.db, [{ ...image, label: 'oldlabel', boxes: { object: [0, 0, 8, 16] } }]);
    const [{ id }] = await insertMasks(writer.db, [{ imageId: relabelledId, maskType: 'halves', source: 'test', mask, chi: serializeChi(buildChi(mask, DEFAULT_CHI_CONFIG)) }]);
    await until((seen) => seen.has(id), PROPAGATION_MS);
    await untilImageView('relabelled', 'oldlabel', 128, 0);

    // A CLI import beside the server: relabel, and move the box to x 4..12, y 0..8.
    const dir = await mkdtemp(join(tmpdir(), 'masksearch-relabel-'));
    try {
      const file = join(dir, 'images.jsonl');
      await writeFile(file, JSON.stringify({ ...image, label: 'newlabel', boxes: { object: [4, 0, 8, 8] } }) + '\n');
      const result = await runOnStore(fresh, ['images', 'import', file]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const imported = await untilImageView('relabelled', 'newlabel', 32, PROPAGATION_MS);
    const { data: old } = await server.gql<ImageView>(IMAGE_VIEW, { label: 'oldlabel', key: 'relabelled' });
    expect(old!.masks.nodes).toEqual([]);

    // Timed from the commit: relabel again, box over the bottom half.
    await upsertImages(writer.db, [{ ...image, label: 'thirdlabel', boxes: { object: [0, 8, 16, 8] } }]);
    const upserted = await untilImageView('relabelled', 'thirdlabel', 64, PROPAGATION_MS);
    console.log(
      `another process's image change reached the server's engine: ${upserted.toFixed(0)} ms after the commit; ` +
        `${imported.toFixed(0)} ms after a CLI import exited`,
    );
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
