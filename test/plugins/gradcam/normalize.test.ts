import { describe, expect, it } from 'vitest';
import { normalizeMinMax } from '../../../plugins/gradcam/normalize.js';

describe('normalizeMinMax', () => {
  it('maps the minimum to 0 and the maximum to 1', () => {
    const out = normalizeMinMax(new Float32Array([2, 4, 6, 10]));
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([0, 0.25, 0.5, 1]);
    expect(Array.from(normalizeMinMax(new Float32Array([-3, -1, 1])))).toEqual([0, 0.5, 1]);
  });

  it('normalises integer samples by their own range', () => {
    expect(Array.from(normalizeMinMax(new Uint8Array([10, 20, 30])))).toEqual([0, 0.5, 1]);
    expect(Array.from(normalizeMinMax(new Uint16Array([1000, 3000])))).toEqual([0, 1]);
  });

  it('divides float64 before rounding to float32', () => {
    expect(Array.from(normalizeMinMax(new Float64Array([0, 1, 3])))).toEqual([0, Math.fround(1 / 3), 1]);
  });

  it('turns a constant mask into zeros', () => {
    expect(Array.from(normalizeMinMax(new Float32Array([0.7, 0.7, 0.7])))).toEqual([0, 0, 0]);
  });
});
