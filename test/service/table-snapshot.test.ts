import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineContext, MaskTable } from '../../engine/index.js';
import { MaskTable as Table, TABLE_SNAPSHOT_VERSION, aggregateTopK, buildChi, filterByCP, serializeChi, topKByCP } from '../../engine/index.js';
import type { DatabaseHandle } from '../../db/client.js';
import { changeImageTags } from '../../db/repositories/image-tags.js';
import { upsertImages } from '../../db/repositories/images.js';
import { deleteMasks, insertMasks, loadMaskPixels } from '../../db/repositories/masks.js';
import { latestTableSnapshot } from '../../db/repositories/table-snapshots.js';
import { MaskCache } from '../../search/mask-cache.js';
import { MaskSearch, type MaskSearchOptions } from '../../search/mask-search.js';
import { CachedPixelLoader } from '../../search/pixel-loader.js';
import type { StartProgress } from '../../search/table-start.js';
import { loadTableFromRows } from '../../search/table-rows.js';
import { blobMask } from '../db/mask-fixtures.js';
import { createFreshStore, testDriver, type FreshStore } from '../db/fresh-store.js';
import { CHI, seedStore, type Seeded } from './service-fixture.js';

/** What the table holds, by id rather than slot (slots depend on the order of changes): masks, their CHI counts, images. */
function contents(table: MaskTable, imageIds?: ReadonlySet<number>) {
  const s = table.exportState();
  const masks = Array.from(s.masks.ids, (id, slot) => ({
    id,
    imageId: s.images.ids[s.masks.imageSlots[slot]],
    size: [s.masks.widths[slot], s.masks.heights[slot]],
    encoding: s.masks.encodings[slot],
    model: s.masks.models[slot],
    type: s.maskTypeNames[s.masks.maskTypes[slot]],
    source: s.sourceNames[s.masks.sources[slot]],
    counts: s.masks.indexed[slot] ? table.levels.map((level, l) => s.planes[l].map((plane) => Array.from(plane.subarray(slot * level.cells, (slot + 1) * level.cells)))) : null,
  })).sort((a, b) => a.id - b.id);
  const images = Array.from(s.images.ids, (id, slot) => ({
    id,
    key: s.images.keyed[slot] ? s.images.keys[slot] : undefined,
    size: [s.images.widths[slot], s.images.heights[slot]],
    label: s.labelNames[s.images.labels[slot]] ?? null,
    split: s.splitNames[s.images.splits[slot]] ?? null,
    tags: s.tagNames.filter((_, t) => s.images.tags[t][slot] === 1),
    boxes: Object.fromEntries(s.images.boxes.filter(([, c]) => !Number.isNaN(c[slot * 4])).map(([name, c]) => [name, Array.from(c.subarray(slot * 4, slot * 4 + 4))])),
  }))
    .filter((image) => !imageIds || imageIds.has(image.id))
    .sort((a, b) => a.id - b.id);
  return { masks, images };
}

/** The table a start without any snapshot builds: every row read afresh. */
async function fullLoad(db: DatabaseHandle['db']): Promise<EngineContext> {
  const table = new Table(CHI);
  await loadTableFromRows(db, table);
  return { table, loader: new CachedPixelLoader((ids) => loadMaskPixels(db, ids), new MaskCache(0)) };
}

async function answers(ctx: EngineContext) {
  const out: unknown[] = [];
  for (const where of [undefined, { maskTypes: ['saliency'], imageLabels: ['cat', 'relabelled'] }, { modelNames: ['vit-b16'] }, { imageTags: ['review'] }]) {
    const filter = await filterByCP(ctx, { where, roi: { kind: 'imageBox', name: 'object' }, range: { gt: 0.4 }, op: 'GT', threshold: 3 });
    out.push(Array.from(filter.keys), await filter.values(Array.from(filter.keys)));
    out.push((await topKByCP(ctx, { where, roi: { kind: 'full' }, range: { gte: 0.5 }, normalize: 'ROI_FRACTION', k: 7, order: 'DESC' })).items);
    out.push((await aggregateTopK(ctx, { where, op: 'INTERSECT', threshold: 0.3, roi: { kind: 'full' }, measure: 'IOU', k: 5, order: 'ASC' })).items);
  }
  return out;
}

describe(`the index snapshot, on ${testDriver}`, () => {
  let fresh: FreshStore;
  let store: DatabaseHandle;
  let seeded: Seeded;
  beforeAll(async () => {
    fresh = await createFreshStore();
    store = await fresh.open();
    seeded = await seedStore(store, 40, 5);
  });
  afterAll(() => fresh?.cleanup());

  const start = async (options: MaskSearchOptions = {}) => {
    const progress: StartProgress[] = [];
    const service = await MaskSearch.start(store, { chi: CHI, onStartProgress: (p) => progress.push(p), ...options });
    return { service, progress };
  };
  const dbImageIds = async () => new Set((await fullLoad(store.db)).table.exportState().images.ids);

  it('is written after a start that read every row; the next start reads it, and the table and answers are a full load', async () => {
    const first = await start({ snapshotAfter: 1 });
    expect(first.service.startedFromSnapshot).toBe(false);
    expect(first.progress[0]).toEqual({ source: 'rows', done: 0, total: seeded.masks.length, reason: 'there is no stored snapshot' });
    expect(first.progress.at(-1)).toMatchObject({ source: 'rows', done: seeded.masks.length });
    await first.service.snapshotWritten();
    const stored = await latestTableSnapshot(store.db);
    expect(stored).toMatchObject({ masks: seeded.masks.length, formatVersion: TABLE_SNAPSHOT_VERSION, chiConfig: 'G1B64+G4B8' });
    await first.service.close();

    const second = await start({ snapshotAfter: 1 });
    expect(second.service.startedFromSnapshot).toBe(true);
    expect(second.progress.map((p) => p.source)).toEqual(['snapshot', ...Array(stored!.chunkCount).fill('snapshot')]);
    expect(second.progress.at(-1)).toEqual({ source: 'snapshot', done: stored!.byteLength, total: stored!.byteLength });
    const full = await fullLoad(store.db);
    expect(contents(second.service.table)).toEqual(contents(full.table));
    await second.service.close();
    // Nothing changed: no new snapshot at shutdown.
    expect((await latestTableSnapshot(store.db))!.id).toBe(stored!.id);

    // Queries index the masks stored without a CHI; the snapshot at shutdown keeps those CHIs.
    const third = await start({ snapshotAfter: 1000 });
    expect(await answers(third.service.engineContext())).toEqual(await answers(full));
    const indexed = third.service.table.indexStats().indexed;
    expect(indexed).toBeGreaterThan(full.table.indexStats().indexed);
    await third.service.close();
    expect((await latestTableSnapshot(store.db))!.id).not.toBe(stored!.id);
    const fourth = await start({ snapshotAfter: 1000 });
    expect(fourth.service.table.indexStats().indexed).toBe(indexed);
    expect(contents(fourth.service.table)).toEqual(contents((await fullLoad(store.db)).table));
    await fourth.service.close();
  });

  it('with the change log after it gives a full load: masks added, removed and replaced, images changed and added', async () => {
    const before = (await latestTableSnapshot(store.db))!;
    const [imageId, image] = [...seeded.images][3];
    const [added] = await insertMasks(store.db, [{ imageId, maskType: 'late', source: 'test', mask: blobMask(image.width, image.height, 11), chi: serializeChi(buildChi(blobMask(image.width, image.height, 11), CHI)) }]);
    await insertMasks(store.db, [{ imageId, maskType: 'late-unindexed', source: 'test', mask: blobMask(image.width, image.height, 12) }]);
    await deleteMasks(store.db, [seeded.masks[0].id, seeded.masks[7].id, added.id - 3]);
    const replaced = seeded.masks[10];
    const replacement = blobMask(seeded.images.get(replaced.imageId)!.width, seeded.images.get(replaced.imageId)!.height, 13);
    const [again] = await insertMasks(
      store.db,
      [{ imageId: replaced.imageId, modelId: null, maskType: replaced.maskType, source: 'replaced', mask: replacement, chi: serializeChi(buildChi(replacement, CHI)) }],
      { onConflict: 'replace' },
    );
    expect(again.outcome).toBe('replaced');
    await upsertImages(store.db, [{ key: image.key, width: image.width, height: image.height, label: 'relabelled', split: 'test', boxes: { object: [1, 1, 5, 4], other: [0, 0, 2, 2] } }]);
    await changeImageTags(store.db, { keys: [image.key, [...seeded.images.values()][8].key] }, { add: ['review'], remove: [] });
    const [newImage] = await upsertImages(store.db, [{ key: 'after-snapshot', width: 24, height: 24, label: 'cat', boxes: { object: [2, 2, 10, 10] } }]);
    await insertMasks(store.db, [{ imageId: newImage, maskType: 'saliency', source: 'test', mask: blobMask(24, 24, 14), chi: serializeChi(buildChi(blobMask(24, 24, 14), CHI)) }]);

    const { service } = await start({ snapshotAfter: 0 });
    expect(service.startedFromSnapshot).toBe(true);
    const full = await fullLoad(store.db);
    expect(contents(service.table, await dbImageIds())).toEqual(contents(full.table));
    expect(await answers(service.engineContext())).toEqual(await answers(full));
    await service.close();
    expect((await latestTableSnapshot(store.db))!.id).toBe(before.id);
  });

  it('is written again once enough changes arrive, and at a clean shutdown', async () => {
    const { service } = await start({ snapshotAfter: 3 });
    expect(service.startedFromSnapshot).toBe(true);
    // The log after the stored snapshot already holds more than 3 rows.
    await service.snapshotWritten();
    const caughtUp = (await latestTableSnapshot(store.db))!;
    const [imageId, image] = [...seeded.images][20];
    await insertMasks(store.db, [{ imageId, maskType: 'one', source: 'test', mask: blobMask(image.width, image.height, 21) }]);
    await service.catchUp();
    await service.snapshotWritten();
    expect((await latestTableSnapshot(store.db))!.id).toBe(caughtUp.id);
    await insertMasks(store.db, [1, 2, 3].map((k) => ({ imageId, maskType: `more-${k}`, source: 'test', mask: blobMask(image.width, image.height, 21 + k) })));
    await service.catchUp();
    await service.snapshotWritten();
    const later = (await latestTableSnapshot(store.db))!;
    expect(later.changeSeq).toBeGreaterThan(caughtUp.changeSeq);
    await insertMasks(store.db, [{ imageId, maskType: 'last', source: 'test', mask: blobMask(image.width, image.height, 30) }]);
    await service.catchUp();
    await service.close();
    const last = (await latestTableSnapshot(store.db))!;
    expect(last.changeSeq).toBeGreaterThan(later.changeSeq);
    expect(last.masks).toBe(service.table.size);

    const { service: restarted } = await start({ snapshotAfter: 0 });
    expect(restarted.startedFromSnapshot).toBe(true);
    const full = await fullLoad(store.db);
    expect(contents(restarted.table, await dbImageIds())).toEqual(contents(full.table));
    await restarted.close();
  });

  const damages: [string, string, RegExp][] = [
    ['a flipped byte', `update table_snapshot_chunks set data = set_byte(data, octet_length(data) - 50, (get_byte(data, octet_length(data) - 50) + 1) % 256)`, /cannot be used: the table snapshot is corrupt: frame \d+ \(.*\) does not decode: BlockChecksumError/],
    ['a cut chunk', `update table_snapshot_chunks set data = substring(data from 1 for octet_length(data) - 16)`, /cannot be used: the table snapshot is truncated: \d+ bytes of \d+/],
    ['a lost chunk', `delete from table_snapshot_chunks`, /cannot be used: chunk 0 of the 1 of snapshot \d+ is missing/],
    // What a server of format version 2 (LZ4 blocks and a CRC-32 of the stream) stored.
    ['an old format', `update table_snapshots set format_version = 2`, /the stored snapshot is in format version 2; this MaskSearch reads version 3/],
    ['a change log emptied since', `update table_snapshots set change_seq = change_seq + 1000000`, /the stored snapshot is of change \d+, but the change log ends at \d+/],
    ['a foreign header', `update table_snapshot_chunks set data = overlay(data placing '\\x50474350'::bytea from 1)`, /cannot be used: not a MaskSearch table snapshot/],
  ];
  for (const [damage, statement, reason] of damages) {
    it(`with ${damage} is never used: start-up reads every row, says why, and replaces it`, async () => {
      await store.db.execute(sql.raw(statement));
      const { service, progress } = await start({ snapshotAfter: 1 });
      expect(service.startedFromSnapshot).toBe(false);
      expect(progress[0]).toMatchObject({ source: progress[0].source === 'snapshot' ? 'snapshot' : 'rows' });
      const rows = progress.find((p) => p.source === 'rows');
      expect(rows && 'reason' in rows ? rows.reason : '').toMatch(reason);
      const full = await fullLoad(store.db);
      expect(contents(service.table)).toEqual(contents(full.table));
      await service.snapshotWritten();
      await service.close();
      const { service: next } = await start({ snapshotAfter: 1 });
      expect(next.startedFromSnapshot).toBe(true);
      expect(contents(next.table)).toEqual(contents(full.table));
      await next.close();
    });
  }

  it('of other CHI levels is not read: the index is built with the levels asked for', async () => {
    const other = { levels: [{ grid: 2, bins: 4 }] };
    const progress: StartProgress[] = [];
    const service = await MaskSearch.start(store, { chi: other, snapshotAfter: 0, onStartProgress: (p) => progress.push(p) });
    expect(service.startedFromSnapshot).toBe(false);
    expect(progress).toEqual([expect.objectContaining({ source: 'rows', reason: 'the stored snapshot has CHI levels G1B64+G4B8; the index uses G2B4' }), ...progress.slice(1)]);
    expect(service.table.config).toEqual(other);
    await service.close();
  });
});
