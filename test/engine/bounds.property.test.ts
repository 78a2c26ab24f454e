import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENCODINGS, MaskTable, RangeCounter, buildChi, compileRange, newStats } from '../../engine/index.js';
import type { ChiConfig, Mask, ValueRange } from '../../engine/index.js';
import { MaskBounds } from '../../engine/mask-bounds.js';
import { candidatesOf } from '../../engine/candidates.js';
import { chiConfigArb, maskArb, rangeArb, rectFor } from '../support/arbitraries.js';
import { cp } from '../support/brute-force.js';

/** A table holding one mask (slot 0) with its CHI, and the bounds of one range over it. */
/** First-pass bounds of the one mask in rect. */
function firstPass(bounds: MaskBounds, table: MaskTable, rect: { x0: number; y0: number; x1: number; y1: number }): [number, number] {
  const lo = new Float64Array(1);
  const hi = new Float64Array(1);
  bounds.first(candidatesOf(table, Int32Array.of(0), Int32Array.of(rect.x0, rect.y0, rect.x1, rect.y1)), lo, hi);
  return [lo[0], hi[0]];
}

function boundsOf(mask: Mask, config: ChiConfig, range: ValueRange) {
  const table = new MaskTable(config);
  table.putImage({ id: 1, width: mask.width, height: mask.height });
  table.putMask({ id: 1, imageId: 1, width: mask.width, height: mask.height, encoding: mask.encoding }, buildChi(mask, config));
  return { bounds: new MaskBounds(table, compileRange(range), newStats()), table };
}

describe('CHI bounds', () => {
  it('bracket the exact count at every level, in the first pass and cell by cell, for every mask, rectangle, range and configuration', () => {
    fc.assert(
      fc.property(chiConfigArb, maskArb().chain((mask) => fc.tuple(fc.constant(mask), rectFor(mask), rangeArb)), (config, [mask, rect, range]) => {
        const exact = cp(mask, rect, range);
        const [x0, y0, x1, y1] = rect;
        const r = { x0, y0, x1, y1 };
        const area = (x1 - x0) * (y1 - y0);
        expect(new RangeCounter(compileRange(range)).count(mask, r)).toBe(exact);
        const { bounds, table } = boundsOf(mask, config, range);
        const [lo, hi] = firstPass(bounds, table, r);
        expect(lo).toBeLessThanOrEqual(exact);
        expect(hi).toBeGreaterThanOrEqual(exact);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(area);

        bounds.prepareCells(mask.width, mask.height, ENCODINGS.indexOf(mask.encoding), r);
        const cells = bounds.cells;
        const cellLo = new Int32Array(cells.cellCount);
        const cellHi = new Int32Array(cells.cellCount);
        const out = new Float64Array(2);
        bounds.refine(0, cellLo, cellHi, out);
        // Reading the cells wholly inside the ROI as one rectangle gives the same bounds, whether
        // prepared with every cell or (as refinement does) with only the cells the ROI cuts.
        const sums = new Float64Array(2);
        bounds.refineSums(0, sums);
        expect(Array.from(sums)).toEqual(Array.from(out));
        const sumsOnly = new MaskBounds(table, compileRange(range), newStats());
        sumsOnly.prepareSums(mask.width, mask.height, ENCODINGS.indexOf(mask.encoding), r);
        sumsOnly.refineSums(0, sums);
        expect(Array.from(sums)).toEqual(Array.from(out));
        expect(out[0]).toBeLessThanOrEqual(exact);
        expect(out[1]).toBeGreaterThanOrEqual(exact);
        let covered = 0;
        for (let k = 0; k < cells.cellCount; k++) {
          const [cx0, cy0, cx1, cy1] = cells.cellRects.subarray(k * 4, k * 4 + 4);
          covered += (cx1 - cx0) * (cy1 - cy0);
          const inCell = cp(mask, [cx0, cy0, cx1, cy1], range);
          expect(cellLo[k]).toBeLessThanOrEqual(inCell);
          expect(cellHi[k]).toBeGreaterThanOrEqual(inCell);
        }
        // The cells partition the ROI.
        expect(covered).toBe(area);
      }),
      { numRuns: 5000, seed: 20261201 },
    );
  });

  it('are exact for 8-bit masks over the full mask with a 256-bin histogram level, for any range', () => {
    fc.assert(
      fc.property(maskArb().filter((m) => m.encoding === 'u8'), rangeArb, (mask, range) => {
        const { bounds, table } = boundsOf(mask, { levels: [{ grid: 1, bins: 256 }, { grid: 4, bins: 4 }] }, range);
        const exact = cp(mask, [0, 0, mask.width, mask.height], range);
        expect(firstPass(bounds, table, { x0: 0, y0: 0, x1: mask.width, y1: mask.height })).toEqual([exact, exact]);
      }),
      { numRuns: 1500, seed: 11 },
    );
  });

  it('give one array the same exact counts as two for whole masks of every encoding, divided or not', () => {
    const config: ChiConfig = { levels: [{ grid: 1, bins: 256 }, { grid: 8, bins: 8 }] };
    let exactCases = 0;
    fc.assert(
      fc.property(fc.array(maskArb(), { minLength: 1, maxLength: 6 }), rangeArb, fc.boolean(), (masks, range, divide) => {
        const table = new MaskTable(config);
        masks.forEach((mask, k) => {
          table.putImage({ id: k + 1, width: mask.width, height: mask.height });
          table.putMask({ id: k + 1, imageId: k + 1, width: mask.width, height: mask.height, encoding: mask.encoding }, buildChi(mask, config));
        });
        const slots = Int32Array.from(masks, (_, k) => k);
        const rects = Int32Array.from(masks.flatMap((m) => [0, 0, m.width, m.height]));
        const bounds = new MaskBounds(table, compileRange(range), newStats());
        const c = candidatesOf(table, slots, rects);
        const lo = new Float64Array(c.size);
        const hi = new Float64Array(c.size);
        bounds.first(c, lo, hi, divide);
        if (!bounds.exact(c)) return;
        exactCases += masks.some((m) => m.encoding !== 'u8') ? 1 : 0;
        const one = new Float64Array(c.size);
        bounds.first(c, one, one, divide);
        for (let k = 0; k < c.size; k++) {
          const mask = masks[c.keys[k] - 1];
          const count = cp(mask, [0, 0, mask.width, mask.height], range);
          const expected = divide ? count / (mask.width * mask.height) : count;
          expect([one[k], lo[k], hi[k]]).toEqual([expected, expected, expected]);
        }
      }),
      { numRuns: 1500, seed: 12 },
    );
    // Sets holding 16-bit or float masks are exact only for ranges on the histogram's bin edges; some must have been checked.
    expect(exactCases).toBeGreaterThan(20);
  });

  it('are exact for grid-aligned rectangles and bin-aligned ranges', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 4, 8),
        fc.constantFrom(2, 4, 8, 16),
        maskArb(),
        fc.tuple(fc.nat(16), fc.nat(16), fc.nat(16), fc.nat(16), fc.nat(32), fc.nat(32)),
        (G, B, mask, [a, b, c, d, e, f]) => {
          const [i0, i1] = [a % (G + 1), b % (G + 1)].sort((p, q) => p - q);
          const [j0, j1] = [c % (G + 1), d % (G + 1)].sort((p, q) => p - q);
          const line = (i: number, size: number) => Math.floor((i * size) / G);
          const rect = { x0: line(j0, mask.width), x1: line(j1, mask.width), y0: line(i0, mask.height), y1: line(i1, mask.height) };
          const b0 = e % B;
          const b1 = b0 + (f % (B - b0 + 1));
          // [b0/B, b1/B) is a union of whole bins, except that 1 belongs to the last bin.
          const range = b1 === B ? { gte: b0 / B } : { gte: b0 / B, lt: b1 / B };
          if (b1 === b0) return;
          const exact = cp(mask, [rect.x0, rect.y0, rect.x1, rect.y1], range);
          const { bounds, table } = boundsOf(mask, { levels: [{ grid: G, bins: B }] }, range);
          expect(firstPass(bounds, table, rect)).toEqual([exact, exact]);
        },
      ),
      { numRuns: 1500, seed: 7 },
    );
  });
});
