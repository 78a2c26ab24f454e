import { crc32 } from 'node:zlib';
import type { ChiConfig, CountArray } from './chi.js';
import { InvalidChiError, validateChiConfig } from './chi.js';
import type { MaskTableState } from './mask-table.js';
import { ENCODINGS, MaskTable, NONE, levelCells } from './mask-table.js';

/**
 * A MaskTable as one byte string, read back without rebuilding anything per mask: the table's
 * columns and CHI planes as they lie in memory, after a small JSON header with the dictionaries
 * and image keys. Little-endian throughout:
 *
 *   0   8 bytes  magic "MSKTABLE"
 *   8   u32      format version (TABLE_SNAPSHOT_VERSION)
 *   12  u32      header length H
 *   16  f64      total length
 *   24  u32      CRC-32 of bytes 32 … end
 *   28  u32      0
 *   32  H bytes  header (JSON, UTF-8), zero-padded to a multiple of 8
 *       then each column in a fixed order (see sections()), each zero-padded to a multiple of 8
 *
 * A reader checks the magic, the version, every length against the header, the checksum, and
 * every code in the columns against its dictionary before it builds a table: a truncated or
 * corrupt snapshot is refused with a TableSnapshotError saying what is wrong, never half-read.
 */
export const TABLE_SNAPSHOT_VERSION = 1;

const MAGIC = 'MSKTABLE';
const PREAMBLE_BYTES = 32;
const ALIGN = 8;
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

/** One column of the body: what it is (for error messages), its element type and length. */
interface Section {
  name: string;
  type: ColumnType;
  length: number;
}

const padded = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;
const byteLengthOf = (s: Section): number => s.length * (s.type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;

/** The body's columns, in order; both sides derive it from the header alone. */
function sections(h: Header): Section[] {
  const n = h.masks;
  const m = h.images;
  const countType = h.countBytes === 4 ? Uint32Array : Uint16Array;
  return [
    { name: 'mask ids', type: Float64Array, length: n },
    { name: 'mask image slots', type: Int32Array, length: n },
    { name: 'mask widths', type: Int32Array, length: n },
    { name: 'mask heights', type: Int32Array, length: n },
    { name: 'mask models', type: Int32Array, length: n },
    { name: 'mask types', type: Int32Array, length: n },
    { name: 'mask sources', type: Int32Array, length: n },
    { name: 'mask encodings', type: Uint8Array, length: n },
    { name: 'mask indexed flags', type: Uint8Array, length: n },
    ...h.config.levels.flatMap((level, l) =>
      Array.from({ length: level.bins - 1 }, (_, b) => ({ name: `level ${l} plane ${b + 1}`, type: countType, length: n * levelCells(level.grid) })),
    ),
    { name: 'image ids', type: Float64Array, length: m },
    { name: 'image widths', type: Int32Array, length: m },
    { name: 'image heights', type: Int32Array, length: m },
    { name: 'image labels', type: Int32Array, length: m },
    { name: 'image splits', type: Int32Array, length: m },
    { name: 'image key flags', type: Uint8Array, length: m },
    ...h.tagNames.map((tag) => ({ name: `tag '${tag}'`, type: Uint8Array, length: m })),
    ...h.boxNames.map((box) => ({ name: `box '${box}'`, type: Float64Array, length: m * 4 })),
  ];
}

const bodyLength = (h: Header, headerBytes: number): number =>
  PREAMBLE_BYTES + padded(headerBytes) + sections(h).reduce((total, s) => total + padded(byteLengthOf(s)), 0);

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new TableSnapshotError('table snapshots are little-endian; this host is big-endian');
}

export interface TableSnapshotBytes {
  /** The snapshot, as parts to be written one after another. */
  readonly parts: readonly Uint8Array[];
  readonly byteLength: number;
}

/**
 * The table as a snapshot. Every column is copied, synchronously, so the table may change as soon
 * as this returns while the parts are written out.
 */
export function snapshotTable(table: MaskTable): TableSnapshotBytes {
  const steps = snapshotSteps(table);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Bytes copied before snapshotSteps yields: a few milliseconds of copying. */
const STEP_BYTES = 16 << 20;

/**
 * The same snapshot, copied a few columns per step, so that a caller can let other work run
 * between steps (the generator yields after every STEP_BYTES or so, and returns the snapshot).
 * Between steps the table may only gain CHIs (setChi, as queries index masks): the first step
 * copies every mask column, the indexed flags among them, so a mask indexed later is not indexed
 * in the snapshot, whatever its planes then hold. Any other change must wait for the last step.
 */
export function* snapshotSteps(table: MaskTable): Generator<void, TableSnapshotBytes> {
  requireLittleEndian();
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
  const maskColumns: ArrayBufferView[] = [masks.ids, masks.imageSlots, masks.widths, masks.heights, masks.models, masks.maskTypes, masks.sources, masks.encodings, masks.indexed];
  // The planes as exportState gave them: a table widened to 32-bit counts meanwhile writes new arrays.
  const laterColumns: ArrayBufferView[] = [
    ...state.planes.flat(),
    images.ids,
    images.widths,
    images.heights,
    images.labels,
    images.splits,
    images.keyed,
    ...images.tags,
    ...images.boxes.map(([, column]) => column),
  ];
  const json = new TextEncoder().encode(JSON.stringify(header));
  const parts: Uint8Array[] = [new Uint8Array(PREAMBLE_BYTES), json, new Uint8Array(padded(json.length) - json.length)];
  let checksum = crc32(parts[2], crc32(json));
  const copy = (column: ArrayBufferView) => {
    const bytes = new Uint8Array(column.buffer, column.byteOffset, column.byteLength).slice();
    const padding = new Uint8Array(padded(bytes.length) - bytes.length);
    parts.push(bytes, padding);
    checksum = crc32(padding, crc32(bytes, checksum));
    return bytes.length;
  };
  for (const column of maskColumns) copy(column);
  yield;
  let sinceYield = 0;
  for (const column of laterColumns) {
    sinceYield += copy(column);
    if (sinceYield >= STEP_BYTES) {
      sinceYield = 0;
      yield;
    }
  }
  const byteLength = parts.reduce((total, p) => total + p.length, 0);
  const preamble = new DataView(parts[0].buffer);
  for (let i = 0; i < MAGIC.length; i++) preamble.setUint8(i, MAGIC.charCodeAt(i));
  preamble.setUint32(8, TABLE_SNAPSHOT_VERSION, true);
  preamble.setUint32(12, json.length, true);
  preamble.setFloat64(16, byteLength, true);
  preamble.setUint32(24, checksum, true);
  return { parts, byteLength };
}

/** The table in a snapshot held whole in memory; see TableSnapshotReader. */
export function tableFromSnapshot(bytes: Uint8Array): MaskTable {
  const reader = new TableSnapshotReader();
  reader.push(bytes);
  return reader.finish();
}

/**
 * Reads a snapshot as it arrives, in pieces of any size, copying each piece straight into the
 * column it belongs to (no second copy of the whole, and the checksum is computed on the way).
 * `finish` checks that everything arrived intact and returns the table.
 */
export class TableSnapshotReader {
  private received = 0;
  private checksum = 0;
  private preamble: { headerBytes: number; total: number; checksum: number } | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private header: Header | undefined;
  private layout: Section[] = [];
  private columns: ColumnArray[] = [];
  /** Where the next byte goes: the section, and the offset within its padded length. */
  private section = 0;
  private offset = 0;

  constructor() {
    requireLittleEndian();
  }

  /** The snapshot's total length once its first 32 bytes have arrived. */
  get byteLength(): number | undefined {
    return this.preamble?.total;
  }

  push(piece: Uint8Array): void {
    if (this.preamble && this.received + piece.length > this.preamble.total) {
      throw new TableSnapshotError(`the table snapshot has more bytes than the ${this.preamble.total} its header gives`);
    }
    if (this.received >= PREAMBLE_BYTES) this.checksum = crc32(piece, this.checksum);
    else if (this.received + piece.length > PREAMBLE_BYTES) this.checksum = crc32(piece.subarray(PREAMBLE_BYTES - this.received), this.checksum);
    this.received += piece.length;
    if (this.header) {
      this.fill(piece);
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (!this.preamble && this.pendingBytes >= PREAMBLE_BYTES) this.preamble = readPreamble(this.take(PREAMBLE_BYTES));
    if (this.preamble && this.pendingBytes >= padded(this.preamble.headerBytes)) {
      const header = parseHeader(this.take(padded(this.preamble.headerBytes)).subarray(0, this.preamble.headerBytes));
      const expected = bodyLength(header, this.preamble.headerBytes);
      if (expected !== this.preamble.total) {
        throw new TableSnapshotError(`the table snapshot's header describes ${expected} bytes, its preamble says ${this.preamble.total}`);
      }
      this.header = header;
      this.layout = sections(header);
      this.skipEmptySections();
      const rest = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      for (const p of rest) this.fill(p);
    }
  }

  finish(): MaskTable {
    const total = this.preamble?.total;
    if (total === undefined || this.received < total) {
      throw new TableSnapshotError(`the table snapshot is truncated: ${this.received} bytes of ${total ?? 'at least 32'}`);
    }
    if (this.checksum !== this.preamble!.checksum) {
      throw new TableSnapshotError(`the table snapshot is corrupt: its checksum is ${hex(this.checksum)}, its header says ${hex(this.preamble!.checksum)}`);
    }
    return buildTable(this.header!, this.columns);
  }

  /** The first `bytes` pending bytes, as one array. */
  private take(bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    let at = 0;
    while (at < bytes) {
      const head = this.pending[0];
      const n = Math.min(head.length, bytes - at);
      out.set(head.subarray(0, n), at);
      at += n;
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
    }
    this.pendingBytes -= bytes;
    return out;
  }

  private fill(piece: Uint8Array): void {
    let at = 0;
    while (at < piece.length) {
      const section = this.layout[this.section];
      if (!section) throw new TableSnapshotError(`the table snapshot has more bytes than the ${this.preamble!.total} its header gives`);
      const bytes = byteLengthOf(section);
      if (this.offset === 0) this.columns.push(new section.type(section.length));
      const column = this.columns[this.section];
      const target = new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
      const n = Math.min(piece.length - at, padded(bytes) - this.offset);
      // Padding bytes are covered by the checksum but kept nowhere.
      const data = Math.max(0, Math.min(n, bytes - this.offset));
      if (data > 0) target.set(piece.subarray(at, at + data), this.offset);
      at += n;
      this.offset += n;
      if (this.offset === padded(bytes)) {
        this.section++;
        this.offset = 0;
        this.skipEmptySections();
      }
    }
  }

  /** Columns of no bytes (an empty table's) are complete before any byte arrives. */
  private skipEmptySections(): void {
    for (let s = this.layout[this.section]; s && s.length === 0; s = this.layout[++this.section]) this.columns.push(new s.type(0));
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

function readPreamble(bytes: Uint8Array): { headerBytes: number; total: number; checksum: number } {
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new TableSnapshotError(`not a MaskSearch table snapshot: it starts with ${JSON.stringify(magic)}, not "${MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== TABLE_SNAPSHOT_VERSION) throw new TableSnapshotVersionError(version);
  const headerBytes = view.getUint32(12, true);
  const total = view.getFloat64(16, true);
  if (!Number.isSafeInteger(total) || total < PREAMBLE_BYTES + padded(headerBytes)) {
    throw new TableSnapshotError(`the table snapshot's preamble gives a total length of ${total} with a ${headerBytes}-byte header`);
  }
  if (view.getUint32(28, true) !== 0) throw new TableSnapshotError('the table snapshot\'s preamble is corrupt: its reserved field is not 0');
  return { headerBytes, total, checksum: view.getUint32(24, true) };
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

/** Checks every code against what it indexes, then hands the columns to the table. */
function buildTable(h: Header, columns: ColumnArray[]): MaskTable {
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
  const planes: CountArray[][] = h.config.levels.map((level) => Array.from({ length: level.bins - 1 }, () => take<Uint16Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>()));
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
    return MaskTable.fromState(state);
  } catch (error) {
    if (error instanceof RangeError) fail(error.message);
    throw error;
  }
}
