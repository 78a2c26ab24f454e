import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateTopK, buildChi, filterByCP, topKByCP } from '../../engine/index.js';
import type { EngineContext } from '../../engine/index.js';
import { chiConfigArb, datasetArb, maskArb, rangeArb, roiArb } from '../support/arbitraries.js';
import type { Dataset } from '../support/arbitraries.js';
import { aggregateValues, bruteFilter, bruteTopK, cpValues } from '../support/brute-force.js';
import type { BoxTuple } from '../support/brute-force.js';
import { emptyByRule, engineFor } from '../support/engine-fixture.js';

/** A change to the table and the reference dataset alike. */
type Change =
  | { kind: 'remove'; pick: number }
  | { kind: 'add'; pick: number; mask: Dataset['masks'][number]['mask'] }
  | { kind: 'box'; pick: number; box: BoxTuple | null }
  | { kind: 'index'; pick: number };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), mask: maskArb() }),
  fc.record({
    kind: fc.constant('box' as const),
    pick: fc.nat(),
    box: fc.option(fc.tuple(fc.integer({ min: -3, max: 20 }), fc.integer({ min: -3, max: 20 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 25 })), { nil: null }),
  }),
  fc.record({ kind: fc.constant('index' as const), pick: fc.nat() }),
);

let nextId = 10_000;

/** Returns the mask added, if any. */
function apply(change: Change, data: Dataset, ctx: EngineContext, config: Parameters<typeof buildChi>[1]): Dataset['masks'][number] | null {
  const images = [...data.images.values()];
  if (change.kind === 'remove' && data.masks.length > 0) {
    const [gone] = data.masks.splice(change.pick % data.masks.length, 1);
    ctx.table.removeMask(gone.id);
  } else if (change.kind === 'add' && images.length > 0) {
    const image = images[change.pick % images.length];
    const id = nextId++;
    data.masks.push({ id, imageId: image.id, mask: change.mask });
    data.indexed.add(id);
    const { width, height, encoding } = change.mask;
    ctx.table.putMask({ id, imageId: image.id, width, height, encoding }, buildChi(change.mask, config));
    return data.masks[data.masks.length - 1];
  } else if (change.kind === 'box' && images.length > 0) {
    const image = images[change.pick % images.length];
    image.boxes = change.box ? { object: change.box } : {};
    ctx.table.putImage(image);
  } else if (change.kind === 'index' && data.masks.length > 0) {
    const m = data.masks[change.pick % data.masks.length];
    if (!data.indexed.has(m.id)) {
      data.indexed.add(m.id);
      ctx.table.setChi(m.id, buildChi(m.mask, config));
    }
  }
  return null;
}

describe('a query repeated while the table changes', () => {
  it('answers from the table as it is now, never from candidates kept for an earlier version', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb(), chiConfigArb, roiArb, rangeArb, fc.array(changeArb, { minLength: 1, maxLength: 5 }), async (original, config, roi, range, changes) => {
        fc.pre(!emptyByRule(range));
        const data: Dataset = { images: new Map([...original.images].map(([id, image]) => [id, { ...image, boxes: { ...image.boxes } }])), masks: [...original.masks], indexed: new Set(original.indexed) };
        // The loader sees masks added later too.
        const masks = new Map(data.masks.map((m) => [m.id, m.mask]));
        const ctx: EngineContext = { ...engineFor(data, config), loader: { load: async (ids) => new Map(ids.filter((id) => masks.has(id)).map((id) => [id, masks.get(id)!])) } };
        const cpSpec = { roi, range, normalize: 'COUNT' as const };
        const check = async () => {
          const all = cpValues(data.masks, data.images, cpSpec);
          const filtered = await filterByCP(ctx, { ...cpSpec, op: 'GT', threshold: 2 });
          const expected = bruteFilter(all, 'GT', 2);
          expect(Array.from(filtered.keys)).toEqual(expected.map((e) => e.id));
          expect(await filtered.values(Array.from(filtered.keys))).toEqual(expected.map((e) => e.value));
          const top = await topKByCP(ctx, { ...cpSpec, k: 3, order: 'DESC' });
          expect(top.items.map((i) => [i.key, i.value])).toEqual(bruteTopK(all, 3, 'DESC').map((e) => [e.id, e.value]));
          const agg = { op: 'INTERSECT' as const, threshold: 0.5, roi, measure: 'COUNT' as const };
          const groups = await aggregateTopK(ctx, { ...agg, k: 3, order: 'DESC' });
          expect(groups.items.map((i) => [i.key, i.value])).toEqual(bruteTopK(aggregateValues(data.masks, data.images, agg), 3, 'DESC').map((e) => [e.id, e.value]));
        };
        await check();
        for (const change of changes) {
          const added = apply(change, data, ctx, config);
          if (added) masks.set(added.id, added.mask);
          await check();
        }
      }),
      { numRuns: 400, seed: 3 },
    );
  });
});
