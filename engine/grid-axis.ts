import { gridLine } from './chi.js';

/**
 * One dimension of a level's grid for a mask size: the grid lines, and for every pixel coordinate
 * p in 0..size the largest grid index whose line is ≤ p and the smallest whose line is ≥ p.
 */
export interface GridAxis {
  readonly lines: Int32Array;
  readonly atOrBefore: Int32Array;
  readonly atOrAfter: Int32Array;
}

const axes = new Map<number, GridAxis>();

export function gridAxis(size: number, grid: number): GridAxis {
  const key = size * 512 + grid;
  let axis = axes.get(key);
  if (!axis) {
    const lines = Int32Array.from({ length: grid + 1 }, (_, i) => gridLine(i, size, grid));
    const atOrBefore = new Int32Array(size + 1);
    const atOrAfter = new Int32Array(size + 1);
    for (let p = 0, i = 0; p <= size; p++) {
      while (i < grid && lines[i + 1] <= p) i++;
      atOrBefore[p] = i;
    }
    for (let p = size, i = grid; p >= 0; p--) {
      while (i > 0 && lines[i - 1] >= p) i--;
      atOrAfter[p] = i;
    }
    axis = { lines, atOrBefore, atOrAfter };
    axes.set(key, axis);
  }
  return axis;
}
