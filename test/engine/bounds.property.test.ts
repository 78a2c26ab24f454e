import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeBoundsByEncoding, buildChi, chiBounds, chiView, compileRange, countInRect, rangeBins, rangeKernel } from '../../engine/index.js';
import { chiConfigArb, maskArb, rangeArb, rectFor } from '../support/arbitraries.js';
import { cp } from '../support/brute-force.js';

describe('CHI bounds', () => {
  it('bracket the exact count for every mask, rectangle, range, grid and bin count', () => {
    fc.assert(
      fc.property(
        chiConfigArb,
        maskArb().chain((mask) => fc.tuple(fc.constant(mask), rectFor(mask), rangeArb)),
        (config, [mask, rect, range]) => {
          const exact = cp(mask, rect, range);
          const [x0, y0, x1, y1] = rect;
          const r = { x0, y0, x1, y1 };
          const compiled = compileRange(range);
          expect(countInRect(mask, r, rangeKernel(compiled))).toBe(exact);
          const view = chiView(buildChi(mask, config));
          const out = new Float64Array(2);
          chiBounds(view, r, rangeBins(compiled, config.bins), out);
          const continuous = [out[0], out[1]];
          new RangeBoundsByEncoding(compiled, config.grid, config.bins).for(mask.encoding).bounds(view.counts, 0, mask.width, mask.height, r, out);
          // The encoding-aware bounds are sound and never looser than the continuous ones.
          for (const [lower, upper] of [continuous, [out[0], out[1]]]) {
            expect(lower).toBeLessThanOrEqual(exact);
            expect(upper).toBeGreaterThanOrEqual(exact);
            expect(lower).toBeGreaterThanOrEqual(0);
            expect(upper).toBeLessThanOrEqual((x1 - x0) * (y1 - y0));
          }
          expect(out[0]).toBeGreaterThanOrEqual(continuous[0]);
          expect(out[1]).toBeLessThanOrEqual(continuous[1]);
        },
      ),
      { numRuns: 4000, seed: 20261126 },
    );
  });

  it('are exact for 8-bit masks on grid-aligned rectangles when the range covers whole bins of 8-bit values', () => {
    const mask = { width: 16, height: 16, encoding: 'u8' as const, data: Uint8Array.from({ length: 256 }, (_, i) => i) };
    const view = chiView(buildChi(mask, { grid: 4, bins: 16 }));
    const out = new Float64Array(2);
    const rect = { x0: 0, y0: 4, x1: 12, y1: 16 };
    new RangeBoundsByEncoding(compileRange({ gt: 0.5, lte: 1 }), 4, 16).for('u8').bounds(view.counts, 0, 16, 16, rect, out);
    const exact = cp(mask, [0, 4, 12, 16], { gt: 0.5, lte: 1 });
    expect([out[0], out[1]]).toEqual([exact, exact]);
    chiBounds(view, rect, rangeBins(compileRange({ gt: 0.5, lte: 1 }), 16), out);
    expect(out[0]).toBeLessThan(exact);
  });

  it('are exact for grid-aligned rectangles and bin-aligned ranges', () => {
    fc.assert(
      fc.property(
        chiConfigArb,
        maskArb(),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 32 }),
        (config, mask, a, b, c, d, e, f) => {
          const G = config.grid;
          const B = config.bins;
          const [i0, i1] = [Math.min(a, b) % (G + 1), Math.max(a, b) % (G + 1)].sort((p, q) => p - q);
          const [j0, j1] = [Math.min(c, d) % (G + 1), Math.max(c, d) % (G + 1)].sort((p, q) => p - q);
          const line = (i: number, size: number) => Math.floor((i * size) / G);
          const rect = { x0: line(j0, mask.width), x1: line(j1, mask.width), y0: line(i0, mask.height), y1: line(i1, mask.height) };
          const b0 = e % B;
          const b1 = b0 + (f % (B - b0 + 1));
          // [b0/B, b1/B) is a union of whole bins, except that 1 belongs to the last bin.
          const range = b1 === B ? { gte: b0 / B } : { gte: b0 / B, lt: b1 / B };
          const exact = cp(mask, [rect.x0, rect.y0, rect.x1, rect.y1], range);
          const out = new Float64Array(2);
          chiBounds(chiView(buildChi(mask, config)), rect, rangeBins(compileRange(range), B), out);
          expect([out[0], out[1]]).toEqual([exact, exact]);
        },
      ),
      { numRuns: 1500, seed: 7 },
    );
  });
});
