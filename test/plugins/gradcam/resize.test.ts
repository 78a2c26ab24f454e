import { describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../../plugins/kit/resample.js';

// Expected values worked out by hand from the half-pixel rule: destination index i samples the
// source at (i + 0.5) · src/dst − 0.5, clamped to [0, src − 1].
describe('resizeBilinear', () => {
  it('upsamples 2×2 to 4×4 as cv2.resize INTER_LINEAR does', () => {
    // Sample positions along each axis: −0.25 → 0, 0.25, 0.75, 1.25 → 1; the map is x + y − 2xy.
    const out = resizeBilinear(new Float32Array([0, 1, 1, 0]), 2, 2, 4, 4);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([
      0, 0.25, 0.75, 1,
      0.25, 0.375, 0.625, 0.75,
      0.75, 0.625, 0.375, 0.25,
      1, 0.75, 0.25, 0,
    ]);
  });

  it('upsamples 2×2 to 3×3 (positions 0, 0.5, 1)', () => {
    expect(Array.from(resizeBilinear(new Float32Array([0, 1, 1, 0]), 2, 2, 3, 3))).toEqual([0, 0.5, 1, 0.5, 0.5, 0.5, 1, 0.5, 0]);
  });

  it('downsamples 3 columns to 2 (positions 0.25 and 1.75)', () => {
    expect(Array.from(resizeBilinear(new Float32Array([0, 0.5, 1]), 3, 1, 2, 1))).toEqual([0.125, 0.875]);
  });

  it('resizes width and height independently', () => {
    // Rows: 1 → 2 replicate; columns 2 → 4 as above.
    expect(Array.from(resizeBilinear(new Float32Array([0, 1]), 2, 1, 4, 2))).toEqual([0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1]);
  });

  it('reads 8- and 16-bit samples as k/255 and k/65535', () => {
    expect(Array.from(resizeBilinear(new Uint8Array([0, 255, 51, 102]), 2, 2, 2, 2))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(Array.from(resizeBilinear(new Uint16Array([0, 65535]), 2, 1, 4, 1))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('is the identity when the sizes match', () => {
    const values = new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(resizeBilinear(values, 3, 2, 3, 2)).toEqual(values);
  });

  it('keeps a map of ones at exactly 1 (no rounding above the range)', () => {
    const out = resizeBilinear(new Float32Array(49).fill(1), 7, 7, 224, 224);
    expect(out.length).toBe(224 * 224);
    expect(out.every((v) => v === 1)).toBe(true);
  });
});
