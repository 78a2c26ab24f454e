import { describe, expect, it } from 'vitest';
import { TRUNCATION_SIGMAS, gaussianKernel, renderDensityMap } from '../../../plugins/eyetracking/density-map.js';
import { normalisedMaskValues } from '../../../plugins/eyetracking/mask-values.js';
import { directGaussianSum, maxDifference, peakOf } from './helpers.js';

const points = [
  { x: 3.7, y: 4.2, weight: 1 },
  { x: 20.1, y: 9.9, weight: 2.5 },
  { x: 21.0, y: 10.5, weight: 0.5 },
  { x: 0.2, y: 27.9, weight: 1 }, // in the bottom-left corner: half its Gaussian falls off the map
  { x: 39.99, y: 0, weight: 0.75 }, // top-right corner
];
const impulses = (ps: typeof points) => ps.map((p) => ({ column: Math.floor(p.x), row: Math.floor(p.y), weight: p.weight }));

describe('renderDensityMap', () => {
  it.each([0.7, 2, 3.3, 6])('equals the direct sum of truncated Gaussians at the fixation pixels (σ = %s)', (sigma) => {
    const [width, height] = [40, 28];
    const map = renderDensityMap(width, height, impulses(points), sigma);
    const radius = Math.ceil(TRUNCATION_SIGMAS * sigma);
    const direct = directGaussianSum(width, height, points, sigma, radius);
    expect(maxDifference(map, direct) / peakOf(direct)).toBeLessThan(1e-6);
  });

  it('differs from the untruncated Gaussian sum by no more than the cut-off tails, e^(−12.5) of each weight', () => {
    const [width, height, sigma] = [60, 50, 4.5];
    const map = renderDensityMap(width, height, impulses(points), sigma);
    const exact = directGaussianSum(width, height, points, sigma);
    const tails = points.reduce((sum, p) => sum + p.weight, 0) * Math.exp(-(TRUNCATION_SIGMAS ** 2) / 2);
    expect(maxDifference(map, exact)).toBeLessThanOrEqual(tails + 1e-6 * peakOf(exact));
    expect(maxDifference(map, exact)).toBeGreaterThan(0); // the truncation is there: the test can tell
  });

  it('pads with zeros: a corner fixation contributes exactly its on-map part, nothing reflected back', () => {
    const sigma = 3;
    const map = renderDensityMap(10, 10, [{ column: 0, row: 0, weight: 1 }], sigma);
    expect(map[0]).toBeCloseTo(1, 6);
    expect(map[1 * 10 + 1]).toBeCloseTo(Math.exp(-2 / (2 * sigma * sigma)), 6);
    expect(map[9 * 10 + 9]).toBeCloseTo(Math.exp(-162 / (2 * sigma * sigma)), 6);
  });

  it('keeps the kernel radius within the map for a σ larger than the image', () => {
    expect(gaussianKernel(1e6, 99).radius).toBe(99);
    const map = renderDensityMap(100, 3, [{ column: 50, row: 1, weight: 1 }], 1e6);
    expect(Math.min(...map)).toBeGreaterThan(0.99999);
  });

  it('adds fixations that fall on the same pixel', () => {
    const once = renderDensityMap(9, 9, [{ column: 4, row: 4, weight: 1 }], 1.5);
    const twice = renderDensityMap(9, 9, [{ column: 4, row: 4, weight: 1 }, { column: 4, row: 4, weight: 1 }], 1.5);
    expect(maxDifference(twice, once.map((v) => 2 * v))).toBeLessThan(1e-7);
  });
});

describe('normalisedMaskValues', () => {
  const map = () => renderDensityMap(40, 28, impulses(points), 2.2);

  it.each([
    ['u16', Uint16Array, 65535],
    ['u8', Uint8Array, 255],
    ['f32', Float32Array, 1],
  ] as const)('%s: the peak is exactly the top value, every value in [0, top], each the nearest step of value/peak', (precision, type, top) => {
    const raw = map();
    const expected = Float64Array.from(raw);
    const { data, peak } = normalisedMaskValues(raw, precision);
    expect(data).toBeInstanceOf(type);
    expect(peakOf(data)).toBe(top);
    expect(Math.min(...data)).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < data.length; i++) expect(Math.abs(data[i] - (expected[i] / peak) * top)).toBeLessThanOrEqual(top === 1 ? 1e-7 : 0.5 + 1e-6);
  });

  it('leaves an all-zero map all zero', () => {
    const { data, peak } = normalisedMaskValues(new Float32Array(12), 'u16');
    expect(peak).toBe(0);
    expect(peakOf(data)).toBe(0);
  });
});
