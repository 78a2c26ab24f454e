/**
 * A straightforward CHI builder, kept as bench:chi's reference point: per level, a histogram per
 * (cell, bin) from binOf of every pixel's value, then suffix sums over bins and prefix sums over
 * columns and rows, as design.md §3 defines the entries.
 */
import type { Chi, ChiConfig, Mask } from '../engine/index.js';
import { allocCounts, binOf, countBytesFor, encodingScale, gridLine, levelEntryCount } from '../engine/index.js';

/** For each pixel coordinate 0..size − 1, the grid cell it lies in. */
function cellOf(size: number, grid: number): Int32Array {
  const cells = new Int32Array(size);
  for (let i = 0; i < grid; i++) cells.fill(i, gridLine(i, size, grid), gridLine(i + 1, size, grid));
  return cells;
}

export function referenceChi(mask: Mask, config: ChiConfig): Chi {
  const { width, height, data } = mask;
  const scale = encodingScale[mask.encoding];
  const countBytes = countBytesFor(width, height);
  const counts = config.levels.map((level) => {
    const { grid: g, bins: b } = level;
    const rowCell = cellOf(height, g);
    const colCell = cellOf(width, g);
    const hist = new Int32Array(g * g * b);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) hist[(rowCell[y] * g + colCell[x]) * b + binOf(data[y * width + x] / scale, b)]++;
    }
    for (let cell = 0; cell < g * g; cell++) for (let k = b - 2; k >= 0; k--) hist[cell * b + k] += hist[cell * b + k + 1];
    for (let i = 0; i < g; i++) for (let j = 1; j < g; j++) for (let k = 0; k < b; k++) hist[(i * g + j) * b + k] += hist[(i * g + j - 1) * b + k];
    for (let i = 1; i < g; i++) for (let j = 0; j < g; j++) for (let k = 0; k < b; k++) hist[(i * g + j) * b + k] += hist[((i - 1) * g + j) * b + k];
    const out = allocCounts(countBytes, levelEntryCount(level));
    for (let cell = 0, at = 0; cell < g * g; cell++) for (let k = 1; k < b; k++) out[at++] = hist[cell * b + k];
    return out;
  });
  return { width, height, levels: config.levels, counts };
}
