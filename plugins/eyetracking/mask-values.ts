import type { MaskValues } from '../kit/index.js';

/**
 * How a normalised map is stored. 'u16' (the default) keeps k/65535: a resolution of 1.5e-5 is
 * far finer than a fixation map means anything (its shape comes from a σ chosen by convention
 * and a dozen observers), at half the bytes of 'f32'. 'u8' (k/255) is the smallest; 'f32' keeps
 * the rendered values as they are.
 */
export type Precision = 'u16' | 'u8' | 'f32';

/**
 * The map divided by its maximum, so the peak is exactly 1 (stored as 65535, 255 or 1.0) and
 * every value lies in [0, 1], rounded to the nearest step of the precision. A map with no
 * positive value stays all zero. `map` is reused for 'f32'.
 */
export function normalisedMaskValues(map: Float32Array, precision: Precision): { data: MaskValues; peak: number } {
  let peak = 0;
  for (let i = 0; i < map.length; i++) if (map[i] > peak) peak = map[i];
  if (precision === 'f32') {
    // v / peak ≤ 1 for v ≤ peak in IEEE arithmetic, and peak / peak is exactly 1.
    if (peak > 0) for (let i = 0; i < map.length; i++) map[i] /= peak;
    return { data: map, peak };
  }
  const levels = precision === 'u8' ? 255 : 65535;
  const data = precision === 'u8' ? new Uint8Array(map.length) : new Uint16Array(map.length);
  if (peak > 0) {
    const scale = levels / peak;
    // Storing into an unsigned typed array truncates, so + 0.5 rounds to nearest; peak·scale is
    // levels within a few ulps, so the peak stores as exactly `levels`.
    for (let i = 0; i < map.length; i++) data[i] = map[i] * scale + 0.5;
  }
  return { data, peak };
}
