import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { upsertImages } from '../../db/repositories/images.js';
import { countMasks } from '../../db/repositories/masks.js';
import {
  MissingSnapshotChunkError,
  latestTableSnapshot,
  readTableSnapshot,
  saveTableSnapshot,
  type NewTableSnapshot,
} from '../../db/repositories/table-snapshots.js';
import { testDriver, useOpenedStore } from './fresh-store.js';

/** Parts of awkward sizes: empty, several to a chunk row, one longer than a row. */
function snapshotOf(changeSeq: number, seed: number): NewTableSnapshot {
  const parts = [7, 0, 400, 1, 4096, 333, 300, 250].map((n, p) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + p * 7 + seed) & 255));
  return { formatVersion: 1, chiConfig: 'G1B8', changeSeq, masks: 3, parts, byteLength: parts.reduce((n, p) => n + p.length, 0) };
}

const joined = (parts: readonly Uint8Array[]) => Buffer.concat(parts);

async function readAll(db: Parameters<typeof latestTableSnapshot>[0]) {
  const row = await latestTableSnapshot(db);
  const chunks: Uint8Array[] = [];
  for await (const chunk of readTableSnapshot(db, row!)) chunks.push(chunk);
  return { row: row!, chunks };
}

describe(`table snapshots in the store, on ${testDriver}`, () => {
  const opened = useOpenedStore();

  it('store the bytes in chunk rows, each part whole in one, and read them back in order, exactly', async () => {
    const { db } = opened.handle;
    // Snapshots name change-log seqs: one row per image inserted here.
    await upsertImages(db, Array.from({ length: 60 }, (_, i) => ({ key: `image-${i}`, width: 4, height: 4, boxes: {} })));
    expect(await latestTableSnapshot(db)).toBeUndefined();
    const snapshot = snapshotOf(10, 1);
    const saved = await saveTableSnapshot(db, snapshot, 1000);
    expect(saved.outcome).toBe('saved');
    const { row, chunks } = await readAll(db);
    expect(row).toMatchObject({ formatVersion: 1, chiConfig: 'G1B8', changeSeq: 10, masks: 3, byteLength: snapshot.byteLength, chunkCount: 3 });
    expect(chunks.map((c) => c.length)).toEqual([7 + 400 + 1, 4096, 333 + 300 + 250]);
    expect(Buffer.concat(chunks).equals(joined(snapshot.parts))).toBe(true);
  });

  it('keep only the newest, and store nothing older than what is there', async () => {
    const { db } = opened.handle;
    expect((await saveTableSnapshot(db, snapshotOf(9, 2), 1000)).outcome).toBe('newer');
    expect((await saveTableSnapshot(db, snapshotOf(8, 2), 1000)).outcome).toBe('newer');
    const next = snapshotOf(25, 3);
    expect((await saveTableSnapshot(db, next, 4096)).outcome).toBe('saved');
    const { row, chunks } = await readAll(db);
    expect(row.changeSeq).toBe(25);
    expect(Buffer.concat(chunks).equals(joined(next.parts))).toBe(true);
    const counts = await db.execute(sql`select (select count(*) from table_snapshots)::int as snapshots, (select count(*) from table_snapshot_chunks)::int as chunks`);
    const [count] = Array.isArray(counts) ? counts : (counts as unknown as { rows: unknown[] }).rows;
    expect(count).toEqual({ snapshots: 1, chunks: 3 });
  });

  it('say which chunk is missing from a damaged snapshot', async () => {
    const { db } = opened.handle;
    await saveTableSnapshot(db, snapshotOf(30, 4), 1000);
    const row = (await latestTableSnapshot(db))!;
    await db.execute(sql`delete from table_snapshot_chunks where snapshot_id = ${row.id} and chunk = 1`);
    const read = async () => {
      for await (const chunk of readTableSnapshot(db, row)) void chunk;
    };
    await expect(read()).rejects.toThrow(MissingSnapshotChunkError);
    await expect(read()).rejects.toThrow(`chunk 1 of the 3 of snapshot ${row.id} is missing`);
    // The statements stopped early leave the store usable.
    expect(await countMasks(db)).toBe(0);
  });

  it('let a reader stop early without holding a connection', async () => {
    const { db } = opened.handle;
    await saveTableSnapshot(db, snapshotOf(40, 5), 100);
    const row = (await latestTableSnapshot(db))!;
    expect(row.chunkCount).toBe(7);
    for (let i = 0; i < 12; i++) {
      for await (const chunk of readTableSnapshot(db, row)) {
        expect(chunk.length).toBe(7);
        break;
      }
    }
    const { chunks } = await readAll(db);
    expect(chunks.length).toBe(7);
  });

  it.runIf(testDriver === 'postgres')('leave the writing to one process at a time', async () => {
    const { db } = opened.handle;
    const before = (await latestTableSnapshot(db))!;
    const outcomes = await Promise.all([saveTableSnapshot(db, snapshotOf(50, 6), 100), saveTableSnapshot(db, snapshotOf(51, 7), 100)]);
    expect(outcomes.map((o) => o.outcome).sort()).toContain('saved');
    const after = (await latestTableSnapshot(db))!;
    expect(after.id).not.toBe(before.id);
    const { chunks } = await readAll(db);
    expect(Buffer.concat(chunks).equals(joined(snapshotOf(after.changeSeq, after.changeSeq === 50 ? 6 : 7).parts))).toBe(true);
  });
});
