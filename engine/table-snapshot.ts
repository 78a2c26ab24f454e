import { compressFrame, decompressFrame, decompressFrameSync } from 'lz4-napi';
import type { ChiConfig, CountArray } from './chi.js';
import { InvalidChiError, validateChiConfig } from './chi.js';
import type { MaskTableState, TableLookups } from './mask-table.js';
import { ENCODINGS, MaskTable, NONE, imageLookups, levelCells, maskLookups } from './mask-table.js';
import { shuffle, unshuffle, type ElementArray } from './snapshot-filters.js';

/**
 * A MaskTable as one byte string, read back without rebuilding anything per mask: a small JSON
 * header with the dictionaries and image keys, then the table's columns and CHI planes, each
 * shuffled or not (snapshot-filters.ts), then cut into LZ4 frames. Little-endian:
 *
 *   0   8 bytes  magic "MSKTABLE"
 *   8   u32      format version (TABLE_SNAPSHOT_VERSION)
 *   12  u32      header length H (decoded)
 *   16  f64      total length, as stored
 *   24  u32      frame length F: bytes of a section each frame decodes to (a section's last frame: the rest)
 *   28           frames: the header (H bytes of JSON), then each column in a fixed order (see
 *                sections()); a section of L bytes is ⌈L / F⌉ frames, each a u32 stored length
 *                and an LZ4 frame (the LZ4 frame format) with a checksum of every block
 *
 * The block checksums (xxHash32) cover what is stored, so damage is found without trusting the
 * decoder with it, and they are verified on libuv's threads by the decoder itself, where a
 * checksum over the whole stream took the main thread half a second at 1,000,000 masks. Every
 * frame's flags are checked to ask for them, and its decoded length against the section it
 * belongs to. A reader checks the magic, the version, every length, every frame, and every code
 * in the columns against its dictionary before it builds a table: a truncated or corrupt snapshot
 * is refused with a TableSnapshotError saying what is wrong, never half-read.
 *
 * Version 1 stored the columns as they lie in memory, uncompressed (1,800 B per 224×224 mask);
 * version 2 as LZ4 blocks, with a CRC-32 of the stored bytes in the preamble.
 */
export const TABLE_SNAPSHOT_VERSION = 3;

const MAGIC = 'MSKTABLE';
const PREAMBLE_BYTES = 28;
/**
 * Decoded bytes per frame: at most one frame per column up to 256 MiB (a G8B8 plane of 1,000,000
 * masks is 162 MB), so that a column whose frame decodes alone adopts the decoded buffer as it is.
 * Smaller frames would cost the main thread a copy into the column and a fresh buffer for each.
 * Columns still decode while later ones arrive.
 */
export const SNAPSHOT_FRAME_BYTES = 256 << 20;
const MAX_FRAME_BYTES = 1 << 30;
/**
 * An LZ4 frame of F bytes is at most this long: its 7-byte header and 4-byte end mark, and blocks
 * of at least 64 KiB, each stored raw when it does not compress, with a 4-byte length and checksum.
 */
const maxStoredFrame = (frameBytes: number) => 11 + frameBytes + 8 * Math.ceil(frameBytes / (64 << 10) + 1);
/** What the frames are asked for: LZ4 frame format version 01 (FLG bits 7–6) and block checksums (bit 4). */
const FRAME_OPTIONS = { blockChecksums: true } as const;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION = 0x40;
const FLG_BLOCK_CHECKSUMS = 0x10;
/** Frames being decoded at once while reading: enough to keep libuv's threads busy, few enough to bound the memory held. */
const FRAMES_IN_FLIGHT = 4;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export class TableSnapshotError extends Error {
  override name = 'TableSnapshotError';
}

/** The snapshot is well-formed but in a format version this code does not read (older or newer). */
export class TableSnapshotVersionError extends TableSnapshotError {
  override name = 'TableSnapshotVersionError';
  constructor(readonly version: number) {
    super(`the table snapshot is in format version ${version}; this MaskSearch reads version ${TABLE_SNAPSHOT_VERSION}`);
  }
}

interface Header {
  config: ChiConfig;
  countBytes: 2 | 4;
  masks: number;
  images: number;
  maskTypeNames: string[];
  sourceNames: string[];
  labelNames: string[];
  splitNames: string[];
  tagNames: string[];
  modelNames: [number, string][];
  modelIds: [string, number][];
  imageKeys: (string | null)[];
  boxNames: string[];
}

type ColumnArray = Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Uint16Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;
type ColumnType = new (length: number) => ColumnArray;
type ViewType = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ColumnArray;

/**
 * How a column's bytes are stored before LZ4 (snapshot-filters.ts): shuffled (the float64 and
 * int32 columns, whose high bytes then form runs), or as they are (the single bytes, and the CHI
 * planes, whose runs of equal counts LZ4 finds as they are; measured in docs/snapshots.md).
 */
type Filter = 'none' | 'shuffle';

/** One column of the body: what it is (for error messages), its element type, length and filter. */
interface Section {
  name: string;
  type: ColumnType;
  length: number;
  filter: Filter;
}

const byteLengthOf = (s: Section): number => s.length * (s.type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;

/**
 * The levels in the order their planes are stored: the most cells per mask first (G8B8's planes
 * are frames of 162 MB at 1,000,000 masks, G1B256's of 2 MB), so that the frames still decoding
 * when the last bytes arrive are small ones.
 */
const planeOrder = (levels: ChiConfig['levels']): number[] =>
  levels.map((_, l) => l).sort((a, b) => levelCells(levels[b].grid) - levelCells(levels[a].grid) || a - b);

const MASK_IDS = 'mask ids';
const IMAGE_IDS = 'image ids';
const IMAGE_KEY_FLAGS = 'image key flags';

/**
 * The body's columns, in order; both sides derive it from the header alone. Every column of
 * masks and images comes before the CHI planes (nine tenths of the bytes), so that a reader
 * builds the lookups by id and key while the planes are still arriving.
 */
function sections(h: Header): Section[] {
  const n = h.masks;
  const m = h.images;
  const countType = h.countBytes === 4 ? Uint32Array : Uint16Array;
  return [
    { name: MASK_IDS, type: Float64Array, length: n, filter: 'shuffle' },
    { name: 'mask image slots', type: Int32Array, length: n, filter: 'shuffle' },
    { name: 'mask widths', type: Int32Array, length: n, filter: 'shuffle' },
    { name: 'mask heights', type: Int32Array, length: n, filter: 'shuffle' },
    { name: 'mask models', type: Int32Array, length: n, filter: 'shuffle' },
    { name: 'mask types', type: Int32Array, length: n, filter: 'shuffle' },
    { name: 'mask sources', type: Int32Array, length: n, filter: 'shuffle' },
    { name: 'mask encodings', type: Uint8Array, length: n, filter: 'none' },
    { name: 'mask indexed flags', type: Uint8Array, length: n, filter: 'none' },
    { name: IMAGE_IDS, type: Float64Array, length: m, filter: 'shuffle' },
    { name: 'image widths', type: Int32Array, length: m, filter: 'shuffle' },
    { name: 'image heights', type: Int32Array, length: m, filter: 'shuffle' },
    { name: 'image labels', type: Int32Array, length: m, filter: 'shuffle' },
    { name: 'image splits', type: Int32Array, length: m, filter: 'shuffle' },
    { name: IMAGE_KEY_FLAGS, type: Uint8Array, length: m, filter: 'none' },
    ...h.tagNames.map((tag): Section => ({ name: `tag '${tag}'`, type: Uint8Array, length: m, filter: 'none' })),
    ...h.boxNames.map((box): Section => ({ name: `box '${box}'`, type: Float64Array, length: m * 4, filter: 'shuffle' })),
    ...planeOrder(h.config.levels).flatMap((l) =>
      Array.from({ length: h.config.levels[l].bins - 1 }, (_, b): Section => ({ name: `level ${l} plane ${b + 1}`, type: countType, length: n * levelCells(h.config.levels[l].grid), filter: 'none' })),
    ),
  ];
}

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new TableSnapshotError('table snapshots are little-endian; this host is big-endian');
}

export interface TableSnapshotBytes {
  /** The snapshot, as parts to be written one after another. */
  readonly parts: readonly Uint8Array[];
  readonly byteLength: number;
}

export interface SnapshotOptions {
  /** Decoded bytes per frame (default SNAPSHOT_FRAME_BYTES); tests use small ones. */
  frameBytes?: number;
}

/**
 * The table as a snapshot. Every column is copied before this yields to other work, so the table
 * may change as soon as it is called while the parts are compressed and written out.
 */
export async function snapshotTable(table: MaskTable, options?: SnapshotOptions): Promise<TableSnapshotBytes> {
  const steps = snapshotSteps(table, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await step.value;
  }
}

/** Decoded bytes handed to LZ4 before snapshotSteps yields. */
const STEP_BYTES = 16 << 20;

const viewOf = (column: ArrayBufferView): Uint8Array => new Uint8Array(column.buffer, column.byteOffset, column.byteLength);

/**
 * The same snapshot, in steps, so that a caller can let other work run between them: each step
 * copies (and filters) a few columns, STEP_BYTES or so, or one larger column, and yields a promise
 * that settles once libuv's threads have compressed them; the caller resumes the generator after
 * it. The generator returns the snapshot.
 * Between steps the table may only gain CHIs (setChi, as queries index masks): the first step
 * copies every mask column, the indexed flags among them, so a mask indexed later is not indexed
 * in the snapshot, whatever its planes then hold. Any other change must wait for the last step.
 */
export function* snapshotSteps(table: MaskTable, options?: SnapshotOptions): Generator<Promise<void>, TableSnapshotBytes> {
  requireLittleEndian();
  const frameBytes = options?.frameBytes ?? SNAPSHOT_FRAME_BYTES;
  if (!Number.isSafeInteger(frameBytes) || frameBytes < 1 || frameBytes > MAX_FRAME_BYTES) throw new RangeError(`frameBytes ${frameBytes} is not in 1..${MAX_FRAME_BYTES}`);
  const state = table.exportState();
  const header: Header = {
    config: { levels: state.config.levels.map((l) => ({ grid: l.grid, bins: l.bins })) },
    countBytes: state.countBytes,
    masks: state.masks.ids.length,
    images: state.images.ids.length,
    maskTypeNames: [...state.maskTypeNames],
    sourceNames: [...state.sourceNames],
    labelNames: [...state.labelNames],
    splitNames: [...state.splitNames],
    tagNames: [...state.tagNames],
    modelNames: state.modelNames.map(([id, name]) => [id, name]),
    modelIds: state.modelIds.map(([name, id]) => [name, id]),
    imageKeys: state.images.keys.map((key) => key ?? null),
    boxNames: state.images.boxes.map(([name]) => name),
  };
  const { masks, images } = state;
  const maskColumns: ElementArray[] = [masks.ids, masks.imageSlots, masks.widths, masks.heights, masks.models, masks.maskTypes, masks.sources, masks.encodings, masks.indexed];
  const laterColumns: ElementArray[] = [
    images.ids,
    images.widths,
    images.heights,
    images.labels,
    images.splits,
    images.keyed,
    ...images.tags,
    ...images.boxes.map(([, column]) => column),
    // The planes as exportState gave them: a table widened to 32-bit counts meanwhile writes new arrays.
    ...planeOrder(state.config.levels).flatMap((l) => state.planes[l]),
  ];
  const layout = sections(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Each frame is two parts, its stored length and its block, filled in as libuv compresses it.
  const parts: Uint8Array[] = [new Uint8Array(PREAMBLE_BYTES)];
  let compressing: Promise<void>[] = [];
  /** `bytes` is this snapshot's own copy: LZ4 reads it on another thread while the table may change. */
  const frame = (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; at += frameBytes) {
      const slot = parts.length;
      parts.push(new Uint8Array(4), new Uint8Array(0));
      compressing.push(
        compressFrame(bytes.subarray(at, at + frameBytes), FRAME_OPTIONS).then((block) => {
          new DataView(parts[slot].buffer).setUint32(0, block.length, true);
          parts[slot + 1] = block;
        }),
      );
    }
  };
  const store = (column: ElementArray, section: Section) => {
    frame(section.filter === 'shuffle' ? shuffle(column) : viewOf(column).slice());
    return column.byteLength;
  };
  const compressed = () => {
    const step = Promise.all(compressing).then(() => {});
    compressing = [];
    return step;
  };
  frame(json);
  maskColumns.forEach((column, i) => store(column, layout[i]));
  yield compressed();
  let sinceYield = 0;
  for (const [i, column] of laterColumns.entries()) {
    sinceYield += store(column, layout[maskColumns.length + i]);
    if (sinceYield >= STEP_BYTES) {
      sinceYield = 0;
      yield compressed();
    }
  }
  yield compressed();
  const byteLength = parts.reduce((total, p) => total + p.length, 0);
  const preamble = new DataView(parts[0].buffer);
  for (let i = 0; i < MAGIC.length; i++) preamble.setUint8(i, MAGIC.charCodeAt(i));
  preamble.setUint32(8, TABLE_SNAPSHOT_VERSION, true);
  preamble.setUint32(12, json.length, true);
  preamble.setFloat64(16, byteLength, true);
  preamble.setUint32(24, frameBytes, true);
  return { parts, byteLength };
}

/** The table in a snapshot held whole in memory; see TableSnapshotReader. */
export async function tableFromSnapshot(bytes: Uint8Array): Promise<MaskTable> {
  const reader = new TableSnapshotReader();
  await reader.push(bytes);
  return reader.finish();
}

interface Preamble {
  headerBytes: number;
  total: number;
  frameBytes: number;
}

/** Where a frame's decoded bytes go: section −1 is the header. */
interface FrameTarget {
  section: number;
  offset: number;
  length: number;
}

/**
 * Reads a snapshot as it arrives, in pieces of any size: each frame is checked and decoded on
 * libuv's threads while later ones arrive, then written into the column it belongs to (a shuffled
 * column through a scratch copy, unshuffled once the column is whole). `push` waits only when
 * FRAMES_IN_FLIGHT frames are still decoding; `finish` checks that everything arrived intact and
 * returns the table.
 */
export class TableSnapshotReader {
  private received = 0;
  private preamble: Preamble | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private headerBytes: Uint8Array | undefined;
  private header: Header | undefined;
  private layout: Section[] = [];
  /** Each section's column once its bytes are in (undefined until then). */
  private columns: (ColumnArray | undefined)[] = [];
  /** Filtered columns' stored bytes, until the column is whole. */
  private scratch: (Uint8Array | undefined)[] = [];
  /** Bytes of each section decoded so far. */
  private filled: number[] = [];
  /** Where the next frame goes. */
  private next: FrameTarget = { section: -1, offset: 0, length: 0 };
  /** Frames decoding, oldest first; each settles once its bytes are in place (or the read failed). */
  private inFlight: Promise<void>[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure: TableSnapshotError | undefined;
  private frames = 0;
  /** Built as soon as the columns they index are in, while the planes are still arriving. */
  private lookups: { -readonly [K in keyof TableLookups]?: TableLookups[K] } = {};

  constructor() {
    requireLittleEndian();
  }

  /** The snapshot's total length once its preamble has arrived. */
  get byteLength(): number | undefined {
    return this.preamble?.total;
  }

  async push(piece: Uint8Array): Promise<void> {
    if (this.preamble && this.received + piece.length > this.preamble.total) {
      throw new TableSnapshotError(`the table snapshot has more bytes than the ${this.preamble.total} its header gives`);
    }
    this.received += piece.length;
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (!this.preamble) {
      if (this.pendingBytes < PREAMBLE_BYTES) return;
      this.preamble = readPreamble(this.take(PREAMBLE_BYTES));
      if (this.received > this.preamble.total) throw new TableSnapshotError(`the table snapshot has more bytes than the ${this.preamble.total} its header gives`);
      this.next = { section: -1, offset: 0, length: Math.min(this.preamble.frameBytes, this.preamble.headerBytes) };
      this.headerBytes = new Uint8Array(this.preamble.headerBytes);
    }
    const preamble = this.preamble;
    while (this.pendingBytes >= 4) {
      const stored = this.peekLength();
      if (stored < 4 || stored > maxStoredFrame(preamble.frameBytes)) {
        throw new TableSnapshotError(`the table snapshot is corrupt: frame ${this.frames} is ${stored} bytes long; a frame of ${preamble.frameBytes} bytes takes 4 to ${maxStoredFrame(preamble.frameBytes)}`);
      }
      if (this.pendingBytes < 4 + stored) break;
      this.take(4);
      this.frame(this.take(stored));
      while (this.inFlight.length > FRAMES_IN_FLIGHT) await this.inFlight.shift();
    }
  }

  async finish(): Promise<MaskTable> {
    await this.tail;
    const total = this.preamble?.total;
    if (total === undefined || this.received < total) {
      throw new TableSnapshotError(`the table snapshot is truncated: ${this.received} bytes of ${total ?? `at least ${PREAMBLE_BYTES}`}`);
    }
    if (this.failure) throw this.failure;
    if (!this.header || this.next.section < this.layout.length || this.pendingBytes > 0) {
      throw new TableSnapshotError(`the table snapshot ends inside its frames: ${this.header ? `${this.next.section} of ${this.layout.length} columns` : 'its header'} complete`);
    }
    return buildTable(this.header, this.columns as ColumnArray[], this.lookups);
  }

  /** The stored length of the next frame, from the first 4 pending bytes. */
  private peekLength(): number {
    const head = this.pending[0];
    const bytes = head.length >= 4 ? head : this.peek(4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }

  private peek(bytes: number): Uint8Array {
    const out = this.take(bytes);
    this.pending.unshift(out);
    this.pendingBytes += bytes;
    return out;
  }

  /**
   * The first `bytes` pending bytes, as one array: a view when they lie in one piece (a frame
   * always does in the chunk rows of db/repositories/table-snapshots.ts), else a copy.
   */
  private take(bytes: number): Uint8Array {
    const head = this.pending[0];
    if (head.length >= bytes) {
      if (head.length === bytes) this.pending.shift();
      else this.pending[0] = head.subarray(bytes);
      this.pendingBytes -= bytes;
      return head.subarray(0, bytes);
    }
    // Not zero-filled: every byte is written below.
    const out: Uint8Array = Buffer.allocUnsafeSlow(bytes);
    let at = 0;
    while (at < bytes) {
      const first = this.pending[0];
      const n = Math.min(first.length, bytes - at);
      out.set(first.subarray(0, n), at);
      at += n;
      if (n === first.length) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    }
    this.pendingBytes -= bytes;
    return out;
  }

  /** One stored frame: the header's decoded at once (the layout depends on it), the columns' on libuv's threads. */
  private frame(block: Uint8Array): void {
    const target = this.next;
    if (target.section >= this.layout.length && this.header) {
      throw new TableSnapshotError(`the table snapshot is corrupt: it has more frames than the ${this.frames} its columns take`);
    }
    const index = this.frames++;
    // The header checksum covers the flags, but only 8 bits of it: a frame must ask for its block checksums.
    const flags = block.length > 4 ? block[4] : 0;
    if ((flags & FLG_VERSION_MASK) !== FLG_VERSION || !(flags & FLG_BLOCK_CHECKSUMS)) {
      throw new TableSnapshotError(`the table snapshot is corrupt: frame ${index} (${this.describe(target)}) has flags 0x${flags.toString(16)}, not an LZ4 frame with block checksums`);
    }
    if (target.section >= 0) this.startColumn(target);
    this.advance();
    if (target.section < 0) {
      let bytes: Uint8Array;
      try {
        bytes = decompressFrameSync(Buffer.from(block.buffer, block.byteOffset, block.length));
      } catch (error) {
        throw new TableSnapshotError(`the table snapshot is corrupt: frame ${index} (its header) does not decode: ${(error as Error).message}`);
      }
      this.place(bytes, target, index);
      if (target.offset + target.length === this.headerBytes!.length) this.parseHeader();
      return;
    }
    // Placed in order, after every earlier frame; the first failure is kept for finish.
    const placed = Promise.all([decompressFrame(block), this.tail])
      .then(([bytes]) => {
        if (!this.failure) this.place(bytes, target, index);
      })
      .catch((error: unknown) => {
        this.failure ??= error instanceof TableSnapshotError ? error : new TableSnapshotError(`the table snapshot is corrupt: frame ${index} (${this.describe(target)}) does not decode: ${(error as Error).message}`);
      });
    this.tail = placed;
    this.inFlight.push(placed);
  }

  private describe(target: FrameTarget): string {
    return target.section < 0 ? 'header' : `${this.layout[target.section].name} at byte ${target.offset}`;
  }

  /** Moves `next` past the frame it points at, skipping columns of no bytes. */
  private advance(): void {
    const { section, offset, length } = this.next;
    const frameBytes = this.preamble!.frameBytes;
    const size = section < 0 ? this.headerBytes!.length : byteLengthOf(this.layout[section]);
    if (offset + length < size) {
      this.next = { section, offset: offset + length, length: Math.min(frameBytes, size - offset - length) };
      return;
    }
    // The layout is known only once the header is in: until then the next frame is the first column's.
    let s = section + 1;
    if (this.header) while (s < this.layout.length && byteLengthOf(this.layout[s]) === 0) this.startColumn({ section: s++, offset: 0, length: 0 });
    const first = s < this.layout.length ? Math.min(frameBytes, byteLengthOf(this.layout[s])) : 0;
    this.next = { section: s, offset: 0, length: first };
  }

  /** Marks a section begun; its column is made when its bytes arrive (an empty one: now). */
  private startColumn({ section, offset }: FrameTarget): void {
    if (offset > 0 || this.filled.length > section) return;
    this.filled.push(0);
    this.scratch.push(undefined);
    const s = this.layout[section];
    this.columns.push(s.length === 0 ? new s.type(0) : undefined);
  }

  private place(bytes: Uint8Array, target: FrameTarget, index: number): void {
    if (bytes.length !== target.length) {
      throw new TableSnapshotError(`the table snapshot is corrupt: frame ${index} decoded to ${bytes.length} bytes, not ${target.length}`);
    }
    if (target.section < 0) {
      this.headerBytes!.set(bytes, target.offset);
      return;
    }
    const section = target.section;
    const s = this.layout[section];
    const size = byteLengthOf(s);
    const whole = target.length === size;
    if (s.filter === 'none') {
      // A column in one frame is the decoded buffer itself (lz4-napi's are fresh and start their memory); else a copy.
      const width = size / s.length;
      if (whole && bytes.byteOffset % width === 0) this.columns[section] = new (s.type as unknown as ViewType)(bytes.buffer as ArrayBuffer, bytes.byteOffset, s.length);
      else viewOf((this.columns[section] ??= new s.type(s.length))).set(bytes, target.offset);
    } else if (whole) this.scratch[section] = bytes;
    else (this.scratch[section] ??= new Uint8Array(size)).set(bytes, target.offset);
    this.filled[section] += bytes.length;
    if (this.filled[section] < size) return;
    if (s.filter !== 'none') this.unfilter(section, this.scratch[section]!);
    this.lookUp(s.name);
  }

  /** The lookups a column just completed gives (columns complete in order: image ids before key flags). */
  private lookUp(name: string): void {
    try {
      if (name === MASK_IDS) this.lookups.masks = maskLookups(this.columnNamed(MASK_IDS) as Float64Array);
      if (name === IMAGE_KEY_FLAGS) this.lookups.images = imageLookups(this.columnNamed(IMAGE_IDS) as Float64Array, this.header!.imageKeys, this.columnNamed(IMAGE_KEY_FLAGS) as Uint8Array);
    } catch (error) {
      if (error instanceof RangeError) throw new TableSnapshotError(`the table snapshot is inconsistent: ${error.message}`);
      throw error;
    }
  }

  private columnNamed(name: string): ColumnArray {
    return this.columns[this.layout.findIndex((s) => s.name === name)]!;
  }

  private unfilter(section: number, scratch: Uint8Array): void {
    const s = this.layout[section];
    const column = new s.type(s.length);
    unshuffle(scratch, column);
    this.columns[section] = column;
    this.scratch[section] = undefined;
  }

  private parseHeader(): void {
    const header = parseHeader(this.headerBytes!);
    this.header = header;
    this.layout = sections(header);
    this.next = { section: -1, offset: this.headerBytes!.length, length: 0 };
    this.advance();
  }
}

function readPreamble(bytes: Uint8Array): Preamble {
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new TableSnapshotError(`not a MaskSearch table snapshot: it starts with ${JSON.stringify(magic)}, not "${MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== TABLE_SNAPSHOT_VERSION) throw new TableSnapshotVersionError(version);
  const headerBytes = view.getUint32(12, true);
  const total = view.getFloat64(16, true);
  const frameBytes = view.getUint32(24, true);
  if (frameBytes < 1 || frameBytes > MAX_FRAME_BYTES) throw new TableSnapshotError(`the table snapshot's preamble is corrupt: its frames are ${frameBytes} bytes`);
  if (!Number.isSafeInteger(total) || total < PREAMBLE_BYTES) {
    throw new TableSnapshotError(`the table snapshot's preamble gives a total length of ${total}`);
  }
  return { headerBytes, total, frameBytes };
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function parseHeader(bytes: Uint8Array): Header {
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Header;
  } catch {
    throw new TableSnapshotError('the table snapshot\'s header is not valid JSON');
  }
  const fail = (what: string): never => {
    throw new TableSnapshotError(`the table snapshot's header is invalid: ${what}`);
  };
  if (typeof h !== 'object' || h === null) fail('not an object');
  try {
    validateChiConfig(h.config);
  } catch (error) {
    fail(`config: ${error instanceof InvalidChiError ? error.message : 'missing'}`);
  }
  if (h.countBytes !== 2 && h.countBytes !== 4) fail(`countBytes is ${h.countBytes}, not 2 or 4`);
  if (!isCount(h.masks)) fail(`masks is ${h.masks}`);
  if (!isCount(h.images)) fail(`images is ${h.images}`);
  for (const list of ['maskTypeNames', 'sourceNames', 'labelNames', 'splitNames', 'tagNames', 'boxNames'] as const) {
    if (!isStringList(h[list])) fail(`${list} is not a list of strings`);
    if (new Set(h[list]).size !== h[list].length) fail(`${list} repeats a name`);
  }
  if (!Array.isArray(h.modelNames) || !h.modelNames.every((e) => Array.isArray(e) && Number.isSafeInteger(e[0]) && typeof e[1] === 'string')) fail('modelNames');
  if (!Array.isArray(h.modelIds) || !h.modelIds.every((e) => Array.isArray(e) && typeof e[0] === 'string' && Number.isSafeInteger(e[1]))) fail('modelIds');
  if (!Array.isArray(h.imageKeys) || h.imageKeys.length !== h.images || !h.imageKeys.every((k) => k === null || typeof k === 'string')) {
    fail(`imageKeys is not a list of ${h.images} keys`);
  }
  return h;
}

/** Checks every code against what it indexes, then hands the columns, and the lookups built from them, to the table. */
function buildTable(h: Header, columns: ColumnArray[], lookups: Partial<TableLookups>): MaskTable {
  let next = 0;
  const take = <T extends ColumnArray>(): T => columns[next++] as T;
  const fail = (what: string): never => {
    throw new TableSnapshotError(`the table snapshot is inconsistent: ${what}`);
  };
  const inRange = (column: ArrayLike<number>, name: string, min: number, max: number) => {
    for (let i = 0; i < column.length; i++) if (!(column[i] >= min && column[i] < max)) fail(`${name}[${i}] is ${column[i]}, outside ${min}..${max - 1}`);
  };
  const masks = {
    ids: take<Float64Array<ArrayBuffer>>(),
    imageSlots: take<Int32Array<ArrayBuffer>>(),
    widths: take<Int32Array<ArrayBuffer>>(),
    heights: take<Int32Array<ArrayBuffer>>(),
    models: take<Int32Array<ArrayBuffer>>(),
    maskTypes: take<Int32Array<ArrayBuffer>>(),
    sources: take<Int32Array<ArrayBuffer>>(),
    encodings: take<Uint8Array<ArrayBuffer>>(),
    indexed: take<Uint8Array<ArrayBuffer>>(),
  };
  const images = {
    ids: take<Float64Array<ArrayBuffer>>(),
    widths: take<Int32Array<ArrayBuffer>>(),
    heights: take<Int32Array<ArrayBuffer>>(),
    labels: take<Int32Array<ArrayBuffer>>(),
    splits: take<Int32Array<ArrayBuffer>>(),
    keyed: take<Uint8Array<ArrayBuffer>>(),
    tags: h.tagNames.map(() => take<Uint8Array<ArrayBuffer>>()),
    boxes: h.boxNames.map((name) => [name, take<Float64Array<ArrayBuffer>>()] as const),
    keys: h.imageKeys.map((key) => key ?? undefined),
  };
  const planes: CountArray[][] = h.config.levels.map(() => []);
  for (const l of planeOrder(h.config.levels)) planes[l] = Array.from({ length: h.config.levels[l].bins - 1 }, () => take<Uint16Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>());
  inRange(masks.imageSlots, 'mask image slots', 0, h.images);
  inRange(masks.maskTypes, 'mask types', 0, h.maskTypeNames.length);
  inRange(masks.sources, 'mask sources', 0, h.sourceNames.length);
  inRange(masks.encodings, 'mask encodings', 0, ENCODINGS.length);
  inRange(masks.indexed, 'mask indexed flags', 0, 2);
  inRange(images.labels, 'image labels', NONE, h.labelNames.length);
  inRange(images.splits, 'image splits', NONE, h.splitNames.length);
  inRange(images.keyed, 'image key flags', 0, 2);
  images.keyed.forEach((flag, slot) => flag && images.keys[slot] === undefined && fail(`image slot ${slot} is keyed but has no key`));
  const state: MaskTableState = {
    config: h.config,
    countBytes: h.countBytes,
    masks,
    planes,
    maskTypeNames: h.maskTypeNames,
    sourceNames: h.sourceNames,
    labelNames: h.labelNames,
    splitNames: h.splitNames,
    tagNames: h.tagNames,
    modelNames: h.modelNames,
    modelIds: h.modelIds,
    images,
  };
  try {
    return MaskTable.fromState(state, lookups);
  } catch (error) {
    if (error instanceof RangeError) fail(error.message);
    throw error;
  }
}
