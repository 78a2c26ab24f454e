import type { Chi, ChiConfig, ChiLevel, CountArray } from './chi.js';
import { configName, countBytesFor, gridLine, levelEntryCount, validateChiConfig } from './chi.js';
import type { Mask, MaskData } from './mask.js';

/*
 * Building a CHI: one pass over the pixels per group of levels (usually one group for all).
 *
 * A group's columns are cut into segments at every grid line of any of its levels, its rows into
 * bands likewise, so every segment lies in one cell column and every band in one cell row of each
 * level. Each pixel increments one entry of a histogram indexed by (segment, code), where the
 * code is the pixel's bin at the finest bins P of the group: for u8 and u16 that is the stored
 * code shifted right (⌊k·P/256⌋ resp. ⌊k·P/65536⌋ equals min(P − 1, ⌊(k/max)·P⌋) = binOf, because
 * k·P/max and k·P/(max + 1) have no integer between them below P), for f32 min(P − 1, ⌊v·P⌋). A
 * coarser level's bin is the code shifted further (⌊⌊x⌋/n⌋ = ⌊x/n⌋), so it is a run of codes.
 *
 * The histogram is never cleared within a mask: after the band ending at a level's row line it
 * holds the counts of all rows above that line, which is what the level stores there. Its entries
 * are then sums over the segments left of each column line and over the codes of bins ≥ b, read
 * straight into the output count arrays.
 */

/** A level as one group builds it. Rows and columns of its entries are found by the group's lines. */
interface LevelPlan {
  /** Position in the configuration: which output array. */
  readonly index: number;
  readonly bins: number;
  /** Offsets (i − 1)·G·(B − 1) of the level rows whose line is the group's row line r: rowOffsets[rowFirst[r − 1] .. rowFirst[r]). */
  readonly rowFirst: Int32Array;
  readonly rowOffsets: Int32Array;
  /** Offsets (j − 1)·(B − 1) of the level columns whose line ends segment s: colOffsets[colFirst[s] .. colFirst[s + 1]). */
  readonly colFirst: Int32Array;
  readonly colOffsets: Int32Array;
}

interface PassPlan {
  /** Codes per pixel: the most bins of the group's levels. */
  readonly codes: number;
  /** Column boundaries of the segments, 0 … width, strictly increasing. */
  readonly segments: Int32Array;
  /** Row boundaries of the bands, 0 … height, strictly increasing. */
  readonly bands: Int32Array;
  /** Per row line r (index r − 1): the most bins among the levels that have a row there. */
  readonly readCodes: Int32Array;
  readonly levels: readonly LevelPlan[];
}

interface BuildPlan {
  readonly passes: readonly PassPlan[];
  readonly countBytes: 1 | 2 | 4;
  /** Entries per level, in configuration order. */
  readonly lengths: readonly number[];
  readonly totalEntries: number;
}

/*
 * Rough costs, in units of one pixel counted, for choosing how to group levels into passes:
 * reading one histogram entry, starting a row of a segment, clearing an entry, and folding one
 * (segment, bin) into a level. Set by timing every grouping of five level sets (G1B256+G8B8,
 * G1B256+G8B8+G16B2, G1B256+G64B8, G8B16+G32B2, G1B128+G5B4+G7B32) once, by hand: for each, the
 * grouping these costs pick was the fastest. No committed benchmark repeats that comparison.
 */
const PIXEL_COST = 1.0;
const READ_COST = 0.35;
const SEGMENT_ROW_COST = 6;
const CLEAR_COST = 0.05;
const FOLD_COST = 0.6;

/** Strictly increasing distinct grid lines of the given grids over a size. */
function unionLines(size: number, grids: readonly number[]): Int32Array {
  const lines = new Set<number>();
  for (const g of grids) for (let i = 0; i <= g; i++) lines.add(gridLine(i, size, g));
  return Int32Array.from([...lines].sort((a, b) => a - b));
}

/** For each group line index 1..n, the offsets (k − 1)·step of the level's lines k = 1..g that fall on it; CSR. */
function linesOnto(groupLines: Int32Array, size: number, grid: number, step: number): { first: Int32Array; offsets: Int32Array } {
  const n = groupLines.length - 1;
  const buckets: number[][] = Array.from({ length: n }, () => []);
  for (let k = 1; k <= grid; k++) {
    const line = gridLine(k, size, grid);
    if (line === 0) continue; // nothing above or left of it: those entries stay 0
    const at = groupLines.indexOf(line);
    buckets[at - 1].push((k - 1) * step);
  }
  const first = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) first[r + 1] = first[r] + buckets[r].length;
  return { first, offsets: Int32Array.from(buckets.flat()) };
}

function planPass(levels: readonly ChiLevel[], members: readonly number[], width: number, height: number): PassPlan {
  const grids = members.map((i) => levels[i].grid);
  const segments = unionLines(width, grids);
  const bands = unionLines(height, grids);
  const codes = Math.max(...members.map((i) => levels[i].bins));
  const readCodes = new Int32Array(bands.length - 1);
  const plans = members.map((index): LevelPlan => {
    const { grid, bins } = levels[index];
    const rows = linesOnto(bands, height, grid, grid * (bins - 1));
    const cols = linesOnto(segments, width, grid, bins - 1);
    for (let r = 0; r < readCodes.length; r++) if (rows.first[r + 1] > rows.first[r]) readCodes[r] = Math.max(readCodes[r], bins);
    return { index, bins, rowFirst: rows.first, rowOffsets: rows.offsets, colFirst: cols.first, colOffsets: cols.offsets };
  });
  return { codes, segments, bands, readCodes, levels: plans };
}

function passCost(pass: PassPlan, width: number, height: number): number {
  const segments = pass.segments.length - 1;
  let cost = width * height * PIXEL_COST + height * segments * SEGMENT_ROW_COST + segments * pass.codes * CLEAR_COST;
  for (const read of pass.readCodes) cost += segments * (pass.codes - pass.codes / read) * READ_COST;
  for (const level of pass.levels) {
    const linesWithRows = level.rowFirst.reduce((n, f, r) => n + (r > 0 && f > level.rowFirst[r - 1] ? 1 : 0), 0);
    cost += linesWithRows * segments * (level.bins - 1) * FOLD_COST;
  }
  return cost;
}

/** Every way to split 0..n − 1 into groups (n ≤ 4: at most 15). */
function partitions(n: number): number[][][] {
  if (n === 0) return [[]];
  const out: number[][][] = [];
  for (const rest of partitions(n - 1)) {
    for (let g = 0; g < rest.length; g++) out.push(rest.map((group, k) => (k === g ? [...group, n - 1] : group)));
    out.push([...rest, [n - 1]]);
  }
  return out;
}

/** The cheapest grouping of the levels into passes by the cost estimates above. */
function plan(config: ChiConfig, width: number, height: number): BuildPlan {
  validateChiConfig(config);
  const { levels } = config;
  let best: PassPlan[] = [];
  let bestCost = Infinity;
  for (const groups of partitions(levels.length)) {
    let cost = 0;
    const passes = groups.map((members) => {
      const pass = planPass(levels, members, width, height);
      cost += passCost(pass, width, height);
      return pass;
    });
    if (cost < bestCost) [best, bestCost] = [passes, cost];
  }
  const lengths = levels.map(levelEntryCount);
  return { passes: best, countBytes: countBytesFor(width, height), lengths, totalEntries: lengths.reduce((a, b) => a + b, 0) };
}

const MAX_CACHED_PLANS = 64;
const plans = new Map<string, BuildPlan>();
/** The last plan used: consecutive masks usually share their size and configuration object. */
let last: { config: ChiConfig; width: number; height: number; plan: BuildPlan } | undefined;

function planFor(config: ChiConfig, width: number, height: number): BuildPlan {
  if (last && last.config === config && last.width === width && last.height === height) return last.plan;
  const key = `${width}×${height} ${configName(config)}`;
  let found = plans.get(key);
  if (!found) {
    if (plans.size >= MAX_CACHED_PLANS) plans.clear();
    found = plan(config, width, height);
    plans.set(key, found);
  }
  last = { config, width, height, plan: found };
  return found;
}

// Scratch, grown on demand and reused by every build.
let histogram = new Int32Array(8 * 256);
let reduced = new Int32Array(8 * 256);
let columnSums = new Int32Array(256);
const NO_WORDS: Int32Array = new Int32Array(0);

/*
 * The pixel loops, one per array type so that each stays monomorphic. They add the rows
 * [y0, y1) to the histogram, entry segment·P + code. Smooth masks repeat a code pixel after
 * pixel, and consecutive increments of one entry wait for each other; four pixels of one code
 * (in the masks of bench:chi, 6 words in 10, and runs of them: the branch is well predicted) are
 * therefore added at once.
 */

/** Adds repeats × the four pixels of a word; its four codes at once when they are one. */
function addWord(hist: Int32Array, base: number, word: number, repeats: number, shift: number, codeBits: number): void {
  const bits = word & codeBits;
  if (bits === Math.imul(bits & 255, 0x01010101)) hist[base + ((bits & 255) >> shift)] += repeats << 2;
  else {
    hist[base + ((bits & 255) >> shift)] += repeats;
    hist[base + (((bits >>> 8) & 255) >> shift)] += repeats;
    hist[base + (((bits >>> 16) & 255) >> shift)] += repeats;
    hist[base + ((bits >>> 24) >> shift)] += repeats;
  }
}

/** u8: four pixels per 32-bit word where the row segment is aligned; the byte order does not matter, every byte is counted alike. */
function countU8(data: Uint8Array, words: Int32Array, misalign: number, width: number, y0: number, y1: number, pass: PassPlan, hist: Int32Array): void {
  const { segments, codes } = pass;
  const count = segments.length - 1;
  const shift = 8 - Math.log2(codes);
  // The code bits of each byte: the four codes are equal when these bits of the four bytes are.
  const codeBits = Math.imul((codes - 1) << shift, 0x01010101);
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let s = 0; s < count; s++) {
      const base = s * codes;
      let p = row + segments[s];
      const end = row + segments[s + 1];
      for (; p < end && ((p - misalign) & 3) !== 0; p++) hist[base + (data[p] >> shift)]++;
      const wordEnd = (end - misalign) >> 2;
      let w = (p - misalign) >> 2;
      if (w < wordEnd) {
        // A run of one word (flat regions: 0 where ReLU clipped) is counted once, when it ends.
        let word = words[w];
        let repeats = 1;
        for (w++; w < wordEnd; w++) {
          const v = words[w];
          if (v !== word) {
            addWord(hist, base, word, repeats, shift, codeBits);
            word = v;
            repeats = 0;
          }
          repeats++;
        }
        addWord(hist, base, word, repeats, shift, codeBits);
        p = (wordEnd << 2) + misalign;
      }
      for (; p < end; p++) hist[base + (data[p] >> shift)]++;
    }
  }
}

function countU16(data: Uint16Array, width: number, y0: number, y1: number, pass: PassPlan, hist: Int32Array): void {
  const { segments, codes } = pass;
  const count = segments.length - 1;
  const shift = 16 - Math.log2(codes);
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let s = 0; s < count; s++) {
      const base = s * codes;
      let p = row + segments[s];
      const end = row + segments[s + 1];
      for (; p + 3 < end; p += 4) {
        const a0 = data[p] >> shift;
        const a1 = data[p + 1] >> shift;
        const a2 = data[p + 2] >> shift;
        const a3 = data[p + 3] >> shift;
        if (a0 === a1 && a0 === a2 && a0 === a3) hist[base + a0] += 4;
        else {
          hist[base + a0]++;
          hist[base + a1]++;
          hist[base + a2]++;
          hist[base + a3]++;
        }
      }
      for (; p < end; p++) hist[base + (data[p] >> shift)]++;
    }
  }
}

/** f32: v·P is exact (P a power of two) and v ≥ 0, so truncation is the floor; a − (a >> log2 P) maps P (v = 1) to P − 1. */
function countF32(data: Float32Array, width: number, y0: number, y1: number, pass: PassPlan, hist: Int32Array): void {
  const { segments, codes } = pass;
  const count = segments.length - 1;
  const top = Math.log2(codes);
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let s = 0; s < count; s++) {
      const base = s * codes;
      let p = row + segments[s];
      const end = row + segments[s + 1];
      for (; p + 3 < end; p += 4) {
        let a0 = (data[p] * codes) | 0;
        let a1 = (data[p + 1] * codes) | 0;
        let a2 = (data[p + 2] * codes) | 0;
        let a3 = (data[p + 3] * codes) | 0;
        a0 -= a0 >> top;
        a1 -= a1 >> top;
        a2 -= a2 >> top;
        a3 -= a3 >> top;
        if (a0 === a1 && a0 === a2 && a0 === a3) hist[base + a0] += 4;
        else {
          hist[base + a0]++;
          hist[base + a1]++;
          hist[base + a2]++;
          hist[base + a3]++;
        }
      }
      for (; p < end; p++) {
        const a = (data[p] * codes) | 0;
        hist[base + a - (a >> top)]++;
      }
    }
  }
}

/** a[from] + … + a[to − 1]; to − from is a power of two ≥ 2. */
function sumRun(a: Int32Array, from: number, to: number): number {
  if (to - from === 2) return a[from] + a[from + 1];
  let s0 = 0;
  let s1 = 0;
  for (let x = from; x < to; x += 4) {
    s0 += a[x] + a[x + 1];
    s1 += a[x + 2] + a[x + 3];
  }
  return s0 + s1;
}

/**
 * After the band ending at row line r: reduces each segment's codes to the most bins any level
 * with a row there needs (bin 0 is never stored, so never read), then folds the segments into
 * every such level's entries, left to right, writing them at each of the level's column lines.
 */
function readLine(pass: PassPlan, r: number, hist: Int32Array, counts: CountArray[]): void {
  const { codes, levels } = pass;
  const count = pass.segments.length - 1;
  const read = pass.readCodes[r - 1];
  const per = codes / read;
  let red = hist;
  if (per > 1) {
    if (reduced.length < count * read) reduced = new Int32Array(count * read);
    red = reduced;
    for (let s = 0; s < count; s++) {
      const from = s * codes;
      const to = s * read;
      for (let m = 1; m < read; m++) {
        const lo = from + m * per;
        const hi = lo + per;
        red[to + m] = sumRun(hist, lo, hi);
      }
    }
  }
  const acc = columnSums;
  for (const level of levels) {
    const rowsFrom = level.rowFirst[r - 1];
    const rowsTo = level.rowFirst[r];
    if (rowsFrom === rowsTo) continue;
    const { bins, colFirst, colOffsets, rowOffsets } = level;
    const f = read / bins;
    const out = counts[level.index];
    // acc[b]: pixels of bins ≥ b in the segments so far (a suffix over bins, a prefix over columns).
    acc.fill(0, 0, bins);
    for (let s = 0; s < count; s++) {
      const base = s * read;
      let run = 0;
      if (f === 1) {
        for (let b = bins - 1; b >= 1; b--) {
          run += red[base + b];
          acc[b] += run;
        }
      } else {
        for (let b = bins - 1; b >= 1; b--) {
          run += sumRun(red, base + b * f, base + b * f + f);
          acc[b] += run;
        }
      }
      const colsFrom = colFirst[s];
      const colsTo = colFirst[s + 1];
      for (let ri = rowsFrom; ri < rowsTo; ri++) {
        for (let ci = colsFrom; ci < colsTo; ci++) {
          const at = rowOffsets[ri] + colOffsets[ci] - 1;
          for (let b = 1; b < bins; b++) out[at + b] = acc[b];
        }
      }
    }
  }
}

function runPass(pass: PassPlan, data: MaskData, width: number, counts: CountArray[]): void {
  const { bands, codes } = pass;
  const used = (pass.segments.length - 1) * codes;
  if (histogram.length < used) histogram = new Int32Array(used);
  const hist = histogram;
  hist.fill(0, 0, used);
  if (columnSums.length < codes) columnSums = new Int32Array(codes);
  let words = NO_WORDS;
  let misalign = 0;
  if (data instanceof Uint8Array) {
    misalign = (4 - (data.byteOffset & 3)) & 3;
    const wordCount = (data.length - misalign) >> 2;
    if (wordCount > 0) words = new Int32Array(data.buffer, data.byteOffset + misalign, wordCount);
  }
  for (let r = 1; r < bands.length; r++) {
    const y0 = bands[r - 1];
    const y1 = bands[r];
    if (data instanceof Uint8Array) countU8(data, words, misalign, width, y0, y1, pass, hist);
    else if (data instanceof Uint16Array) countU16(data, width, y0, y1, pass, hist);
    else countF32(data, width, y0, y1, pass, hist);
    readLine(pass, r, hist, counts);
  }
}

/** The levels' count arrays as views of one buffer: one allocation per mask, not one per level. */
function allocLevelCounts(plan: BuildPlan): CountArray[] {
  const { countBytes, lengths } = plan;
  const buffer = new ArrayBuffer(plan.totalEntries * countBytes);
  const counts: CountArray[] = [];
  let offset = 0;
  for (const length of lengths) {
    counts.push(countBytes === 1 ? new Uint8Array(buffer, offset, length) : countBytes === 2 ? new Uint16Array(buffer, offset, length) : new Uint32Array(buffer, offset, length));
    offset += length * countBytes;
  }
  return counts;
}

export function buildChi(mask: Mask, config: ChiConfig): Chi {
  const { width, height, data } = mask;
  const plan = planFor(config, width, height);
  const counts = allocLevelCounts(plan);
  for (const pass of plan.passes) runPass(pass, data, width, counts);
  return { width, height, levels: config.levels, counts };
}
