import type { Chi, ChiConfig, CountArray } from './chi.js';
import { InvalidChiError, sameConfig, validateChiConfig, configName } from './chi.js';
import type { MaskEncoding } from './mask.js';
import type { Rect } from './roi.js';
import { scaleBoxEdges, writeRect } from './roi.js';
import { SlotIndex } from './slot-index.js';

/** A named box on an image, [x, y, width, height] in image pixel coordinates. */
export type BoxTuple = readonly [number, number, number, number];

export interface ImageEntry {
  id: number;
  /** The user's own identifier; unique among images. */
  key?: string;
  /** 0 when unknown: named boxes are then read in the mask's own coordinates. */
  width: number;
  height: number;
  label?: string | null;
  split?: string | null;
  tags?: readonly string[] | null;
  boxes?: Readonly<Record<string, BoxTuple>> | null;
}

export interface MaskEntry {
  id: number;
  imageId: number;
  width: number;
  height: number;
  /** The values the mask can hold; bounds use it to tighten bins. Unknown is treated as f32 (any value). */
  encoding?: MaskEncoding;
  modelId?: number | null;
  maskType?: string;
  source?: string;
}

export const ENCODINGS: readonly MaskEncoding[] = ['u8', 'u16', 'f32'];
export const NONE = -1;

export class UnknownImageError extends Error {
  override name = 'UnknownImageError';
}

/** Strings of one column interned as small integers, so columns are typed arrays. */
export class Dictionary {
  private readonly codes = new Map<string, number>();
  readonly values: string[] = [];

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }

  /** The code of a known value, or −1. */
  find(value: string): number {
    return this.codes.get(value) ?? NONE;
  }
}

type Column = Int32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array;
type ColumnType<T extends Column> = { new (n: number): T; new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/** An n-element array of a's type; on a SharedArrayBuffer when shared. */
function allocate<T extends Column>(a: T, n: number, shared: boolean): T {
  const Type = a.constructor as ColumnType<T>;
  return shared ? new Type(new SharedArrayBuffer(n * Type.BYTES_PER_ELEMENT)) : new Type(n);
}

function grow<T extends Column>(a: T, n: number, fill = 0, shared = false): T {
  const b = allocate(a, n, shared);
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}

/**
 * The CHI counts of one level, laid out for streaming: one plane per bin b ≥ 1, and in each plane
 * a mask's cumulative counts contiguous, masks in slot order. A query reads only the planes of its
 * bin edges, and within a plane masks one after another. Grids keep the zero row and column of
 * the cumulative counts, (G + 1)² entries per mask, so any corner (i, j) is one read with no test
 * for the edges; a whole-mask histogram (grid 1) keeps its one entry.
 */
export interface LevelPlanes {
  readonly grid: number;
  readonly bins: number;
  /** Entries per mask in a plane: (G + 1)², or 1 for grid 1. */
  readonly cells: number;
  /** planes[b − 1][slot · cells + i · (G + 1) + j] for corners i, j in 0..G (grid 1: planes[b − 1][slot]). */
  readonly planes: CountArray[];
}

export const levelCells = (grid: number): number => (grid === 1 ? 1 : (grid + 1) * (grid + 1));

/**
 * Everything a table holds, each column trimmed to the slots in use, for engine/table-snapshot.ts.
 * From exportState the arrays are the table's own (valid until its next change); fromState adopts
 * the arrays it is given.
 */
export interface MaskTableState {
  readonly config: ChiConfig;
  readonly countBytes: 2 | 4;
  readonly masks: {
    readonly ids: Float64Array<ArrayBuffer>;
    readonly imageSlots: Int32Array<ArrayBuffer>;
    readonly widths: Int32Array<ArrayBuffer>;
    readonly heights: Int32Array<ArrayBuffer>;
    readonly encodings: Uint8Array<ArrayBuffer>;
    readonly indexed: Uint8Array<ArrayBuffer>;
    readonly models: Int32Array<ArrayBuffer>;
    readonly maskTypes: Int32Array<ArrayBuffer>;
    readonly sources: Int32Array<ArrayBuffer>;
  };
  /** planes[level][b − 1], slots × the level's cells entries each. */
  readonly planes: readonly (readonly CountArray[])[];
  readonly maskTypeNames: readonly string[];
  readonly sourceNames: readonly string[];
  readonly labelNames: readonly string[];
  readonly splitNames: readonly string[];
  readonly tagNames: readonly string[];
  /** Model names by id, and ids by name: after a rename the two need not be inverses. */
  readonly modelNames: readonly (readonly [number, string])[];
  readonly modelIds: readonly (readonly [string, number])[];
  readonly images: {
    readonly ids: Float64Array<ArrayBuffer>;
    readonly keys: readonly (string | undefined)[];
    /** 1 where the slot is the one its key looks up (an image deleted and imported again leaves an older slot with the key). */
    readonly keyed: Uint8Array<ArrayBuffer>;
    readonly widths: Int32Array<ArrayBuffer>;
    readonly heights: Int32Array<ArrayBuffer>;
    readonly labels: Int32Array<ArrayBuffer>;
    readonly splits: Int32Array<ArrayBuffer>;
    /** Per tag code. */
    readonly tags: readonly Uint8Array[];
    /** Per box name, 4 per image slot (NaN where the image lacks the box). */
    readonly boxes: readonly (readonly [string, Float64Array])[];
  };
}

/**
 * The lookups a table keeps beside its columns: slots by mask id, by image id and by image key
 * (the key of each slot flagged `keyed`). fromState builds them from the state's columns, unless
 * given them: a snapshot reader builds them as those columns arrive, before the CHI planes.
 */
export interface TableLookups {
  readonly masks: SlotsById;
  readonly images: SlotsById & { readonly byKey: Map<string, number> };
}

/** Slots by id, and how many ids appeared in more than one slot (a table has none). */
export interface SlotsById {
  readonly index: SlotIndex;
  readonly duplicates: number;
}

export const maskLookups = (ids: Float64Array): TableLookups['masks'] => SlotIndex.ofColumn(ids);

export function imageLookups(ids: Float64Array, keys: readonly (string | null | undefined)[], keyed: Uint8Array): TableLookups['images'] {
  const byKey = new Map<string, number>();
  for (let slot = 0; slot < keyed.length; slot++) {
    const key = keys[slot];
    if (keyed[slot] && key != null) byKey.set(key, slot);
  }
  return { ...SlotIndex.ofColumn(ids), byKey };
}

/**
 * The in-memory side of the engine: one table of masks (geometry, encoding, metadata, CHI) and
 * one of images (key, size, label, split, tags, named boxes), in columns of typed arrays
 * addressed by slot. Mask slots are dense: removing a mask moves the last one into its slot.
 */
export class MaskTable {
  readonly config: ChiConfig;
  private slotById = new SlotIndex();
  private capacity = 0;
  private count = 0;
  private maskIds = new Float64Array(0);
  private imageSlots = new Int32Array(0);
  private widths = new Int32Array(0);
  private heights = new Int32Array(0);
  private encodings = new Uint8Array(0);
  private indexed = new Uint8Array(0);
  private models = new Int32Array(0);
  private maskTypes = new Int32Array(0);
  private sources = new Int32Array(0);
  private indexedCount = 0;
  /** Counts are 16-bit until a mask of more than 65,535 pixels arrives, then 32-bit. */
  private wide = false;
  readonly levels: LevelPlanes[];

  readonly maskTypeNames = new Dictionary();
  readonly sourceNames = new Dictionary();
  readonly labelNames = new Dictionary();
  readonly splitNames = new Dictionary();
  readonly tagNames = new Dictionary();
  private readonly modelIdByName = new Map<string, number>();
  private readonly modelNameById = new Map<number, string>();

  private imageSlotById = new SlotIndex();
  private imageSlotByKey = new Map<string, number>();
  private imageCount = 0;
  private imageIds = new Float64Array(0);
  private imageKeys: (string | undefined)[] = [];
  private imageWidths = new Int32Array(0);
  private imageHeights = new Int32Array(0);
  private imageLabels = new Int32Array(0);
  private imageSplits = new Int32Array(0);
  /** Per tag code, 1 where the image slot has the tag. */
  private readonly tagColumns: Uint8Array[] = [];
  private readonly boxColumns = new Map<string, Float64Array>();

  /** The CHI planes live on SharedArrayBuffers, for worker threads to read (sharePlanes). */
  private sharedPlanes = false;
  /** Image boxes resolved to mask rectangles per box name, valid while geometry is unchanged. */
  private readonly boxRectCache = new Map<string, { version: number; rects: Int32Array; present: Uint8Array }>();
  private geometryVersion = 0;

  constructor(config: ChiConfig) {
    validateChiConfig(config);
    this.config = { levels: config.levels.map((l) => ({ grid: l.grid, bins: l.bins })) };
    this.levels = this.config.levels.map((l) => ({
      grid: l.grid,
      bins: l.bins,
      cells: levelCells(l.grid),
      planes: Array.from({ length: l.bins - 1 }, () => new Uint16Array(0)),
    }));
  }

  get size(): number {
    return this.count;
  }
  get imageSlotCount(): number {
    return this.imageCount;
  }
  /** Bumped by every change to masks or images: results computed before may be stale. */
  get version(): number {
    return this.geometryVersion;
  }

  putModel(id: number, name: string): void {
    const old = this.modelNameById.get(id);
    if (old !== undefined && this.modelIdByName.get(old) === id) this.modelIdByName.delete(old);
    this.modelIdByName.set(name, id);
    this.modelNameById.set(id, name);
    this.geometryVersion++;
  }
  hasModelId(id: number): boolean {
    return this.modelNameById.has(id);
  }
  modelNameOf(id: number): string | undefined {
    return this.modelNameById.get(id);
  }
  modelIdOf(name: string): number | undefined {
    return this.modelIdByName.get(name);
  }

  /** Adds or updates an image (boxes and tags given replace the old sets). */
  putImage(image: ImageEntry): void {
    this.geometryVersion++;
    let slot = this.imageSlotById.get(image.id);
    if (slot === NONE) {
      slot = this.imageCount++;
      if (slot === this.imageIds.length) this.growImages(Math.max(16, slot * 2));
      this.imageSlotById.set(image.id, slot);
      this.imageIds[slot] = image.id;
    }
    const oldKey = this.imageKeys[slot];
    if (oldKey !== undefined && this.imageSlotByKey.get(oldKey) === slot) this.imageSlotByKey.delete(oldKey);
    this.imageKeys[slot] = image.key;
    if (image.key !== undefined) this.imageSlotByKey.set(image.key, slot);
    this.imageWidths[slot] = image.width;
    this.imageHeights[slot] = image.height;
    this.imageLabels[slot] = image.label ? this.labelNames.code(image.label) : NONE;
    this.imageSplits[slot] = image.split ? this.splitNames.code(image.split) : NONE;
    for (const column of this.tagColumns) column[slot] = 0;
    for (const tag of image.tags ?? []) this.tagColumn(this.tagNames.code(tag))[slot] = 1;
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
  imageSlotOf(id: number): number {
    return this.imageSlotById.get(id);
  }
  imageSlotOfKey(key: string): number {
    return this.imageSlotByKey.get(key) ?? NONE;
  }
  imageIdOfSlot(imageSlot: number): number {
    return this.imageIds[imageSlot];
  }
  /** Label codes per image slot (−1: none); read through labelNames. */
  get labelColumn(): Int32Array {
    return this.imageLabels;
  }
  get splitColumn(): Int32Array {
    return this.imageSplits;
  }
  /** 1 per image slot that has the tag, or undefined for a tag no image ever had. */
  tagColumnOf(tag: string): Uint8Array | undefined {
    const code = this.tagNames.find(tag);
    return code === NONE ? undefined : this.tagColumns[code];
  }

  /** Adds a mask, or replaces one with the same id; without a CHI it is verified when queried. */
  putMask(entry: MaskEntry, chi?: Chi | null): void {
    const imageSlot = this.imageSlotById.get(entry.imageId);
    if (imageSlot === NONE) throw new UnknownImageError(`mask ${entry.id}: image ${entry.imageId} is not in the index`);
    if (chi) this.checkChi(entry, chi);
    this.geometryVersion++;
    let slot = this.slotById.get(entry.id);
    if (slot === NONE) {
      slot = this.count++;
      if (slot === this.capacity) this.growMasks(Math.max(16, slot * 2));
      this.slotById.set(entry.id, slot);
      this.maskIds[slot] = entry.id;
    } else if (this.indexed[slot]) {
      this.indexed[slot] = 0;
      this.indexedCount--;
    }
    this.imageSlots[slot] = imageSlot;
    this.widths[slot] = entry.width;
    this.heights[slot] = entry.height;
    this.encodings[slot] = ENCODINGS.indexOf(entry.encoding ?? 'f32');
    this.models[slot] = entry.modelId ?? NONE;
    this.maskTypes[slot] = this.maskTypeNames.code(entry.maskType ?? '');
    this.sources[slot] = this.sourceNames.code(entry.source ?? '');
    if (chi) this.writeChi(slot, chi);
  }

  /** Attaches a CHI built later (incremental indexing); false when the mask is gone or changed size. */
  setChi(id: number, chi: Chi): boolean {
    const slot = this.slotById.get(id);
    if (slot === NONE || chi.width !== this.widths[slot] || chi.height !== this.heights[slot]) return false;
    this.checkChi({ id, width: chi.width, height: chi.height }, chi);
    this.geometryVersion++;
    this.writeChi(slot, chi);
    return true;
  }

  removeMask(id: number): boolean {
    const slot = this.slotById.get(id);
    if (slot === NONE) return false;
    this.geometryVersion++;
    if (this.indexed[slot]) this.indexedCount--;
    this.slotById.delete(id);
    const last = --this.count;
    if (slot !== last) {
      this.maskIds[slot] = this.maskIds[last];
      this.imageSlots[slot] = this.imageSlots[last];
      this.widths[slot] = this.widths[last];
      this.heights[slot] = this.heights[last];
      this.encodings[slot] = this.encodings[last];
      this.indexed[slot] = this.indexed[last];
      this.models[slot] = this.models[last];
      this.maskTypes[slot] = this.maskTypes[last];
      this.sources[slot] = this.sources[last];
      for (const { cells, planes } of this.levels) {
        for (const plane of planes) plane.copyWithin(slot * cells, last * cells, (last + 1) * cells);
      }
      this.slotById.set(this.maskIds[slot], slot);
    }
    this.indexed[last] = 0;
    return true;
  }

  hasMask(id: number): boolean {
    return this.slotById.has(id);
  }
  /** The slot of a mask id, or −1. */
  slotOf(id: number): number {
    return this.slotById.get(id);
  }
  idAt(slot: number): number {
    return this.maskIds[slot];
  }
  imageIdAt(slot: number): number {
    return this.imageIds[this.imageSlots[slot]];
  }
  imageSlotAt(slot: number): number {
    return this.imageSlots[slot];
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
    return this.indexed[slot] === 1;
  }
  modelIdAt(slot: number): number | null {
    return this.models[slot] === NONE ? null : this.models[slot];
  }
  maskTypeAt(slot: number): string {
    return this.maskTypeNames.values[this.maskTypes[slot]];
  }
  sourceAt(slot: number): string {
    return this.sourceNames.values[this.sources[slot]];
  }

  /** The raw columns, for loops over many slots; valid until the next change. */
  columns() {
    return {
      ids: this.maskIds,
      imageSlots: this.imageSlots,
      widths: this.widths,
      heights: this.heights,
      encodings: this.encodings,
      indexed: this.indexed,
      models: this.models,
      maskTypes: this.maskTypes,
      sources: this.sources,
    };
  }

  /** Whether any image was ever given a box of this name. */
  hasBoxName(name: string): boolean {
    return this.boxColumns.has(name);
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

  /** Masks with a CHI, and the bytes the index holds in memory for them (counts with their zero row and column). */
  indexStats(): { indexed: number; bytes: number } {
    return { indexed: this.indexedCount, bytes: this.indexedCount * this.bytesPerMask };
  }

  /** In-memory index bytes per mask. */
  get bytesPerMask(): number {
    return this.levels.reduce((n, l) => n + l.cells * (l.bins - 1), 0) * (this.wide ? 4 : 2);
  }

  /** Bytes per count in the planes. */
  get countBytes(): 2 | 4 {
    return this.wide ? 4 : 2;
  }

  /** The table's columns and dictionaries as they are now, without copying; see MaskTableState. */
  exportState(): MaskTableState {
    const n = this.count;
    const m = this.imageCount;
    const keys = this.imageKeys.slice(0, m);
    const keyed = new Uint8Array(m);
    keys.forEach((key, slot) => (keyed[slot] = key !== undefined && this.imageSlotByKey.get(key) === slot ? 1 : 0));
    return {
      config: this.config,
      countBytes: this.countBytes,
      masks: {
        ids: this.maskIds.subarray(0, n),
        imageSlots: this.imageSlots.subarray(0, n),
        widths: this.widths.subarray(0, n),
        heights: this.heights.subarray(0, n),
        encodings: this.encodings.subarray(0, n),
        indexed: this.indexed.subarray(0, n),
        models: this.models.subarray(0, n),
        maskTypes: this.maskTypes.subarray(0, n),
        sources: this.sources.subarray(0, n),
      },
      planes: this.levels.map(({ cells, planes }) => planes.map((plane) => plane.subarray(0, n * cells))),
      maskTypeNames: this.maskTypeNames.values,
      sourceNames: this.sourceNames.values,
      labelNames: this.labelNames.values,
      splitNames: this.splitNames.values,
      tagNames: this.tagNames.values,
      modelNames: [...this.modelNameById],
      modelIds: [...this.modelIdByName],
      images: {
        ids: this.imageIds.subarray(0, m),
        keys,
        keyed,
        widths: this.imageWidths.subarray(0, m),
        heights: this.imageHeights.subarray(0, m),
        labels: this.imageLabels.subarray(0, m),
        splits: this.imageSplits.subarray(0, m),
        tags: this.tagColumns.map((column) => column.subarray(0, m)),
        boxes: [...this.boxColumns].map(([name, column]) => [name, column.subarray(0, m * 4)] as const),
      },
    };
  }

  /**
   * A table holding `state`, which it adopts (the arrays become its columns). The state must be
   * consistent as exportState gives it (engine/table-snapshot.ts checks what it reads before this);
   * a RangeError says which ids repeat. `lookups`, when given, are those of state's own columns.
   */
  static fromState(state: MaskTableState, lookups?: Partial<TableLookups>): MaskTable {
    const table = new MaskTable(state.config);
    const { masks, images } = state;
    const n = masks.ids.length;
    const m = images.ids.length;
    table.count = table.capacity = n;
    table.maskIds = masks.ids;
    table.imageSlots = masks.imageSlots;
    table.widths = masks.widths;
    table.heights = masks.heights;
    table.encodings = masks.encodings;
    table.indexed = masks.indexed;
    table.models = masks.models;
    table.maskTypes = masks.maskTypes;
    table.sources = masks.sources;
    table.wide = state.countBytes === 4;
    table.levels.forEach((level, l) => state.planes[l].forEach((plane, b) => (level.planes[b] = plane)));
    const maskSlots = lookups?.masks ?? maskLookups(masks.ids);
    if (maskSlots.duplicates > 0) throw new RangeError('a mask id appears in two slots');
    table.slotById = maskSlots.index;
    for (let slot = 0; slot < n; slot++) table.indexedCount += masks.indexed[slot];
    for (const name of state.maskTypeNames) table.maskTypeNames.code(name);
    for (const name of state.sourceNames) table.sourceNames.code(name);
    for (const name of state.labelNames) table.labelNames.code(name);
    for (const name of state.splitNames) table.splitNames.code(name);
    for (const name of state.tagNames) table.tagNames.code(name);
    for (const [id, name] of state.modelNames) table.modelNameById.set(id, name);
    for (const [name, id] of state.modelIds) table.modelIdByName.set(name, id);
    table.imageCount = m;
    table.imageIds = images.ids;
    table.imageKeys = [...images.keys];
    table.imageWidths = images.widths;
    table.imageHeights = images.heights;
    table.imageLabels = images.labels;
    table.imageSplits = images.splits;
    table.tagColumns.push(...images.tags);
    for (const [name, column] of images.boxes) table.boxColumns.set(name, column);
    const imageSlots = lookups?.images ?? imageLookups(images.ids, images.keys, images.keyed);
    if (imageSlots.duplicates > 0) throw new RangeError('an image id appears in two slots');
    table.imageSlotById = imageSlots.index;
    table.imageSlotByKey = imageSlots.byKey;
    table.geometryVersion = 1;
    return table;
  }

  private checkChi(entry: { id: number; width: number; height: number }, chi: Chi): void {
    if (!sameConfig(chi, this.config)) {
      throw new InvalidChiError(`CHI of mask ${entry.id} has levels ${configName(chi)}; the index uses ${configName(this.config)}`);
    }
    if (chi.width !== entry.width || chi.height !== entry.height) {
      throw new InvalidChiError(`CHI of mask ${entry.id} is for ${chi.width}×${chi.height}, the mask is ${entry.width}×${entry.height}`);
    }
  }

  private writeChi(slot: number, chi: Chi): void {
    if (!this.wide && chi.width * chi.height > 0xffff) this.widen();
    this.levels.forEach((level, l) => {
      const { grid: G, bins: B, planes, cells } = level;
      const counts = chi.counts[l];
      const at = slot * cells;
      const stride = G === 1 ? 1 : G + 1;
      const first = G === 1 ? 0 : stride + 1;
      for (let b = 1; b < B; b++) {
        const plane = planes[b - 1];
        // Stored entry (i, j) for i, j in 1..G goes to corner (i, j); row 0 and column 0 stay zero.
        for (let i = 0, k = b - 1; i < G; i++) {
          const row = at + first + i * stride;
          for (let j = 0; j < G; j++, k += B - 1) plane[row + j] = counts[k];
        }
      }
    });
    if (!this.indexed[slot]) this.indexedCount++;
    this.indexed[slot] = 1;
  }

  private widen(): void {
    this.wide = true;
    for (const level of this.levels) {
      level.planes.forEach((plane, i) => {
        const wide = allocate(new Uint32Array(0), plane.length, this.sharedPlanes);
        wide.set(plane);
        level.planes[i] = wide;
      });
    }
  }

  /**
   * Moves the CHI planes onto SharedArrayBuffers, where they stay as the table grows, so that a
   * worker thread reads them in place (engine/verify-thread.ts); the counts are unchanged.
   */
  sharePlanes(): void {
    if (this.sharedPlanes) return;
    this.sharedPlanes = true;
    for (const level of this.levels) level.planes.forEach((plane, i) => (level.planes[i] = grow(plane, plane.length, 0, true)));
  }

  get planesShared(): boolean {
    return this.sharedPlanes;
  }

  private tagColumn(code: number): Uint8Array {
    while (this.tagColumns.length <= code) this.tagColumns.push(new Uint8Array(this.imageIds.length));
    return this.tagColumns[code];
  }

  private growMasks(capacity: number): void {
    this.capacity = capacity;
    this.maskIds = grow(this.maskIds, capacity);
    this.imageSlots = grow(this.imageSlots, capacity);
    this.widths = grow(this.widths, capacity);
    this.heights = grow(this.heights, capacity);
    this.encodings = grow(this.encodings, capacity);
    this.indexed = grow(this.indexed, capacity);
    this.models = grow(this.models, capacity);
    this.maskTypes = grow(this.maskTypes, capacity);
    this.sources = grow(this.sources, capacity);
    for (const level of this.levels) level.planes.forEach((plane, i) => (level.planes[i] = grow(plane, capacity * level.cells, 0, this.sharedPlanes)));
  }

  private growImages(capacity: number): void {
    this.imageIds = grow(this.imageIds, capacity);
    this.imageWidths = grow(this.imageWidths, capacity);
    this.imageHeights = grow(this.imageHeights, capacity);
    this.imageLabels = grow(this.imageLabels, capacity, NONE);
    this.imageSplits = grow(this.imageSplits, capacity, NONE);
    this.tagColumns.forEach((column, i) => (this.tagColumns[i] = grow(column, capacity)));
    for (const [name, column] of this.boxColumns) this.boxColumns.set(name, grow(column, capacity * 4, NaN));
  }
}
