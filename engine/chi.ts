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
