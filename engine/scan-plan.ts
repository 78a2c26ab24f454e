import type { CpSpec } from './cp-plan.js';
import { cpCandidates } from './cp-plan.js';
import type { CompareOp, Plan } from './plan.js';
import { FAILS, PASSES, SKIPPED, compare } from './plan.js';
import type { ScanCounter } from './scan-counter.js';
import type { QueryStats } from './stats.js';
import type { EngineContext } from './context.js';
import { compileRange } from './value-range.js';

/**
 * The plan of a CP scan (useIndex: false) whose counting a ScanCounter does: planCp's without
 * the index — bounds [0, area], nothing to refine — and with every exact value counted whole
 * elsewhere. Values, skips and stats are those planCp's scan gives.
 */
export function planCpScan(ctx: EngineContext, spec: CpSpec, stats: QueryStats, counter: ScanCounter): Plan {
  const range = compileRange(spec.range);
  const normalize = spec.normalize === 'ROI_FRACTION';
  const entry = cpCandidates(ctx.table, spec);
  stats.candidates += entry.matched;
  stats.skipped += entry.skipped;
  const { size, keys, rects, areas, dims } = entry.value;
  const lo = new Float64Array(size);
  const hi = new Float64Array(size);
  for (let k = 0; k < size; k++) hi[k] = range.empty ? 0 : normalize ? 1 : areas[k];

  const evaluate = async (items: readonly number[]): Promise<Float64Array> => {
    const job = {
      ids: Float64Array.from(items, (i) => keys[i]),
      rects: new Int32Array(items.length * 4),
      dims: new Int32Array(items.length * 2),
      range,
    };
    items.forEach((item, j) => {
      job.rects.set(rects.subarray(item * 4, item * 4 + 4), j * 4);
      job.dims.set(dims.subarray(item * 2, item * 2 + 2), j * 2);
    });
    const { counts, loaded } = await counter.countWhole(job, ctx.signal);
    stats.verified += loaded;
    return Float64Array.from(items, (item, j) => {
      if (!Number.isNaN(counts[j])) stats.pixelsCounted += areas[item];
      return normalize ? counts[j] / areas[item] : counts[j];
    });
  };

  return {
    size,
    keys,
    weights: entry.value.ones,
    totalWeight: size,
    lo,
    hi,
    stats,
    refine() {},
    evaluate,
    async decide(items: readonly number[], op: CompareOp, threshold: number) {
      const values = await evaluate(items);
      const outcome = Uint8Array.from(values, (v) => (Number.isNaN(v) ? SKIPPED : compare(op, v, threshold) ? PASSES : FAILS));
      return { outcome, values };
    },
  };
}
