import { describe, expect, it } from 'vitest';
import type { Plan } from '../../engine/plan.js';
import { newStats } from '../../engine/stats.js';
import { runTopK } from '../../engine/top-k.js';
import type { EngineContext } from '../../engine/context.js';
import { MaskTable, MemoryMaskLoader, DEFAULT_CHI_CONFIG } from '../../engine/index.js';

/**
 * runTopK against a sort of the exact values, on plans whose bounds leave thousands of items open:
 * the queue takes open items a chunk at a time, and refined items fall back behind items still
 * waiting, so an answer that needs several chunks must come out the same as one that needs one.
 */
function randomPlan(rand: () => number, size: number, ties: boolean): { plan: Plan; exact: Float64Array; refinedItems: Set<number>; loaded: Set<number> } {
  const exact = new Float64Array(size);
  const lo = new Float64Array(size);
  const hi = new Float64Array(size);
  const keys = new Float64Array(size);
  const refinedItems = new Set<number>();
  const loaded = new Set<number>();
  // Keys ascending with gaps, as mask ids are; values from few levels when ties, so (value, key) decides.
  for (let i = 0; i < size; i++) {
    keys[i] = 3 * i + Math.floor(rand() * 3);
    exact[i] = ties ? Math.floor(rand() * 6) / 5 : rand();
    const width = rand() < 0.2 ? 0 : rand() * (ties ? 1 : 0.5);
    lo[i] = Math.max(0, exact[i] - width * rand());
    hi[i] = Math.min(1, lo[i] + width);
    if (hi[i] < exact[i]) hi[i] = exact[i];
  }
  const plan: Plan = {
    size,
    keys,
    weights: new Int32Array(size).fill(1),
    totalWeight: size,
    lo,
    hi,
    stats: newStats(),
    refine(item) {
      if (refinedItems.has(item)) return;
      refinedItems.add(item);
      // Halves the interval around the exact value, or settles it.
      if (rand() < 0.3) lo[item] = hi[item] = exact[item];
      else {
        lo[item] = Math.max(lo[item], exact[item] - (exact[item] - lo[item]) / 2);
        hi[item] = Math.min(hi[item], exact[item] + (hi[item] - exact[item]) / 2);
      }
    },
    async evaluate(items) {
      items.forEach((i) => loaded.add(i));
      return Float64Array.from(items, (i) => exact[i]);
    },
    async decide() {
      throw new Error('top-k never decides');
    },
  };
  return { plan, exact, refinedItems, loaded };
}

describe('top-k over many open items', () => {
  const ctx: EngineContext = { table: new MaskTable(DEFAULT_CHI_CONFIG), loader: new MemoryMaskLoader(new Map()) };
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

  it('returns the k best by (value, key) whatever the number of chunks the visit needs', async () => {
    for (let round = 0; round < 60; round++) {
      const size = 200 + Math.floor(rand() * 5000);
      const ties = round % 2 === 0;
      const { plan, exact } = randomPlan(rand, size, ties);
      const k = 1 + Math.floor(rand() * (round % 3 === 0 ? 2000 : 60));
      const order = rand() < 0.5 ? 'ASC' : 'DESC';
      const sign = order === 'DESC' ? 1 : -1;
      const expected = Array.from({ length: size }, (_, i) => i)
        .sort((a, b) => sign * (exact[b] - exact[a]) || plan.keys[a] - plan.keys[b])
        .slice(0, k);
      const got = await runTopK(ctx, plan, { k, order });
      expect(got.map((r) => r.item)).toEqual(expected);
      expect(got.map((r) => r.value)).toEqual(expected.map((i) => exact[i]));
      // Every item is either settled (accepted, loaded) or pruned: the weights add up.
      expect(plan.stats.prunedByIndex + plan.stats.acceptedByIndex).toBeLessThanOrEqual(size);
    }
  });

  it('visits a small share of the items when a few hundred of thousands can win', async () => {
    const size = 20_000;
    const { plan, loaded, refinedItems } = randomPlan(rand, size, true);
    // All lower bounds 0 (as for IoU of small maps): nothing is pruned, the keys decide among the best.
    plan.lo.fill(0);
    const got = await runTopK(ctx, plan, { k: 25, order: 'ASC' });
    expect(got).toHaveLength(25);
    expect(got.every((r) => r.value === 0)).toBe(true);
    expect(refinedItems.size + loaded.size).toBeLessThan(size / 10);
  });
});
