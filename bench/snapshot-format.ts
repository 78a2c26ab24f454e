/**
 * The index snapshot's stored size, measured on the service benchmark's masks (bench/synthetic-masks.ts,
 * the first quarter of the images with a human-attention mask too, as bench:service loads them):
 * per CHI level, the bytes per mask LZ4 leaves of its planes as they lie in memory (what the snapshot
 * stores), shuffled, and as bin deltas then shuffled (smaller for a 1×1 grid, but undoing them cost
 * the start more than the bytes saved: docs/snapshots.md); then the whole snapshot in the format
 * engine/table-snapshot.ts writes, with its encode and decode times in this process. Every decode
 * is checked against the table.
 */
import { Command } from 'commander';
import { positiveInt } from './cli-options.js';
import { compressSync } from 'lz4-napi';
import { DEFAULT_CHI_CONFIG, MaskTable, buildChi, configName, snapshotTable, tableFromSnapshot } from '../engine/index.js';
import { shuffle } from '../engine/snapshot-filters.js';
import { generateDataset } from './synthetic-masks.js';

const FRAME = 1 << 20;

/** LZ4 in frames of FRAME bytes, as the snapshot stores a column. */
function lz4Bytes(bytes: Uint8Array): number {
  let total = 0;
  for (let at = 0; at < bytes.length; at += FRAME) total += compressSync(Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(FRAME, bytes.length - at))).length + 4;
  return total;
}

type CountPlane = Uint16Array | Uint32Array;

/** The alternative measured for the planes of a 1×1 grid: the previous plane minus this one (the count in one bin), shuffled. */
function binDeltas(plane: CountPlane, previous: CountPlane | undefined): Uint8Array {
  if (!previous) return shuffle(plane);
  const deltas = plane instanceof Uint16Array ? new Uint16Array(plane.length) : new Uint32Array(plane.length);
  for (let i = 0; i < plane.length; i++) deltas[i] = previous[i] - plane[i];
  return shuffle(deltas);
}

const asBytes = (plane: CountPlane) => new Uint8Array(plane.buffer, plane.byteOffset, plane.byteLength);

async function main(opts: { images: number }): Promise<void> {
  const images = opts.images;
  const dataset = generateDataset({ images, humanImages: Math.floor(images / 4) });
  const table = new MaskTable(DEFAULT_CHI_CONFIG);
  table.putModel(1, 'synthetic-cam');
  for (const image of dataset.images) {
    table.putImage({ id: image.id, key: `image-${image.id}`, width: image.width, height: image.height, boxes: image.boxes, label: image.id % 40 === 0 ? 'sample' : null });
  }
  for (const m of dataset.masks) {
    const saliency = m.kind === 'saliency';
    table.putMask(
      { id: m.id, imageId: m.imageId, width: m.mask.width, height: m.mask.height, encoding: 'u8', modelId: saliency ? 1 : null, maskType: saliency ? 'saliency' : 'human-attention', source: 'synthetic' },
      buildChi(m.mask, DEFAULT_CHI_CONFIG),
    );
  }
  const n = table.size;
  const state = table.exportState();
  console.log(`${n} masks of ${images} images, CHI ${configName(DEFAULT_CHI_CONFIG)}: ${(table.indexStats().bytes / n).toFixed(0)} B of CHI per mask in memory`);
  console.log('\n| level | in memory B/mask | LZ4 as in memory | LZ4 shuffled | LZ4 bin deltas, shuffled |\n|:--|--:|--:|--:|--:|');
  state.config.levels.forEach((level, l) => {
    const planes = state.planes[l] as CountPlane[];
    const raw = planes.reduce((total, p) => total + p.byteLength, 0);
    const plain = planes.reduce((total, p) => total + lz4Bytes(asBytes(p)), 0);
    const shuffled = planes.reduce((total, p) => total + lz4Bytes(shuffle(p)), 0);
    const deltas = planes.reduce((total, p, b) => total + lz4Bytes(binDeltas(p, b > 0 ? planes[b - 1] : undefined)), 0);
    const perMask = (bytes: number) => (bytes / n).toFixed(0);
    console.log(`| G${level.grid}B${level.bins} | ${perMask(raw)} | ${perMask(plain)} | ${perMask(shuffled)} | ${perMask(deltas)} |`);
  });
  await snapshotTable(table);
  const t0 = performance.now();
  const snapshot = await snapshotTable(table);
  const encodeMs = performance.now() - t0;
  const bytes = new Uint8Array(snapshot.byteLength);
  snapshot.parts.reduce((at, part) => (bytes.set(part, at), at + part.length), 0);
  await tableFromSnapshot(bytes);
  const t1 = performance.now();
  const restored = await tableFromSnapshot(bytes);
  const decodeMs = performance.now() - t1;
  const planesOf = (t: MaskTable) => t.exportState().planes.flat();
  const expected = planesOf(table);
  const same = planesOf(restored).every((plane, i) => plane.length === expected[i].length && plane.every((v, k) => v === expected[i][k]));
  if (!same || restored.size !== n) throw new Error('the snapshot did not read back as the table');
  console.log(
    `\nsnapshot: ${snapshot.byteLength} B = ${(snapshot.byteLength / n).toFixed(0)} B per mask stored; ` +
      `encode ${encodeMs.toFixed(0)} ms (${((encodeMs * 1e6) / n).toFixed(0)} ns per mask), decode ${decodeMs.toFixed(0)} ms (${((decodeMs * 1e6) / n).toFixed(0)} ns per mask)`,
  );
}

new Command()
  .name('bench:snapshot')
  .description("the index snapshot's stored bytes per CHI level and filter, and the whole snapshot's size and encode/decode time")
  .option('--images <n>', 'images (saliency masks); a quarter of them also get a human-attention mask', positiveInt, 20_000)
  .action((opts: { images: number }) => main(opts))
  .parseAsync()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
