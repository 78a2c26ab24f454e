import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidQueryError, aggregateFilter, aggregateTopK, filterByCP, topKByCP } from '../../engine/index.js';
import { chiConfigArb, datasetArb, rangeArb, rangeEndArb, roiArb } from '../support/arbitraries.js';
import type { Dataset } from '../support/arbitraries.js';
import { aggregateValues, bruteFilter, bruteTopK, cpValues, memberAggregateValues } from '../support/brute-force.js';
import { emptyByRule, engineFor } from '../support/engine-fixture.js';

const opArb = fc.constantFrom('GT' as const, 'GTE' as const, 'LT' as const, 'LTE' as const);
const orderArb = fc.constantFrom('ASC' as const, 'DESC' as const);
const normalizeArb = fc.constantFrom('COUNT' as const, 'ROI_FRACTION' as const);
const thresholdArb = fc.oneof(fc.integer({ min: -1, max: 40 }), fc.double({ min: -0.1, max: 1.1, noNaN: true }), fc.constantFrom(0, 0.5, 1, 0.25));
const minAreaArb = fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined });
const batchArb = fc.constantFrom(1, 3, 256);

/** Candidate ids: all masks (undefined), or a subset with duplicates and ids not in the index. */
const candidatesArb = (data: Dataset) =>
  fc.option(
    fc.array(fc.oneof(fc.constantFrom(...(data.masks.length ? data.masks.map((m) => m.id) : [1])), fc.integer({ min: 0, max: 400 })), { maxLength: 30 }),
    { nil: undefined },
  );

const whereOf = (candidates: number[] | undefined) => (candidates ? { ids: candidates } : undefined);

const restrict = (data: Dataset, candidates: number[] | undefined) =>
  candidates ? data.masks.filter((m) => candidates.includes(m.id)) : data.masks;

const caseArb = datasetArb().chain((data) =>
  fc.record({
    data: fc.constant(data),
    config: chiConfigArb,
    roi: roiArb,
    range: rangeArb,
    normalize: normalizeArb,
    minRoiArea: minAreaArb,
    candidates: candidatesArb(data),
    batchSize: batchArb,
  }),
);

/**
 * Ranges of whole bins of one of the configuration's levels (over and under bins coincide there)
 * with each image's own box: the first pass's fast path for image boxes.
 */
const wholeBinsCaseArb = caseArb.chain((c) => {
  const grids = c.config.levels.filter((l) => l.grid > 1);
  return fc
    .tuple(fc.constantFrom(...(grids.length > 0 ? grids : c.config.levels)), fc.nat(), fc.nat())
    .map(([level, a, b]) => {
      const first = Math.min(a, b) % level.bins;
      const last = first + (Math.max(a, b) % (level.bins - first));
      const range = last + 1 === level.bins ? { gte: first / level.bins, lte: 1 } : { gte: first / level.bins, lt: (last + 1) / level.bins };
      return { ...c, roi: { kind: 'imageBox' as const, name: 'object' }, range };
    });
});

describe('CP queries on ranges of whole bins over image boxes equal brute force', () => {
  it('filters and ranks top-k', async () => {
    await fc.assert(
      fc.asyncProperty(wholeBinsCaseArb, opArb, thresholdArb, fc.integer({ min: 1, max: 30 }), orderArb, async (c, op, threshold, k, order) => {
        const ctx = engineFor(c.data, c.config, c.batchSize);
        const base = { roi: c.roi, range: c.range, normalize: c.normalize, minRoiArea: c.minRoiArea, where: whereOf(c.candidates) };
        const all = cpValues(restrict(c.data, c.candidates), c.data.images, base);
        const filtered = await filterByCP(ctx, { ...base, op, threshold });
        const expected = bruteFilter(all, op, threshold);
        expect(Array.from(filtered.keys)).toEqual(expected.map((e) => e.id));
        expect(await filtered.values(Array.from(filtered.keys))).toEqual(expected.map((e) => e.value));
        const ranked = await topKByCP(ctx, { ...base, k, order });
        expect(ranked.items).toEqual(bruteTopK(all, k, order).map((e, i) => ({ rank: i + 1, key: e.id, value: e.value })));
      }),
      { numRuns: 1500, seed: 7 },
    );
  });
});

describe('filterByCP equals brute force', () => {
  it('for every op, threshold, ROI, range and candidate set, with and without the index', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, opArb, thresholdArb, fc.boolean(), async (c, op, threshold, useIndex) => {
        const ctx = engineFor(c.data, c.config, c.batchSize);
        const spec = { roi: c.roi, range: c.range, normalize: c.normalize, minRoiArea: c.minRoiArea, where: whereOf(c.candidates), op, threshold, useIndex };
        if (emptyByRule(c.range)) {
          await expect(filterByCP(ctx, spec)).rejects.toThrow(InvalidQueryError);
          return;
        }
        const result = await filterByCP(ctx, spec);
        const all = cpValues(restrict(c.data, c.candidates), c.data.images, spec);
        const expected = bruteFilter(all, op, threshold);
        expect(Array.from(result.keys)).toEqual(expected.map((e) => e.id));
        expect(await result.values(Array.from(result.keys))).toEqual(expected.map((e) => e.value));
        const s = result.stats;
        expect(s.candidates).toBe(new Set(restrict(c.data, c.candidates).map((m) => m.id)).size);
        expect(s.skipped).toBe(s.candidates - all.length);
        if (!useIndex) expect(s.verified).toBe(all.length);
        expect(s.prunedByIndex + s.acceptedByIndex).toBeLessThanOrEqual(all.length);
        // Every load is of a mask the bounds could not decide, or of an accepted mask's value.
        expect(ctx.loader.requested.length).toBeLessThanOrEqual(all.length + result.keys.length);
      }),
      { numRuns: 2500, seed: 1 },
    );
  });
});

describe('topKByCP equals brute force', () => {
  it('for k from 1 to more than N, both orders, ties by id', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 30 }), orderArb, fc.boolean(), async (c, k, order, useIndex) => {
        const ctx = engineFor(c.data, c.config, c.batchSize);
        const spec = { roi: c.roi, range: c.range, normalize: c.normalize, minRoiArea: c.minRoiArea, where: whereOf(c.candidates), k, order, useIndex };
        if (emptyByRule(c.range)) {
          await expect(topKByCP(ctx, spec)).rejects.toThrow(InvalidQueryError);
          return;
        }
        const result = await topKByCP(ctx, spec);
        const all = cpValues(restrict(c.data, c.candidates), c.data.images, spec);
        const expected = bruteTopK(all, k, order);
        expect(result.items).toEqual(expected.map((e, i) => ({ rank: i + 1, key: e.id, value: e.value })));
        const s = result.stats;
        expect(s.skipped).toBe(s.candidates - all.length);
        if (useIndex) expect(s.prunedByIndex + s.acceptedByIndex + s.verified).toBe(all.length);
      }),
      { numRuns: 2500, seed: 2 },
    );
  });
});

const aggCaseArb = datasetArb().chain((data) =>
  fc.record({
    data: fc.constant(data),
    config: chiConfigArb,
    roi: roiArb,
    op: fc.constantFrom('INTERSECT' as const, 'UNION' as const),
    measure: fc.constantFrom('COUNT' as const, 'ROI_FRACTION' as const, 'IOU' as const),
    threshold: rangeEndArb,
    minRoiArea: minAreaArb,
    candidates: candidatesArb(data),
    batchSize: batchArb,
  }),
);

describe('aggregation equals brute force', () => {
  it('filters groups with having', async () => {
    await fc.assert(
      fc.asyncProperty(aggCaseArb, opArb, thresholdArb, fc.boolean(), async (c, op, having, useIndex) => {
        const ctx = engineFor(c.data, c.config, c.batchSize);
        const result = await aggregateFilter(ctx, { ...c, where: whereOf(c.candidates), having: { op, threshold: having }, useIndex });
        const expected = aggregateValues(restrict(c.data, c.candidates), c.data.images, c)
          .filter((g) => bruteFilter([g], op, having).length > 0)
          .sort((a, b) => a.id - b.id);
        expect(Array.from(result.keys)).toEqual(expected.map((g) => g.id));
        expect(await result.values(Array.from(result.keys))).toEqual(expected.map((g) => g.value));
        expect(Array.from(result.keys, (k) => result.members(k).sort((a, b) => a - b))).toEqual(expected.map((g) => g.members));
      }),
      { numRuns: 2000, seed: 3 },
    );
  });

  it('ranks groups top-k', async () => {
    await fc.assert(
      fc.asyncProperty(aggCaseArb, fc.integer({ min: 1, max: 10 }), orderArb, fc.boolean(), async (c, k, order, useIndex) => {
        const ctx = engineFor(c.data, c.config, c.batchSize);
        const result = await aggregateTopK(ctx, { ...c, where: whereOf(c.candidates), k, order, useIndex });
        const expected = bruteTopK(aggregateValues(restrict(c.data, c.candidates), c.data.images, c), k, order);
        expect(result.items).toEqual(expected.map((g, i) => ({ rank: i + 1, key: g.id, value: g.value })));
      }),
      { numRuns: 2000, seed: 4 },
    );
  });
});

/** Two or three member selectors over subsets of the masks, some with their own threshold. */
const membersArb = (data: Dataset) =>
  fc.array(
    fc.record({
      ids: fc.subarray(data.masks.map((m) => m.id)),
      threshold: fc.option(rangeEndArb, { nil: undefined }),
    }),
    { minLength: 1, maxLength: 3 },
  );

describe('member-selected aggregation equals brute force', () => {
  const memberCaseArb = aggCaseArb.chain((c) => fc.record({ c: fc.constant(c), members: membersArb(c.data) }));

  it('ranks groups of one mask per selector top-k, skipping images that lack a member', async () => {
    await fc.assert(
      fc.asyncProperty(memberCaseArb, fc.integer({ min: 1, max: 10 }), orderArb, fc.boolean(), async ({ c, members }, k, order, useIndex) => {
        const ctx = engineFor(c.data, c.config, c.batchSize);
        const spec = { ...c, where: whereOf(c.candidates), members: members.map((m) => ({ where: { ids: m.ids }, threshold: m.threshold })) };
        const result = await aggregateTopK(ctx, { ...spec, k, order, useIndex });
        const expected = bruteTopK(memberAggregateValues(restrict(c.data, c.candidates), c.data.images, c, members), k, order);
        expect(result.items).toEqual(expected.map((g, i) => ({ rank: i + 1, key: g.id, value: g.value })));
        expect(result.items.map((i) => result.members(i.key).sort((a, b) => a - b))).toEqual(expected.map((g) => g.members));
      }),
      { numRuns: 1500, seed: 5 },
    );
  });

  it('filters such groups with having', async () => {
    await fc.assert(
      fc.asyncProperty(memberCaseArb, opArb, thresholdArb, fc.boolean(), async ({ c, members }, op, having, useIndex) => {
        const ctx = engineFor(c.data, c.config, c.batchSize);
        const spec = { ...c, where: whereOf(c.candidates), members: members.map((m) => ({ where: { ids: m.ids }, threshold: m.threshold })) };
        const result = await aggregateFilter(ctx, { ...spec, having: { op, threshold: having }, useIndex });
        const expected = memberAggregateValues(restrict(c.data, c.candidates), c.data.images, c, members)
          .filter((g) => bruteFilter([g], op, having).length > 0)
          .sort((a, b) => a.id - b.id);
        expect(Array.from(result.keys)).toEqual(expected.map((g) => g.id));
        expect(await result.values(Array.from(result.keys))).toEqual(expected.map((g) => g.value));
      }),
      { numRuns: 1500, seed: 6 },
    );
  });
});
