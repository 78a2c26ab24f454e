import { GraphQLError } from 'graphql';
import type { AggregateMeasure, AggregateOp, CompareOp, EngineContext, FilterResult, Normalize, Order, QueryStats, ValueRange } from '../engine/index.js';
import { InvalidQueryError, InvalidRangeError, aggregateFilter, aggregateTopK, filterByCP, topKByCP } from '../engine/index.js';
import type { MaskWhereArg, RoiArg } from './arguments.js';
import { MAX_K, candidates, minRoiArea, positiveK, roiSpec, valueRange } from './arguments.js';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';
import { pageAfter } from './pagination.js';
import type { Page } from './pagination.js';

export interface QueryStatsShape extends QueryStats {
  usedIndex: boolean;
}

interface CommonArgs {
  where?: MaskWhereArg | null;
  roi: RoiArg;
  minRoiArea?: number | null;
  useIndex?: boolean | null;
}

interface CpArgs extends CommonArgs {
  range: ValueRange;
  normalize?: Normalize | null;
}

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * Masks per batch of a full scan: counting a batch runs without a break, so batches are kept
 * small enough (64 × 224² pixels, a few ms) for other requests to get in between.
 */
const SCAN_BATCH = 64;

/** The engine's context for this request: its work stops between batches once the client has gone. */
const engineContext = (ctx: GraphQLContext, useIndex: boolean): EngineContext => ({
  ...ctx.service.engineContext(useIndex),
  ...(useIndex ? {} : { batchSize: SCAN_BATCH }),
  signal: ctx.signal,
});

/** Engine rejections of arguments become BAD_USER_INPUT; a query the client abandoned, a clean error; anything else stays internal. */
async function engineCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidRangeError || error instanceof InvalidQueryError) throw badInput(error.message);
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw new GraphQLError('the query was cancelled: the client closed the request', { extensions: { code: 'CANCELLED' } });
    }
    throw error;
  }
}

function cpSpec(args: CpArgs, ctx: GraphQLContext) {
  const { index, catalog } = ctx.service;
  return {
    roi: roiSpec(args.roi, index),
    range: valueRange(args.range),
    normalize: args.normalize ?? 'COUNT',
    minRoiArea: minRoiArea(args.minRoiArea),
    candidates: candidates(args.where, catalog),
  };
}

const withIndexFlag = (stats: QueryStats, useIndex: boolean): QueryStatsShape => ({ ...stats, usedIndex: useIndex });

/** One page of filter matches with their exact values. */
async function matchPage(result: FilterResult, args: PageArgs): Promise<Page<{ key: number; value: number }>> {
  const first = args.first ?? 100;
  if (first < 0 || first > MAX_K) throw badInput(`first must be between 0 and ${MAX_K}, got ${first}`);
  const page = pageAfter(result.keys, args.after, first);
  const values = await result.values(page.keys);
  return { ...page, items: page.keys.map((key, i) => ({ key, value: values[i] ?? NaN })).filter((m) => !Number.isNaN(m.value)) };
}

export async function resolveFilterByCP(args: CpArgs & PageArgs & { op: CompareOp; threshold: number }, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const result = await engineCall(() => filterByCP(engineContext(ctx, useIndex), { ...cpSpec(args, ctx), op: args.op, threshold: args.threshold, useIndex }));
  const page = await matchPage(result, args);
  return { totalCount: result.keys.length, page, stats: withIndexFlag(result.stats, useIndex) };
}

export async function resolveTopKByCP(args: CpArgs & { k: number; order: Order }, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const k = positiveK(args.k);
  const result = await engineCall(() => topKByCP(engineContext(ctx, useIndex), { ...cpSpec(args, ctx), k, order: args.order, useIndex }));
  return { items: result.items, stats: withIndexFlag(result.stats, useIndex) };
}

export interface AggregateArgs extends CommonArgs, PageArgs {
  op: AggregateOp;
  threshold: number;
  measure: AggregateMeasure;
  k?: number | null;
  order?: Order | null;
  having?: { op: CompareOp; value: number } | null;
}

export interface AggregateGroupShape {
  rank: number | null;
  imageId: number;
  maskIds: number[];
  value: number;
}

export async function resolveAggregateMasks(args: AggregateArgs, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const hasK = args.k !== null && args.k !== undefined;
  if (hasK === Boolean(args.having)) throw badInput('aggregateMasks: give either k (with order) or having, not both and not neither');
  const { index, catalog } = ctx.service;
  const spec = {
    op: args.op,
    threshold: args.threshold,
    measure: args.measure,
    roi: roiSpec(args.roi, index),
    minRoiArea: minRoiArea(args.minRoiArea),
    candidates: candidates(args.where, catalog),
    useIndex,
  };
  const engine = engineContext(ctx, useIndex);
  if (hasK) {
    const k = positiveK(args.k!);
    const result = await engineCall(() => aggregateTopK(engine, { ...spec, k, order: args.order ?? 'DESC' }));
    const groups = result.items.map((item): AggregateGroupShape => ({ rank: item.rank, imageId: item.key, maskIds: result.members(item.key), value: item.value }));
    return { totalCount: groups.length, page: { items: groups, hasNextPage: false, keys: groups.map((g) => g.imageId) }, stats: withIndexFlag(result.stats, useIndex) };
  }
  const having = args.having!;
  const result = await engineCall(() => aggregateFilter(engine, { ...spec, having: { op: having.op, threshold: having.value } }));
  const page = await matchPage(result, args);
  const groups = page.items.map((m): AggregateGroupShape => ({ rank: null, imageId: m.key, maskIds: result.members(m.key), value: m.value }));
  return { totalCount: result.keys.length, page: { ...page, items: groups }, stats: withIndexFlag(result.stats, useIndex) };
}
