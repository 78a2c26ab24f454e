import { Rng } from '../demo/rng.js';

/**
 * A float32 Grad-CAM map as pytorch-grad-cam returns it: a low × low grid of ReLU'd class
 * activations, bilinearly upsampled (align_corners = false) and min–max normalised. Unlike the
 * u8 masks of synthetic-masks.ts, the values keep full float precision, which is what makes
 * float maps expensive to compress.
 */
export function gradCamF32(size: number, low: number, seed: number): Float32Array {
  const rng = new Rng(seed, 0x6772);
  const grid = new Float64Array(low * low);
  const peak = rng.int(0, low * low - 1);
  for (let i = 0; i < grid.length; i++) grid[i] = Math.max(0, rng.uniform(-1.2, 0.8) + (i === peak ? 1 : 0));
  const out = new Float32Array(size * size);
  const scale = low / size;
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(low - 1, Math.max(0, (y + 0.5) * scale - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(low - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(low - 1, Math.max(0, (x + 0.5) * scale - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(low - 1, x0 + 1);
      const wx = fx - x0;
      const top = grid[y0 * low + x0] * (1 - wx) + grid[y0 * low + x1] * wx;
      const bottom = grid[y1 * low + x0] * (1 - wx) + grid[y1 * low + x1] * wx;
      const v = top * (1 - wy) + bottom * wy;
      out[y * size + x] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const range = max - min || 1;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, (out[i] - min) / range);
  return out;
}
