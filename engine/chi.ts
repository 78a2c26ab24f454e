import type { Mask } from './mask.js';
import { binOf } from './bins.js';

/** G×G grid and B value bins (B a power of two, 2..256). */
export interface ChiConfig {
  readonly grid: number;
  readonly bins: number;
}

export type CountArray = Uint8Array | Uint16Array | Uint32Array;

/**
 * A mask's Cumulative Histogram Index. counts[((i−1)·G + (j−1))·(B−1) + (b−1)] is the number of
 * pixels with row < row_i, column < col_j and bin ≥ b, for i, j in 1..G and b in 1..B−1; the
 * entries for i = 0 or j = 0 are zero and those for b = 0 are areas, so neither is stored.
 */
export interface Chi {
  readonly width: number;
  readonly height: number;
  readonly grid: number;
  readonly bins: number;
  readonly counts: CountArray;
}

/** Kept after the grid × bins sweep in bench/README.md, which also names the alternative G12·B8. */
export const DEFAULT_CHI_CONFIG: ChiConfig = { grid: 8, bins: 16 };

export class InvalidChiError extends Error {
  override name = 'InvalidChiError';
}

export function validateChiConfig(config: ChiConfig): void {
  const { grid, bins } = config;
  if (!Number.isInteger(grid) || grid < 1 || grid > 256) throw new InvalidChiError(`grid must be an integer in 1..256, got ${grid}`);
  if (!Number.isInteger(bins) || bins < 2 || bins > 256 || (bins & (bins - 1)) !== 0) {
    throw new InvalidChiError(`bins must be a power of two in 2..256, got ${bins}`);
  }
}

export const chiEntryCount = (config: ChiConfig): number => config.grid * config.grid * (config.bins - 1);

/** Bytes per count: the narrowest unsigned integer that holds the mask's pixel count. */
export const countBytesFor = (width: number, height: number): 1 | 2 | 4 =>
  width * height <= 0xff ? 1 : width * height <= 0xffff ? 2 : 4;

export function allocCounts(countBytes: 1 | 2 | 4, length: number): CountArray {
  return countBytes === 1 ? new Uint8Array(length) : countBytes === 2 ? new Uint16Array(length) : new Uint32Array(length);
}

/** Grid line i of a dimension of the given size: ⌊i·size/G⌋. */
export const gridLine = (i: number, size: number, grid: number): number => Math.floor((i * size) / grid);

const binTables = new Map<string, Uint8Array>();

/** bin of every code k/maxCode (u8: 255, u16: 65535), cached per B. */
function codeBinTable(maxCode: number, bins: number): Uint8Array {
  const key = `${maxCode}/${bins}`;
  let table = binTables.get(key);
  if (!table) {
    table = new Uint8Array(maxCode + 1);
    for (let k = 0; k <= maxCode; k++) table[k] = binOf(k / maxCode, bins);
    binTables.set(key, table);
  }
  return table;
}

let cellHistogram = new Uint32Array(0);
let cellHistogramOdd = new Uint32Array(0);
let cellOfColumn = new Int32Array(0);

/**
 * Counts pixels per (cell, bin) into hist[(i·G + j)·B + b]. Even and odd columns count into two
 * histograms, summed at the end: smooth masks hit the same entry pixel after pixel, and one
 * histogram would make every increment wait for the previous one.
 */
function countCells(mask: Mask, G: number, B: number, hist: Uint32Array, odd: Uint32Array, cellOf: Int32Array): void {
  const { width: W, height: H, data } = mask;
  const table = data instanceof Float32Array ? null : codeBinTable(data instanceof Uint8Array ? 255 : 65535, B);
  const pairs = W - (W & 1);
  const lastBin = B - 1;
  for (let i = 0, r = 0; i < G; i++) {
    const rowEnd = gridLine(i + 1, H, G);
    const rowBase = i * G * B;
    // One loop per array type keeps each loop's element loads monomorphic.
    for (; r < rowEnd; r++) {
      const start = r * W;
      if (data instanceof Float32Array) {
        // binOf inlined: v·B is exact (B is a power of two) and v ≥ 0, so truncation is the floor.
        for (let c = 0; c < pairs; c += 2) {
          const a = (data[start + c] * B) | 0;
          const b = (data[start + c + 1] * B) | 0;
          hist[rowBase + cellOf[c] + (a < lastBin ? a : lastBin)]++;
          odd[rowBase + cellOf[c + 1] + (b < lastBin ? b : lastBin)]++;
        }
        if (pairs < W) {
          const a = (data[start + pairs] * B) | 0;
          hist[rowBase + cellOf[pairs] + (a < lastBin ? a : lastBin)]++;
        }
      } else if (data instanceof Uint8Array) {
        for (let c = 0; c < pairs; c += 2) {
          hist[rowBase + cellOf[c] + table![data[start + c]]]++;
          odd[rowBase + cellOf[c + 1] + table![data[start + c + 1]]]++;
        }
        if (pairs < W) hist[rowBase + cellOf[pairs] + table![data[start + pairs]]]++;
      } else {
        for (let c = 0; c < pairs; c += 2) {
          hist[rowBase + cellOf[c] + table![data[start + c]]]++;
          odd[rowBase + cellOf[c + 1] + table![data[start + c + 1]]]++;
        }
        if (pairs < W) hist[rowBase + cellOf[pairs] + table![data[start + pairs]]]++;
      }
    }
  }
  for (let k = 0; k < G * G * B; k++) hist[k] += odd[k];
}

export function buildChi(mask: Mask, config: ChiConfig): Chi {
  const { grid: G, bins: B } = config;
  const { width: W, height: H } = mask;
  const histLength = G * G * B;
  if (cellHistogram.length < histLength) {
    cellHistogram = new Uint32Array(histLength);
    cellHistogramOdd = new Uint32Array(histLength);
  }
  const hist = cellHistogram;
  hist.fill(0, 0, histLength);
  cellHistogramOdd.fill(0, 0, histLength);
  if (cellOfColumn.length < W) cellOfColumn = new Int32Array(W);
  // Offset of a column's cell: j·B for the j with col_j <= c < col_{j+1}.
  for (let j = 0, c = 0; j < G; j++) {
    const end = gridLine(j + 1, W, G);
    for (; c < end; c++) cellOfColumn[c] = j * B;
  }
  countCells(mask, G, B, hist, cellHistogramOdd, cellOfColumn);

  // Suffix sums over bins within each cell, then prefix sums over columns and rows.
  for (let cell = 0; cell < G * G; cell++) {
    const base = cell * B;
    for (let b = B - 2; b >= 0; b--) hist[base + b] += hist[base + b + 1];
  }
  for (let i = 0; i < G; i++) {
    for (let j = 1; j < G; j++) {
      const at = (i * G + j) * B;
      const left = at - B;
      for (let b = 0; b < B; b++) hist[at + b] += hist[left + b];
    }
  }
  for (let i = 1; i < G; i++) {
    for (let j = 0; j < G; j++) {
      const at = (i * G + j) * B;
      const up = at - G * B;
      for (let b = 0; b < B; b++) hist[at + b] += hist[up + b];
    }
  }

  const counts = allocCounts(countBytesFor(W, H), chiEntryCount(config));
  for (let cell = 0, k = 0; cell < G * G; cell++) {
    const base = cell * B;
    for (let b = 1; b < B; b++) counts[k++] = hist[base + b];
  }
  return { width: W, height: H, grid: G, bins: B, counts };
}

const MAGIC = 0x31494843; // "CHI1" little-endian
/** Stored counts are little-endian; on such hosts they are copied as bytes, not read one by one. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const HEADER_BYTES = 16;

/**
 * Layout (little-endian): u32 magic "CHI1", u32 width, u32 height, u8 grid − 1, u8 log2 bins,
 * u8 bytes per count, u8 reserved, then the counts.
 */
export function serializeChi(chi: Chi): Uint8Array {
  const countBytes = chi.counts.BYTES_PER_ELEMENT;
  const out = new Uint8Array(HEADER_BYTES + chi.counts.length * countBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, chi.width, true);
  view.setUint32(8, chi.height, true);
  view.setUint8(12, chi.grid - 1);
  view.setUint8(13, Math.log2(chi.bins));
  view.setUint8(14, countBytes);
  if (LITTLE_ENDIAN) out.set(new Uint8Array(chi.counts.buffer, chi.counts.byteOffset, chi.counts.byteLength), HEADER_BYTES);
  else {
    for (let k = 0, at = HEADER_BYTES; k < chi.counts.length; k++, at += countBytes) {
      if (countBytes === 1) view.setUint8(at, chi.counts[k]);
      else if (countBytes === 2) view.setUint16(at, chi.counts[k], true);
      else view.setUint32(at, chi.counts[k], true);
    }
  }
  return out;
}

export function deserializeChi(bytes: Uint8Array): Chi {
  if (bytes.byteLength < HEADER_BYTES) throw new InvalidChiError(`CHI bytes too short (${bytes.byteLength})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new InvalidChiError('CHI bytes do not start with the CHI1 header');
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  const grid = view.getUint8(12) + 1;
  const bins = 2 ** view.getUint8(13);
  const countBytes = view.getUint8(14);
  validateChiConfig({ grid, bins });
  if (countBytes !== countBytesFor(width, height)) throw new InvalidChiError(`CHI count width ${countBytes} does not fit a ${width}×${height} mask`);
  const length = chiEntryCount({ grid, bins });
  if (bytes.byteLength !== HEADER_BYTES + length * countBytes) {
    throw new InvalidChiError(`CHI bytes have length ${bytes.byteLength}, expected ${HEADER_BYTES + length * countBytes}`);
  }
  const counts = allocCounts(countBytes, length);
  if (LITTLE_ENDIAN) new Uint8Array(counts.buffer).set(bytes.subarray(HEADER_BYTES));
  else {
    for (let k = 0, at = HEADER_BYTES; k < length; k++, at += countBytes) {
      counts[k] = countBytes === 1 ? view.getUint8(at) : countBytes === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
    }
  }
  return { width, height, grid, bins, counts };
}
