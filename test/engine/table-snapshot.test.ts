import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MaskTable,
  MemoryMaskLoader,
  TABLE_SNAPSHOT_VERSION,
  TableSnapshotError,
  TableSnapshotReader,
  TableSnapshotVersionError,
  aggregateTopK,
  buildChi,
  createMask,
  filterByCP,
  snapshotSteps,
  snapshotTable,
  tableFromSnapshot,
  topKByCP,
} from '../../engine/index.js';
import type { ChiConfig, EngineContext, Mask, MaskTable as Table } from '../../engine/index.js';
import { chiConfigArb, datasetArb } from '../support/arbitraries.js';
import { engineFor } from '../support/engine-fixture.js';

const CONFIG: ChiConfig = { levels: [{ grid: 1, bins: 16 }, { grid: 4, bins: 4 }] };

const bytesOf = async (table: Table, frameBytes?: number): Promise<Uint8Array> => {
  const { parts, byteLength } = await snapshotTable(table, { frameBytes });
  const out = new Uint8Array(byteLength);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** Where the last frame's stored length is: the frames follow the 28-byte preamble, each a u32 length and an LZ4 frame. */
function lastFrameAt(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 28;
  for (let next = at; next < bytes.length; next += 4 + view.getUint32(next, true)) at = next;
  return at;
}

/** A table with something in every column: keys, labels, splits, tags, two box names, three encodings, masks without a CHI, a removal. */
function richTable(): { table: Table; masks: Map<number, Mask> } {
  const table = new MaskTable(CONFIG);
  const masks = new Map<number, Mask>();
  table.putModel(3, 'resnet');
  table.putModel(9, 'vit');
  for (let i = 0; i < 12; i++) {
    table.putImage({
      id: 100 + i,
      key: i === 5 ? undefined : `img-${i}`,
      width: 16,
      height: 12,
      label: i % 3 === 0 ? null : ['cat', 'dog'][i % 2],
      split: i % 4 === 0 ? 'val' : 'train',
      tags: i % 5 === 0 ? ['review', 'odd'] : i % 2 ? ['review'] : [],
      boxes: i % 6 === 1 ? {} : { object: [i % 4, 1, 8, 6], ...(i % 3 === 0 ? { head: [2, 2, 3.5, 3] } : {}) },
    });
  }
  let id = 1;
  for (let i = 0; i < 12; i++) {
    for (const encoding of ['u8', 'u16', 'f32'] as const) {
      const n = 16 * 12;
      const data =
        encoding === 'u8'
          ? Uint8Array.from({ length: n }, (_, p) => (p * 7 + i * 31) % 256)
          : encoding === 'u16'
            ? Uint16Array.from({ length: n }, (_, p) => (p * 977 + i * 131) % 65536)
            : Float32Array.from({ length: n }, (_, p) => ((p * 13 + i * 5) % 100) / 99);
      const mask = createMask(16, 12, data);
      masks.set(id, mask);
      table.putMask(
        { id, imageId: 100 + i, width: 16, height: 12, encoding, modelId: encoding === 'f32' ? null : encoding === 'u8' ? 3 : 9, maskType: encoding === 'u8' ? 'saliency' : 'human', source: encoding },
        id % 4 === 0 ? null : buildChi(mask, CONFIG),
      );
      id++;
    }
  }
  table.removeMask(5);
  table.removeMask(17);
  masks.delete(5);
  masks.delete(17);
  // Renamed model; an image whose key moved to a newer image.
  table.putModel(3, 'resnet50');
  table.putImage({ id: 200, key: 'img-2', width: 16, height: 12, label: 'cat' });
  return { table, masks };
}

const contextOf = (table: Table, masks: Map<number, Mask>): EngineContext => ({ table, loader: new MemoryMaskLoader(masks) });

/** The same queries on both tables, with where on every kind of column. */
async function answers(ctx: EngineContext) {
  const out: unknown[] = [];
  const wheres = [undefined, { imageTags: ['review'] }, { imageLabels: ['cat'], imageSplits: ['train'] }, { modelNames: ['resnet50', 'vit'] }, { imageKeys: ['img-2', 'img-7'] }, { maskTypes: ['human'], sources: ['u16'] }];
  for (const where of wheres) {
    const filter = await filterByCP(ctx, { where, roi: { kind: 'imageBox', name: 'object' }, range: { gt: 0.3 }, op: 'GT', threshold: 5 });
    out.push(Array.from(filter.keys), await filter.values(Array.from(filter.keys)));
    const top = await topKByCP(ctx, { where, roi: { kind: 'full' }, range: { gte: 0.2, lt: 0.7 }, normalize: 'ROI_FRACTION', k: 5, order: 'DESC' });
    out.push(top.items);
    const agg = await aggregateTopK(ctx, { where, op: 'UNION', threshold: 0.5, roi: { kind: 'imageBox', name: 'head' }, measure: 'COUNT', k: 4, order: 'ASC' });
    out.push(agg.items, agg.items.map((item) => agg.members(item.key)));
  }
  return out;
}

describe('table snapshots', () => {
  it('restore a table whose columns and query answers equal the original', async () => {
    const { table, masks } = richTable();
    const restored = await tableFromSnapshot(await bytesOf(table));
    expect(restored.exportState()).toEqual(table.exportState());
    expect(restored.size).toBe(table.size);
    expect(restored.indexStats()).toEqual(table.indexStats());
    expect(restored.imageSlotOfKey('img-2')).toBe(table.imageSlotOfKey('img-2'));
    expect(restored.modelIdOf('resnet50')).toBe(3);
    expect(restored.modelIdOf('resnet')).toBeUndefined();
    expect(await answers(contextOf(restored, masks))).toEqual(await answers(contextOf(table, masks)));
  });

  it('give a restored table that takes further changes like the original', async () => {
    const { table, masks } = richTable();
    const restored = await tableFromSnapshot(await bytesOf(table));
    for (const t of [table, restored]) {
      t.removeMask(1);
      t.putImage({ id: 300, key: 'late', width: 16, height: 12, label: 'bird', tags: ['new'], boxes: { object: [0, 0, 4, 4], tail: [1, 1, 2, 2] } });
      t.putImage({ id: 104, key: 'img-4', width: 16, height: 12, label: 'dog', tags: ['review'] });
      for (let i = 0; i < 40; i++) t.putMask({ id: 1000 + i, imageId: i % 2 ? 300 : 104, width: 16, height: 12, encoding: 'u8', maskType: 'late', source: 'test' }, buildChi(masks.get(2)!, CONFIG));
      t.putMask({ id: 7, imageId: 300, width: 16, height: 12, encoding: 'u8', maskType: 'replaced', source: 'test' }, buildChi(masks.get(2)!, CONFIG));
    }
    for (let i = 0; i < 40; i++) masks.set(1000 + i, masks.get(2)!);
    masks.set(7, masks.get(2)!);
    expect(restored.exportState()).toEqual(table.exportState());
    expect(await answers(contextOf(restored, masks))).toEqual(await answers(contextOf(table, masks)));
  });

  it('taken in steps while queries index masks, hold those masks unindexed, and give the same answers', async () => {
    const { table, masks } = richTable();
    const unindexed = [4, 8, 12].filter((id) => !table.isIndexed(table.slotOf(id)));
    expect(unindexed.length).toBe(3);
    const steps = snapshotSteps(table);
    const first = steps.next();
    expect(first.done).toBe(false);
    for (const id of unindexed) expect(table.setChi(id, buildChi(masks.get(id)!, CONFIG))).toBe(true);
    await first.value;
    let step = steps.next();
    while (!step.done) {
      await step.value;
      step = steps.next();
    }
    const out = new Uint8Array(step.value.byteLength);
    step.value.parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
    const restored = await tableFromSnapshot(out);
    for (const id of unindexed) expect(restored.isIndexed(restored.slotOf(id))).toBe(false);
    expect(restored.indexStats().indexed).toBe(table.indexStats().indexed - 3);
    expect(await answers(contextOf(restored, masks))).toEqual(await answers(contextOf(table, masks)));
  });

  it('keep 32-bit counts, empty tables and arbitrary level sets exact, in frames of any size', async () => {
    const wide = new MaskTable(CONFIG);
    wide.putImage({ id: 1, key: 'big', width: 300, height: 300 });
    const mask = createMask(300, 300, Uint8Array.from({ length: 90_000 }, (_, p) => p % 251));
    wide.putMask({ id: 1, imageId: 1, width: 300, height: 300, encoding: 'u8' }, buildChi(mask, CONFIG));
    expect(wide.countBytes).toBe(4);
    expect((await tableFromSnapshot(await bytesOf(wide))).exportState()).toEqual(wide.exportState());
    const empty = new MaskTable(CONFIG);
    expect((await tableFromSnapshot(await bytesOf(empty))).exportState()).toEqual(empty.exportState());
    await fc.assert(
      fc.asyncProperty(datasetArb(6), chiConfigArb, fc.integer({ min: 1, max: 300 }), async (data, config, frameBytes) => {
        const { table } = engineFor(data, config);
        expect((await tableFromSnapshot(await bytesOf(table, frameBytes))).exportState()).toEqual(table.exportState());
      }),
      { numRuns: 60 },
    );
  });

  it('store the CHI planes in fewer bytes than they take in memory', async () => {
    // Smooth masks, as saliency maps are: counts change little from bin to bin and cell to cell.
    const config: ChiConfig = { levels: [{ grid: 1, bins: 64 }, { grid: 4, bins: 8 }] };
    const table = new MaskTable(config);
    for (let i = 0; i < 300; i++) {
      table.putImage({ id: i + 1, key: `k${i}`, width: 64, height: 64, boxes: { object: [i % 32, 4, 20, 20] } });
      const cx = (i * 7) % 64;
      const cy = (i * 13) % 64;
      const data = Uint8Array.from({ length: 64 * 64 }, (_, p) => Math.round(255 * Math.exp(-(((p % 64) - cx) ** 2 + (Math.floor(p / 64) - cy) ** 2) / (200 + i))));
      table.putMask({ id: i + 1, imageId: i + 1, width: 64, height: 64, encoding: 'u8', maskType: 'saliency', source: 'test' }, buildChi(createMask(64, 64, data), config));
    }
    const inMemory = table.indexStats().bytes;
    const stored = (await bytesOf(table)).length;
    // LZ4 finds the runs of equal counts: 0.59 of the bytes here (bench:snapshot: 881 B stored per 224×224 saliency mask at the default levels, 1,644 B of CHI in memory).
    expect(stored).toBeLessThan(inMemory * 0.65);
    expect((await tableFromSnapshot(await bytesOf(table))).exportState()).toEqual(table.exportState());
  });

  it('read the same table from pieces of any size', async () => {
    const { table } = richTable();
    const bytes = await bytesOf(table, 64);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), async (sizes) => {
        const reader = new TableSnapshotReader();
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length];
          await reader.push(bytes.subarray(at, at + n));
          at += n;
        }
        expect(reader.byteLength).toBe(bytes.length);
        expect((await reader.finish()).exportState()).toEqual(table.exportState());
      }),
      { numRuns: 40 },
    );
  });

  it('refuse truncated, corrupt, foreign and other-version bytes, saying what is wrong', async () => {
    const { table } = richTable();
    for (const frameBytes of [undefined, 40]) {
      const bytes = await bytesOf(table, frameBytes);
      const read = (b: Uint8Array) => tableFromSnapshot(b);
      await expect(read(bytes.subarray(0, 10))).rejects.toThrow(/truncated: 10 bytes of at least 28/);
      await expect(read(bytes.subarray(0, bytes.length - 1))).rejects.toThrow(new RegExp(`truncated: ${bytes.length - 1} bytes of ${bytes.length}`));
      await expect(new TableSnapshotReader().push(new Uint8Array(bytes.length + 8).fill(0).map((_, i) => bytes[i] ?? 0))).rejects.toThrow(/more bytes than the/);
      // Every byte after the preamble, flipped: the frames' lengths, their LZ4 frames and the columns they hold.
      for (let at = 28; at < bytes.length; at += Math.max(1, Math.floor(bytes.length / 97))) {
        const flipped = bytes.slice();
        flipped[at] ^= 0x10;
        await expect(read(flipped)).rejects.toThrow(TableSnapshotError);
      }
      // A byte of the last frame's first block, whose length and checksum are left as they are.
      const corrupt = bytes.slice();
      corrupt[lastFrameAt(bytes) + 4 + 7 + 4] ^= 1;
      await expect(read(corrupt)).rejects.toThrow(/corrupt: frame \d+ \(.*\) does not decode: BlockChecksumError/);
      const foreign = bytes.slice();
      foreign.set(new TextEncoder().encode('PGCOPY\n\xff'), 0);
      await expect(read(foreign)).rejects.toThrow(/not a MaskSearch table snapshot/);
      const other = bytes.slice();
      new DataView(other.buffer).setUint32(8, TABLE_SNAPSHOT_VERSION + 1, true);
      await expect(read(other)).rejects.toThrow(TableSnapshotVersionError);
      await expect(read(other)).rejects.toThrow(`format version ${TABLE_SNAPSHOT_VERSION + 1}; this MaskSearch reads version ${TABLE_SNAPSHOT_VERSION}`);
      const longer = bytes.slice();
      new DataView(longer.buffer).setFloat64(16, bytes.length + 8, true);
      await expect(read(longer)).rejects.toThrow(new RegExp(`truncated: ${bytes.length} bytes of ${bytes.length + 8}`));
      const oversized = bytes.slice();
      new DataView(oversized.buffer).setUint32(28, 1 << 30, true);
      await expect(read(oversized)).rejects.toThrow(/corrupt: frame 0 is 1073741824 bytes long/);
      const padded = new Uint8Array(bytes.length + 4);
      padded.set(bytes);
      new DataView(padded.buffer).setFloat64(16, padded.length, true);
      await expect(read(padded)).rejects.toThrow(/corrupt: frame \d+ is 0 bytes long/);
      const extra = new Uint8Array(bytes.length + 9);
      extra.set(bytes);
      new DataView(extra.buffer).setUint32(bytes.length, 5, true);
      new DataView(extra.buffer).setFloat64(16, extra.length, true);
      await expect(read(extra)).rejects.toThrow(/corrupt: it has more frames than the \d+ its columns take/);
    }
  });

  it('refuse a frame that decodes to another length than its column takes, its block checksums intact', async () => {
    const { table } = richTable();
    const bytes = await bytesOf(table, 40);
    const view = new DataView(bytes.buffer);
    const stored = view.getUint32(28, true);
    // The header's first frame made again from one byte more: every checksum in it matches, so only the length check can find it.
    const header = decompressFrameSync(Buffer.from(bytes.subarray(32, 32 + stored)));
    const longer = compressFrameSync(Buffer.concat([header, Buffer.of(0x20)]), { blockChecksums: true });
    const lying = new Uint8Array(bytes.length - stored + longer.length);
    lying.set(bytes.subarray(0, 28));
    new DataView(lying.buffer).setUint32(28, longer.length, true);
    lying.set(longer, 32);
    lying.set(bytes.subarray(32 + stored), 32 + longer.length);
    new DataView(lying.buffer).setFloat64(16, lying.length, true);
    await expect(tableFromSnapshot(lying)).rejects.toThrow(/corrupt: frame 0 decoded to 41 bytes, not 40/);
  });

  it('refuse a frame that does not ask for block checksums', async () => {
    const { table } = richTable();
    const bytes = await bytesOf(table, 40);
    const stored = new DataView(bytes.buffer).getUint32(28, true);
    const header = decompressFrameSync(Buffer.from(bytes.subarray(32, 32 + stored)));
    const unchecked = compressFrameSync(header, { blockChecksums: false });
    const plain = new Uint8Array(bytes.length - stored + unchecked.length);
    plain.set(bytes.subarray(0, 28));
    new DataView(plain.buffer).setUint32(28, unchecked.length, true);
    plain.set(unchecked, 32);
    plain.set(bytes.subarray(32 + stored), 32 + unchecked.length);
    new DataView(plain.buffer).setFloat64(16, plain.length, true);
    await expect(tableFromSnapshot(plain)).rejects.toThrow(/corrupt: frame 0 \(header\) has flags 0x60, not an LZ4 frame with block checksums/);
  });
});
