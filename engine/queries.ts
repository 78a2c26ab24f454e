import { performance } from 'node:perf_hooks';
import type { AggregateSpec } from './aggregate-plan.js';
import { planAggregate } from './aggregate-plan.js';
import type { EngineContext } from './context.js';
import type { CpSpec } from './cp-plan.js';
import { planCp } from './cp-plan.js';
import { runFilter } from './filter.js';
import { planCpScan } from './scan-plan.js';
import type { CompareOp, Order, Plan } from './plan.js';
import type { QueryStats } from './stats.js';
import { newStats } from './stats.js';
import { runTopK } from './top-k.js';
import { validateQuery } from './validate.js';

export interface FilterQuery {
  op: CompareOp;
  threshold: number;
  /** false: load and count every candidate instead of using the CHI (the comparison baseline). */
  useIndex?: boolean;
}

export interface TopKQuery {
  k: number;
  order: Order;
  useIndex?: boolean;
}

/** Matches ordered by key ascending; exact values are computed on request, loading only what is unknown. */
export interface FilterResult {
  readonly keys: Float64Array;
  readonly stats: QueryStats;
  /** Exact values for some matching keys, in order; null for a key that is not a match or vanished. */
  values(keys: readonly number[]): Promise<(number | null)[]>;
}

export interface Ranked {
  rank: number;
  key: number;
  value: number;
}

export interface TopKResult {
  readonly items: Ranked[];
  readonly stats: QueryStats;
}

export interface AggregateGroups {
  /** Mask ids of the group of an image in the result (a match, a ranked item); [] for any other image. */
  members(imageId: number): number[];
}

/** A query's result and, for its keys, the plan items they came from (undefined for any other key). */
interface Planned<R> {
  result: R;
  itemOfKey(key: number): number | undefined;
}

async function filterPlan(ctx: EngineContext, plan: Plan, q: FilterQuery, started: number): Promise<Planned<FilterResult>> {
  const outcome = await runFilter(ctx, plan, q);
  // Later values() only count masks: the bounds are no longer read.
  plan.release?.();
  const { stats } = plan;
  stats.elapsedMs = performance.now() - started;
  const { items } = outcome;
  const keys = new Float64Array(items.length);
  for (let m = 0; m < items.length; m++) keys[m] = plan.keys[items[m]];
  // Keys are unique and ascending: a match's item is found by binary search, with no map to build.
  const itemOfKey = (key: number): number | undefined => {
    let a = 0;
    let b = keys.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (keys[m] < key) a = m + 1;
      else b = m;
    }
    return a < keys.length && keys[a] === key ? items[a] : undefined;
  };
  const result: FilterResult = {
    keys,
    stats,
    async values(wanted) {
      const t0 = performance.now();
      const unknown = [...new Set(wanted.map(itemOfKey).filter((i): i is number => i !== undefined && Number.isNaN(outcome.known[i])))];
      if (unknown.length > 0) {
        const values = await plan.evaluate(unknown);
        unknown.forEach((item, j) => (outcome.known[item] = values[j]));
      }
      stats.elapsedMs += performance.now() - t0;
      return wanted.map((k) => {
        const item = itemOfKey(k);
        const v = item === undefined ? NaN : outcome.known[item];
        return Number.isNaN(v) ? null : v;
      });
    },
  };
  return { result, itemOfKey };
}

async function topKPlan(ctx: EngineContext, plan: Plan, q: TopKQuery, started: number): Promise<Planned<TopKResult>> {
  const ranked = await runTopK(ctx, plan, q);
  plan.release?.();
  plan.stats.elapsedMs = performance.now() - started;
  let itemOf: Map<number, number> | undefined;
  return {
    result: { items: ranked.map((r, i) => ({ rank: i + 1, key: plan.keys[r.item], value: r.value })), stats: plan.stats },
    itemOfKey(key) {
      itemOf ??= new Map(ranked.map((r) => [plan.keys[r.item], r.item]));
      return itemOf.get(key);
    },
  };
}

/** A scan counts through the context's scan counter when it has one. */
const cpPlan = (ctx: EngineContext, spec: CpSpec): Plan =>
  spec.useIndex === false && ctx.scanCounter ? planCpScan(ctx, spec, newStats(), ctx.scanCounter) : planCp(ctx, spec, newStats());

/** Masks whose CP (or CP / area) compares op to threshold; keys are mask ids. */
export async function filterByCP(ctx: EngineContext, spec: CpSpec & FilterQuery): Promise<FilterResult> {
  const started = performance.now();
  validateQuery(spec);
  return (await filterPlan(ctx, cpPlan(ctx, spec), spec, started)).result;
}

/** The k masks with the largest (DESC) or smallest (ASC) CP (or CP / area); keys are mask ids. */
export async function topKByCP(ctx: EngineContext, spec: CpSpec & TopKQuery): Promise<TopKResult> {
  const started = performance.now();
  validateQuery(spec);
  return (await topKPlan(ctx, cpPlan(ctx, spec), spec, started)).result;
}

/**
 * Members by image id, looked up among the result's groups only: a map over every group of the
 * plan (200,000 for the suite's IoU query at 1,000,000 masks) took longer than the query itself
 * (measured, bench/README.md).
 */
const groupMembers = (plan: ReturnType<typeof planAggregate>, { itemOfKey }: Planned<unknown>): AggregateGroups => ({
  members(imageId) {
    const item = itemOfKey(imageId);
    return item === undefined ? [] : Array.from(plan.membersOf(item));
  },
});

/** Image groups whose aggregate value compares having.op to having.threshold; keys are image ids. */
export async function aggregateFilter(
  ctx: EngineContext,
  spec: AggregateSpec & { having: Omit<FilterQuery, 'useIndex'>; useIndex?: boolean },
): Promise<FilterResult & AggregateGroups> {
  const started = performance.now();
  validateQuery(spec);
  const plan = planAggregate(ctx, spec, newStats());
  const planned = await filterPlan(ctx, plan, { ...spec.having, useIndex: spec.useIndex }, started);
  return { ...planned.result, ...groupMembers(plan, planned) };
}

/** The k image groups with the largest (DESC) or smallest (ASC) aggregate value; keys are image ids. */
export async function aggregateTopK(ctx: EngineContext, spec: AggregateSpec & TopKQuery): Promise<TopKResult & AggregateGroups> {
  const started = performance.now();
  validateQuery(spec);
  const plan = planAggregate(ctx, spec, newStats());
  const planned = await topKPlan(ctx, plan, spec, started);
  return { ...planned.result, ...groupMembers(plan, planned) };
}
