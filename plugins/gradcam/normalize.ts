import type { RawValues } from './values.js';

/**
 * Min–max normalisation of finite values to [0, 1]: the smallest value becomes 0 and the largest
 * 1. A constant mask has no contrast to stretch and becomes all zeros, as pytorch-grad-cam's own
 * scaling (x − min) / (max − min + 1e-7) makes it.
 */
export function normalizeMinMax(values: RawValues): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float32Array(values.length);
  const range = max - min;
  if (range === 0) return out;
  // Dividing (rather than multiplying by 1 / range) maps the maximum to exactly 1.
  for (let i = 0; i < values.length; i++) out[i] = (values[i] - min) / range;
  return out;
}
