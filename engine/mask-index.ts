import type { ChiView } from './bounds.js';
import type { Chi, ChiConfig } from './chi.js';
import { InvalidChiError, chiEntryCount, countBytesFor, validateChiConfig } from './chi.js';
import { CountPool } from './count-pool.js';
import type { MaskEncoding } from './mask.js';
import type { Rect } from './roi.js';
import { scaleBoxEdges, writeRect } from './roi.js';

/** A named box on an image, [x, y, width, height] in image pixel coordinates. */
export type BoxTuple = readonly [number, number, number, number];

export interface ImageEntry {
  id: number;
  /** 0 when unknown: named boxes are then read in the mask's own coordinates. */
  width: number;
  height: number;
  boxes?: Readonly<Record<string, BoxTuple>>;
}

export interface MaskEntry {
  id: number;
  imageId: number;
  width: number;
  height: number;
  /** The values the mask can hold; bounds use it to tighten bins. Unknown is treated as f32 (any value). */
  encoding?: MaskEncoding;
}

const ENCODINGS: readonly MaskEncoding[] = ['f32', 'u8', 'u16'];

export class UnknownImageError extends Error {
  override name = 'UnknownImageError';
}

const NO_CHI = 0;
const POOL_BY_BYTES = { 1: 1, 2: 2, 4: 3 } as const;

function growInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growFloat64(a: Float64Array, n: number, fill = 0): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n).fill(fill);
  b.set(a);
  return b;
}

/**
 * The in-memory side of the engine: every mask's geometry and (when built) its CHI, and every
 * image's size and named boxes, in columns of typed arrays addressed by slot. Slots are dense:
 * removing a mask moves the last one into its slot.
 */
export class MaskIndex {
  readonly config: ChiConfig;
  private readonly stride: number;
  private readonly pools: CountPool[];
  private readonly slotById = new Map<number, number>();
  private maskIds = new Float64Array(0);
  private imageSlots = new Int32Array(0);
  private widths = new Int32Array(0);
  private heights = new Int32Array(0);
  private encodings = new Uint8Array(0);
  private chiPool = new Int32Array(0);
  private chiAt = new Int32Array(0);
  private count = 0;

  private readonly imageSlotById = new Map<number, number>();
  private imageIds = new Float64Array(0);
  private imageWidths = new Int32Array(0);
  private imageHeights = new Int32Array(0);
  private readonly boxColumns = new Map<string, Float64Array>();
  private imageCount = 0;

  /** Image boxes resolved to mask rectangles per box name, valid while geometry is unchanged. */
  private readonly boxRectCache = new Map<string, { version: number; rects: Int32Array; present: Uint8Array }>();
  /** Bumped by every change to masks or images, which may move slots or boxes. */
  private geometryVersion = 0;

  constructor(config: ChiConfig) {
    validateChiConfig(config);
    this.config = { grid: config.grid, bins: config.bins };
    this.stride = chiEntryCount(config);
    this.pools = [new CountPool(1, 0), new CountPool(1, this.stride), new CountPool(2, this.stride), new CountPool(4, this.stride)];
  }

  get size(): number {
    return this.count;
  }

  /** Adds or updates an image's size and named boxes (boxes given replace the old set). */
  putImage(image: ImageEntry): void {
    this.geometryVersion++;
    let slot = this.imageSlotById.get(image.id);
    if (slot === undefined) {
      slot = this.imageCount++;
      if (slot === this.imageIds.length) this.growImages(Math.max(16, slot * 2));
      this.imageSlotById.set(image.id, slot);
      this.imageIds[slot] = image.id;
    }
    this.imageWidths[slot] = image.width;
    this.imageHeights[slot] = image.height;
    for (const column of this.boxColumns.values()) column.fill(NaN, slot * 4, slot * 4 + 4);
    for (const [name, box] of Object.entries(image.boxes ?? {})) {
      let column = this.boxColumns.get(name);
      if (!column) {
        column = new Float64Array(this.imageIds.length * 4).fill(NaN);
        this.boxColumns.set(name, column);
      }
      column.set(box, slot * 4);
    }
  }

  hasImage(id: number): boolean {
    return this.imageSlotById.has(id);
  }

  /** Adds a mask, or replaces one with the same id; without a CHI it is verified when queried. */
  putMask(entry: MaskEntry, chi?: Chi | null): void {
    this.geometryVersion++;
    const imageSlot = this.imageSlotById.get(entry.imageId);
    if (imageSlot === undefined) throw new UnknownImageError(`mask ${entry.id}: image ${entry.imageId} is not in the index`);
    let slot = this.slotById.get(entry.id);
    if (slot === undefined) {
      slot = this.count++;
      if (slot === this.maskIds.length) this.growMasks(Math.max(16, slot * 2));
      this.slotById.set(entry.id, slot);
      this.maskIds[slot] = entry.id;
      this.chiPool[slot] = NO_CHI;
    } else {
      this.dropChi(slot);
    }
    this.imageSlots[slot] = imageSlot;
    this.widths[slot] = entry.width;
    this.heights[slot] = entry.height;
    this.encodings[slot] = ENCODINGS.indexOf(entry.encoding ?? 'f32');
    if (chi) this.attachChi(slot, chi);
  }

  /** Attaches a CHI built later (incremental indexing). */
  setChi(id: number, chi: Chi): void {
    const slot = this.slotById.get(id);
    if (slot === undefined) return;
    this.dropChi(slot);
    this.attachChi(slot, chi);
  }

  removeMask(id: number): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    this.geometryVersion++;
    this.dropChi(slot);
    this.slotById.delete(id);
    const last = --this.count;
    if (slot !== last) {
      this.maskIds[slot] = this.maskIds[last];
      this.imageSlots[slot] = this.imageSlots[last];
      this.widths[slot] = this.widths[last];
      this.heights[slot] = this.heights[last];
      this.encodings[slot] = this.encodings[last];
      this.chiPool[slot] = this.chiPool[last];
      this.chiAt[slot] = this.chiAt[last];
      if (this.chiPool[slot] !== NO_CHI) this.pools[this.chiPool[slot]].setOwner(this.chiAt[slot], slot);
      this.slotById.set(this.maskIds[slot], slot);
    }
    return true;
  }

  hasMask(id: number): boolean {
    return this.slotById.has(id);
  }

  /** The slot of a mask id, or −1. */
  slotOf(id: number): number {
    return this.slotById.get(id) ?? -1;
  }

  idAt(slot: number): number {
    return this.maskIds[slot];
  }
  imageIdAt(slot: number): number {
    return this.imageIds[this.imageSlots[slot]];
  }
  /** The dense position of the mask's image among all images, for grouping by image. */
  imageSlotAt(slot: number): number {
    return this.imageSlots[slot];
  }
  get imageSlotCount(): number {
    return this.imageCount;
  }
  widthAt(slot: number): number {
    return this.widths[slot];
  }
  heightAt(slot: number): number {
    return this.heights[slot];
  }
  encodingAt(slot: number): MaskEncoding {
    return ENCODINGS[this.encodings[slot]];
  }
  isIndexed(slot: number): boolean {
    return this.chiPool[slot] !== NO_CHI;
  }

  /** Points view at the slot's CHI; false when the mask has none yet. */
  viewAt(slot: number, view: ChiView): boolean {
    const pool = this.chiPool[slot];
    if (pool === NO_CHI) return false;
    view.counts = this.pools[pool].counts;
    view.base = this.chiAt[slot] * this.stride;
    view.width = this.widths[slot];
    view.height = this.heights[slot];
    view.grid = this.config.grid;
    view.bins = this.config.bins;
    return true;
  }

  /** The column of a named box (4 numbers per image slot, NaN where absent), or undefined. */
  boxColumn(name: string): Float64Array | undefined {
    return this.boxColumns.get(name);
  }

  /** Writes the named image box scaled to the mask at slot; false when the image lacks it. */
  imageBoxRect(slot: number, name: string, out: Rect): boolean {
    return this.boxRectFromColumn(slot, this.boxColumns.get(name), out);
  }

  private boxRectFromColumn(slot: number, column: Float64Array | undefined, out: Rect): boolean {
    if (!column) return false;
    const image = this.imageSlots[slot];
    const at = image * 4;
    const x = column[at];
    if (Number.isNaN(x)) return false;
    const y = column[at + 1];
    // An image registered without a size is taken to have its mask's size.
    scaleBoxEdges(
      x,
      y,
      x + column[at + 2],
      y + column[at + 3],
      this.imageWidths[image] || this.widths[slot],
      this.imageHeights[image] || this.heights[slot],
      this.widths[slot],
      this.heights[slot],
      out,
    );
    return true;
  }

  /**
   * The named image box resolved for every mask slot: rects (4 per slot) and present (0 where the
   * image lacks the box). Cached until masks or images change, so repeated queries skip the scaling.
   */
  imageBoxRects(name: string): { rects: Int32Array; present: Uint8Array } {
    const cached = this.boxRectCache.get(name);
    if (cached && cached.version === this.geometryVersion) return cached;
    const column = this.boxColumns.get(name);
    const rects = new Int32Array(this.count * 4);
    const present = new Uint8Array(this.count);
    const rect = { x0: 0, y0: 0, x1: 0, y1: 0 };
    for (let slot = 0; slot < this.count; slot++) {
      if (this.boxRectFromColumn(slot, column, rect)) {
        present[slot] = 1;
        writeRect(rects, slot, rect);
      }
    }
    const entry = { version: this.geometryVersion, rects, present };
    this.boxRectCache.set(name, entry);
    return entry;
  }

  /** Masks with a CHI, and the bytes their counts take. */
  indexStats(): { indexed: number; bytes: number } {
    let indexed = 0;
    let bytes = 0;
    for (const pool of this.pools) {
      indexed += pool.size;
      bytes += pool.byteLength;
    }
    return { indexed, bytes };
  }

  private attachChi(slot: number, chi: Chi): void {
    const { grid, bins } = this.config;
    if (chi.grid !== grid || chi.bins !== bins) {
      throw new InvalidChiError(`CHI of mask ${this.maskIds[slot]} has grid ${chi.grid}, bins ${chi.bins}; the index uses grid ${grid}, bins ${bins}`);
    }
    if (chi.width !== this.widths[slot] || chi.height !== this.heights[slot]) {
      throw new InvalidChiError(`CHI of mask ${this.maskIds[slot]} is for ${chi.width}×${chi.height}, the mask is ${this.widths[slot]}×${this.heights[slot]}`);
    }
    const pool = POOL_BY_BYTES[countBytesFor(chi.width, chi.height)];
    if (chi.counts.BYTES_PER_ELEMENT !== this.pools[pool].counts.BYTES_PER_ELEMENT) {
      throw new InvalidChiError(`CHI of mask ${this.maskIds[slot]} stores counts in ${chi.counts.BYTES_PER_ELEMENT} bytes, expected ${this.pools[pool].counts.BYTES_PER_ELEMENT}`);
    }
    this.chiPool[slot] = pool;
    this.chiAt[slot] = this.pools[pool].add(chi.counts, slot);
  }

  private dropChi(slot: number): void {
    const pool = this.chiPool[slot];
    if (pool === NO_CHI) return;
    const moved = this.pools[pool].remove(this.chiAt[slot]);
    if (moved >= 0) this.chiAt[moved] = this.chiAt[slot];
    this.chiPool[slot] = NO_CHI;
  }

  private growMasks(capacity: number): void {
    this.maskIds = growFloat64(this.maskIds, capacity);
    this.imageSlots = growInt32(this.imageSlots, capacity);
    this.widths = growInt32(this.widths, capacity);
    this.heights = growInt32(this.heights, capacity);
    const encodings = new Uint8Array(capacity);
    encodings.set(this.encodings);
    this.encodings = encodings;
    this.chiPool = growInt32(this.chiPool, capacity);
    this.chiAt = growInt32(this.chiAt, capacity);
  }

  private growImages(capacity: number): void {
    this.imageIds = growFloat64(this.imageIds, capacity);
    this.imageWidths = growInt32(this.imageWidths, capacity);
    this.imageHeights = growInt32(this.imageHeights, capacity);
    for (const [name, column] of this.boxColumns) this.boxColumns.set(name, growFloat64(column, capacity * 4, NaN));
  }
}
