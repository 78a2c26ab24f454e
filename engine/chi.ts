import type { Mask } from './mask.js';
import { binOf } from './bins.js';

/** One level of a CHI: a G×G grid and B value bins (B a power of two, 2..256). */
export interface ChiLevel {
  readonly grid: number;
  readonly bins: number;
}

/**
 * The levels every mask of an index gets. A grid-1 level is a whole-mask histogram: with 256 bins
 * it counts every 8-bit code on its own, so full-mask counts of 8-bit masks are exact from it.
 */
export interface ChiConfig {
  readonly levels: readonly ChiLevel[];
}

export type CountArray = Uint8Array | Uint16Array | Uint32Array;

/**
 * A mask's Cumulative Histogram Index, one count array per level. For a level (G, B),
 * counts[((i−1)·G + (j−1))·(B−1) + (b−1)] is the number of pixels with row < row_i, column < col_j
 * and bin ≥ b, for i, j in 1..G and b in 1..B−1; the entries for i = 0 or j = 0 are zero and those
 * for b = 0 are areas, so neither is stored.
 */
export interface Chi {
  readonly width: number;
  readonly height: number;
  readonly levels: readonly ChiLevel[];
  readonly counts: readonly CountArray[];
}

/**
 * Chosen by the sweep in bench/README.md among level sets within 5 % of a 224×224 8-bit mask:
 * exact whole-mask counts from the 256-bin histogram, an 8×8 grid of 8 bins for ROIs (and cell by
 * cell refinement); a finer 16×16 refining grid loaded fewer masks for object boxes but cost more
 * time than it saved.
 */
export const DEFAULT_CHI_CONFIG: ChiConfig = {
  levels: [
    { grid: 1, bins: 256 },
    { grid: 8, bins: 8 },
  ],
};

export class InvalidChiError extends Error {
  override name = 'InvalidChiError';
}

export const MAX_LEVELS = 4;

function validateLevel(level: ChiLevel, at: number): void {
  const { grid, bins } = level;
  if (!Number.isInteger(grid) || grid < 1 || grid > 64) throw new InvalidChiError(`levels[${at}].grid must be an integer in 1..64, got ${grid}`);
  if (!Number.isInteger(bins) || bins < 2 || bins > 256 || (bins & (bins - 1)) !== 0) {
    throw new InvalidChiError(`levels[${at}].bins must be a power of two in 2..256, got ${bins}`);
  }
}

export function validateChiConfig(config: ChiConfig): void {
  const { levels } = config;
  if (!Array.isArray(levels) || levels.length < 1 || levels.length > MAX_LEVELS) {
    throw new InvalidChiError(`a CHI has 1..${MAX_LEVELS} levels, got ${Array.isArray(levels) ? levels.length : typeof levels}`);
  }
  levels.forEach(validateLevel);
  const seen = new Set(levels.map((l) => `${l.grid}/${l.bins}`));
  if (seen.size !== levels.length) throw new InvalidChiError('CHI levels must differ from each other');
}

export const sameConfig = (a: ChiConfig, b: ChiConfig): boolean =>
  a.levels.length === b.levels.length && a.levels.every((l, i) => l.grid === b.levels[i].grid && l.bins === b.levels[i].bins);

/** "G1B256+G8B8+G16B2": how configurations are named in benchmarks and errors. */
export const configName = (config: ChiConfig): string => config.levels.map((l) => `G${l.grid}B${l.bins}`).join('+');

export const levelEntryCount = (level: ChiLevel): number => level.grid * level.grid * (level.bins - 1);

/** Bytes per count: the narrowest unsigned integer that holds the mask's pixel count. */
export const countBytesFor = (width: number, height: number): 1 | 2 | 4 =>
  width * height <= 0xff ? 1 : width * height <= 0xffff ? 2 : 4;

/** Bytes of counts one mask of the given size takes in the index. */
export const chiBytesFor = (config: ChiConfig, width: number, height: number): number =>
  config.levels.reduce((sum, l) => sum + levelEntryCount(l), 0) * countBytesFor(width, height);

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

/**
 * Levels built from one pass over the pixels: per-cell histograms on the finest grid at the most
 * bins any member needs, plus a whole-mask histogram; every member's grid divides the finest
 * grid (so its lines are a subset: ⌊i·H/g⌋ = ⌊(i·G/g)·H/G⌋) and its bins divide the pass's.
 */
interface Pass {
  grid: number;
  bins: number;
  /** Bins of the whole-mask histogram counted alongside, 0 for none. */
  wholeBins: number;
  members: number[];
}

function planPasses(levels: readonly ChiLevel[]): Pass[] {
  const passes: Pass[] = [];
  const order = levels.map((_, i) => i).sort((a, b) => levels[b].grid - levels[a].grid);
  for (const i of order) {
    const { grid, bins } = levels[i];
    if (grid === 1) continue;
    const pass = passes.find((p) => p.grid % grid === 0);
    if (pass) {
      pass.bins = Math.max(pass.bins, bins);
      pass.members.push(i);
    } else passes.push({ grid, bins, wholeBins: 0, members: [i] });
  }
  const whole = levels.map((l, i) => ({ ...l, i })).filter((l) => l.grid === 1);
  if (whole.length > 0) {
    const bins = Math.max(...whole.map((l) => l.bins));
    if (passes.length === 0) passes.push({ grid: 1, bins, wholeBins: 0, members: [] });
    passes[0].wholeBins = bins;
    passes[0].members.push(...whole.map((l) => l.i));
  }
  return passes;
}

const passCache = new Map<string, Pass[]>();
function passesFor(config: ChiConfig): Pass[] {
  const key = configName(config);
  let passes = passCache.get(key);
  if (!passes) {
    passes = planPasses(config.levels);
    passCache.set(key, passes);
  }
  return passes;
}

let cellHistogram = new Uint32Array(0);
let cellHistogramOdd = new Uint32Array(0);
let wholeHistogram = new Uint32Array(256);
let wholeHistogramOdd = new Uint32Array(256);
let cellOfColumn = new Int32Array(0);
let levelHistogram = new Uint32Array(0);

const columnLineCache = new Map<number, Int32Array>();
function columnLines(size: number, grid: number): Int32Array {
  const key = size * 512 + grid;
  let lines = columnLineCache.get(key);
  if (!lines) {
    lines = Int32Array.from({ length: grid + 1 }, (_, i) => gridLine(i, size, grid));
    columnLineCache.set(key, lines);
  }
  return lines;
}

/**
 * Counts pixels per (cell, bin) into hist[(i·G + j)·B + b] and, when wholeBins > 0, per bin of
 * the whole mask into whole. Even and odd columns count into separate histograms, summed at the
 * end: smooth masks hit the same entry pixel after pixel, and one histogram would make every
 * increment wait for the previous one.
 */
function countPass(mask: Mask, G: number, B: number, wholeBins: number, cellOf: Int32Array): void {
  const { width: W, height: H, data } = mask;
  const colLines = columnLines(W, G);
  const hist = cellHistogram;
  const odd = cellHistogramOdd;
  const whole = wholeHistogram;
  const wholeOdd = wholeHistogramOdd;
  const pairs = W - (W & 1);
  const wb = wholeBins > 0 ? wholeBins : 1;
  for (let i = 0, r = 0; i < G; i++) {
    const rowEnd = gridLine(i + 1, H, G);
    const rowBase = i * G * B;
    // One loop per array type keeps each loop's element loads monomorphic.
    if (data instanceof Float32Array) {
      const lastBin = B - 1;
      const lastWhole = wb - 1;
      for (; r < rowEnd; r++) {
        const start = r * W;
        // binOf inlined: v·B is exact (B is a power of two) and v ≥ 0, so truncation is the floor.
        for (let c = 0; c < W; c++) {
          const v = data[start + c];
          const a = (v * B) | 0;
          const h = (v * wb) | 0;
          if (c & 1) {
            odd[rowBase + cellOf[c] + (a < lastBin ? a : lastBin)]++;
            wholeOdd[h < lastWhole ? h : lastWhole]++;
          } else {
            hist[rowBase + cellOf[c] + (a < lastBin ? a : lastBin)]++;
            whole[h < lastWhole ? h : lastWhole]++;
          }
        }
      }
    } else if (data instanceof Uint8Array) {
      const table = codeBinTable(255, B);
      // With 256 bins an 8-bit code is its own bin (⌊k·256/255⌋ = k for k < 255, and 255 → 255).
      const identity = wb === 256;
      const wholeTable = codeBinTable(255, wb);
      for (; r < rowEnd; r++) {
        const start = r * W;
        for (let j = 0; j < G; j++) {
          const base = rowBase + j * B;
          const end = start + colLines[j + 1];
          let p = start + colLines[j];
          // Two histograms per cell run, alternating: consecutive equal codes would otherwise make
          // each increment wait for the last.
          if (identity) {
            for (; p + 1 < end; p += 2) {
              const a = data[p];
              const b = data[p + 1];
              hist[base + table[a]]++;
              odd[base + table[b]]++;
              whole[a]++;
              wholeOdd[b]++;
            }
          } else {
            for (; p + 1 < end; p += 2) {
              const a = data[p];
              const b = data[p + 1];
              hist[base + table[a]]++;
              odd[base + table[b]]++;
              whole[wholeTable[a]]++;
              wholeOdd[wholeTable[b]]++;
            }
          }
          if (p < end) {
            const a = data[p];
            hist[base + table[a]]++;
            whole[wholeTable[a]]++;
          }
        }
      }
    } else {
      const table = codeBinTable(65535, B);
      const wholeTable = codeBinTable(65535, wb);
      for (; r < rowEnd; r++) {
        const start = r * W;
        for (let c = 0; c < pairs; c += 2) {
          const a = data[start + c];
          const b = data[start + c + 1];
          hist[rowBase + cellOf[c] + table[a]]++;
          odd[rowBase + cellOf[c + 1] + table[b]]++;
          whole[wholeTable[a]]++;
          wholeOdd[wholeTable[b]]++;
        }
        if (pairs < W) {
          const a = data[start + pairs];
          hist[rowBase + cellOf[pairs] + table[a]]++;
          whole[wholeTable[a]]++;
        }
      }
    }
  }
  for (let k = 0; k < G * G * B; k++) hist[k] += odd[k];
  for (let k = 0; k < wb; k++) whole[k] += wholeOdd[k];
}

/**
 * Turns per-cell histograms hist[(i·g + j)·b + bin] into the level's stored cumulative counts:
 * suffix sums over bins, prefix sums over columns and rows, bin 0 dropped.
 */
function writeCumulative(hist: Uint32Array, g: number, b: number, out: CountArray): void {
  for (let cell = 0; cell < g * g; cell++) {
    const base = cell * b;
    for (let k = b - 2; k >= 0; k--) hist[base + k] += hist[base + k + 1];
  }
  for (let i = 0; i < g; i++) {
    for (let j = 1; j < g; j++) {
      const at = (i * g + j) * b;
      for (let k = 0; k < b; k++) hist[at + k] += hist[at - b + k];
    }
  }
  for (let i = 1; i < g; i++) {
    for (let j = 0; j < g; j++) {
      const at = (i * g + j) * b;
      for (let k = 0; k < b; k++) hist[at + k] += hist[at - g * b + k];
    }
  }
  for (let cell = 0, k = 0; cell < g * g; cell++) {
    const base = cell * b;
    for (let bin = 1; bin < b; bin++) out[k++] = hist[base + bin];
  }
}

/** Sums the pass's G×G×B histogram into a coarser level's g×g×b one. */
function reduceHistogram(G: number, B: number, g: number, b: number): Uint32Array {
  if (levelHistogram.length < g * g * b) levelHistogram = new Uint32Array(g * g * b);
  const out = levelHistogram;
  out.fill(0, 0, g * g * b);
  const f = G / g;
  const shift = Math.log2(B / b);
  const hist = cellHistogram;
  for (let I = 0; I < G; I++) {
    const i = (I / f) | 0;
    for (let J = 0; J < G; J++) {
      const from = (I * G + J) * B;
      const to = (i * g + ((J / f) | 0)) * b;
      for (let k = 0; k < B; k++) out[to + (k >> shift)] += hist[from + k];
    }
  }
  return out;
}

export function buildChi(mask: Mask, config: ChiConfig): Chi {
  const { width: W, height: H } = mask;
  const { levels } = config;
  const countBytes = countBytesFor(W, H);
  const counts: CountArray[] = levels.map((l) => allocCounts(countBytes, levelEntryCount(l)));
  for (const pass of passesFor(config)) {
    const { grid: G, bins: B, wholeBins } = pass;
    const histLength = G * G * B;
    if (cellHistogram.length < histLength) {
      cellHistogram = new Uint32Array(histLength);
      cellHistogramOdd = new Uint32Array(histLength);
    }
    cellHistogram.fill(0, 0, histLength);
    cellHistogramOdd.fill(0, 0, histLength);
    if (wholeHistogram.length < 256) {
      wholeHistogram = new Uint32Array(256);
      wholeHistogramOdd = new Uint32Array(256);
    }
    wholeHistogram.fill(0);
    wholeHistogramOdd.fill(0);
    if (cellOfColumn.length < W) cellOfColumn = new Int32Array(W);
    // Offset of a column's cell: j·B for the j with col_j <= c < col_{j+1}.
    for (let j = 0, c = 0; j < G; j++) {
      const end = gridLine(j + 1, W, G);
      for (; c < end; c++) cellOfColumn[c] = j * B;
    }
    countPass(mask, G, B, wholeBins, cellOfColumn);
    const whole = Uint32Array.from(wholeHistogram.subarray(0, Math.max(wholeBins, 1)));
    for (const i of pass.members) {
      const { grid: g, bins: b } = levels[i];
      if (g === 1) {
        const shift = Math.log2(wholeBins / b);
        const hist = new Uint32Array(b);
        for (let k = 0; k < wholeBins; k++) hist[k >> shift] += whole[k];
        writeCumulative(hist, 1, b, counts[i]);
      } else writeCumulative(reduceHistogram(G, B, g, b), g, b, counts[i]);
    }
  }
  return { width: W, height: H, levels, counts };
}

const MAGIC = 0x32494843; // "CHI2" little-endian
const LEGACY_MAGIC = 0x31494843; // "CHI1": one level, before multi-level indexes
/** Stored counts are little-endian; on such hosts they are copied as bytes, not read one by one. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const FIXED_HEADER = 16;

/** Bytes that hold a CHI in a format this version no longer reads: the mask is to be re-indexed. */
export class LegacyChiError extends InvalidChiError {
  override name = 'LegacyChiError';
}

/**
 * Layout (little-endian): u32 magic "CHI2", u32 width, u32 height, u8 level count, u8 bytes per
 * count, u16 reserved, then u8 grid − 1 and u8 log2 bins per level, then each level's counts.
 */
export function serializeChi(chi: Chi): Uint8Array {
  const countBytes = countBytesFor(chi.width, chi.height);
  const header = FIXED_HEADER + chi.levels.length * 2;
  const total = chi.counts.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(header + total * countBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, chi.width, true);
  view.setUint32(8, chi.height, true);
  view.setUint8(12, chi.levels.length);
  view.setUint8(13, countBytes);
  chi.levels.forEach((l, i) => {
    view.setUint8(FIXED_HEADER + i * 2, l.grid - 1);
    view.setUint8(FIXED_HEADER + i * 2 + 1, Math.log2(l.bins));
  });
  let at = header;
  for (const counts of chi.counts) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(counts.buffer, counts.byteOffset, counts.byteLength), at);
    else {
      for (let k = 0; k < counts.length; k++) {
        const p = at + k * countBytes;
        if (countBytes === 1) view.setUint8(p, counts[k]);
        else if (countBytes === 2) view.setUint16(p, counts[k], true);
        else view.setUint32(p, counts[k], true);
      }
    }
    at += counts.length * countBytes;
  }
  return out;
}

export function deserializeChi(bytes: Uint8Array): Chi {
  if (bytes.byteLength < FIXED_HEADER) throw new InvalidChiError(`CHI bytes too short (${bytes.byteLength})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic === LEGACY_MAGIC) throw new LegacyChiError('CHI bytes are in the one-level CHI1 format');
  if (magic !== MAGIC) throw new InvalidChiError('CHI bytes do not start with the CHI2 header');
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  const levelCount = view.getUint8(12);
  const countBytes = view.getUint8(13);
  const header = FIXED_HEADER + levelCount * 2;
  if (bytes.byteLength < header) throw new InvalidChiError(`CHI bytes too short for ${levelCount} levels`);
  const levels: ChiLevel[] = [];
  for (let i = 0; i < levelCount; i++) {
    levels.push({ grid: view.getUint8(FIXED_HEADER + i * 2) + 1, bins: 2 ** view.getUint8(FIXED_HEADER + i * 2 + 1) });
  }
  validateChiConfig({ levels });
  if (countBytes !== countBytesFor(width, height)) throw new InvalidChiError(`CHI count width ${countBytes} does not fit a ${width}×${height} mask`);
  const lengths = levels.map(levelEntryCount);
  const expected = header + lengths.reduce((a, b) => a + b, 0) * countBytes;
  if (bytes.byteLength !== expected) throw new InvalidChiError(`CHI bytes have length ${bytes.byteLength}, expected ${expected}`);
  let at = header;
  const counts = lengths.map((length) => {
    const c = allocCounts(countBytes as 1 | 2 | 4, length);
    if (LITTLE_ENDIAN) new Uint8Array(c.buffer).set(bytes.subarray(at, at + length * countBytes));
    else {
      for (let k = 0; k < length; k++) {
        const p = at + k * countBytes;
        c[k] = countBytes === 1 ? view.getUint8(p) : countBytes === 2 ? view.getUint16(p, true) : view.getUint32(p, true);
      }
    }
    at += length * countBytes;
    return c;
  });
  return { width, height, levels, counts };
}
