import type { AggregateMeasure, AggregateOp, CompareOp, FilterResult, Normalize, Order, QueryStats, ValueRange } from '../engine/index.js';
import { InvalidQueryError, QueryAbortedError, aggregateFilter, aggregateTopK, filterByCP, topKByCP } from '../engine/index.js';
import type { AggregateMemberArg, MaskWhereArg, RoiArg } from './arguments.js';
import { MAX_K, aggregateMembers, maskWhere, roiSpec } from './arguments.js';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';
import { pageAfter, pageOfRanked } from './pagination.js';
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

export interface RankedMaskShape {
  rank: number;
  key: number;
  value: number;
}

/** The engine validates every query once; its rejections become BAD_USER_INPUT with the argument's path. */
async function engineCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidQueryError) throw badInput(error.message, error.path);
    if (error instanceof QueryAbortedError) throw new GraphQLError('the request was aborted', { extensions: { code: 'ABORTED' } });
    throw error;
  }
}

function cpSpec(args: CpArgs, ctx: GraphQLContext) {
  return {
    roi: roiSpec(args.roi, ctx.service.table),
    range: args.range,
    normalize: args.normalize ?? 'COUNT',
    minRoiArea: args.minRoiArea ?? undefined,
    where: maskWhere(args.where),
  };
}

const withIndexFlag = (stats: QueryStats, useIndex: boolean): QueryStatsShape => ({ ...stats, usedIndex: useIndex });

/** One page of filter matches with their exact values. */
async function matchPage(result: FilterResult, args: PageArgs): Promise<Page<{ key: number; value: number }>> {
  const first = args.first ?? 100;
  if (first < 0 || first > MAX_K) throw badInput(`first must be between 0 and ${MAX_K}, got ${first}`, ['first']);
  const page = pageAfter(result.keys, args.after, first);
  const values = await result.values(page.keys);
  return { ...page, items: page.keys.map((key, i) => ({ key, value: values[i] ?? NaN })).filter((m) => !Number.isNaN(m.value)) };
}

/** A page of ranked results: all of them unless first says fewer. */
function rankedPage<T extends { rank: number }>(items: readonly T[], args: PageArgs): Page<T> {
  const first = args.first ?? items.length;
  if (first < 0 || first > MAX_K) throw badInput(`first must be between 0 and ${MAX_K}, got ${first}`, ['first']);
  return pageOfRanked(items, args.after, first);
}

export async function resolveFilterByCP(args: CpArgs & PageArgs & { op: CompareOp; threshold: number }, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const result = await engineCall(() => filterByCP(ctx.service.engineContext(useIndex, ctx.signal), { ...cpSpec(args, ctx), op: args.op, threshold: args.threshold, useIndex }));
  const page = await matchPage(result, args);
  return { page, stats: withIndexFlag(result.stats, useIndex) };
}

export async function resolveTopKByCP(args: CpArgs & PageArgs & { k: number; order: Order }, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const result = await engineCall(() => topKByCP(ctx.service.engineContext(useIndex, ctx.signal), { ...cpSpec(args, ctx), k: args.k, order: args.order, useIndex }));
  return { page: rankedPage<RankedMaskShape>(result.items, args), stats: withIndexFlag(result.stats, useIndex) };
}

export interface AggregateArgs extends CommonArgs, PageArgs {
  op: AggregateOp;
  threshold: number;
  measure: AggregateMeasure;
  k?: number | null;
  order?: Order | null;
  having?: { op: CompareOp; value: number } | null;
  members?: readonly AggregateMemberArg[] | null;
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
  if (hasK === Boolean(args.having)) throw badInput('aggregateMasks: give either k (with order) or having, not both and not neither', ['k']);
  const spec = {
    op: args.op,
    threshold: args.threshold,
    measure: args.measure,
    roi: roiSpec(args.roi, ctx.service.table),
    minRoiArea: args.minRoiArea ?? undefined,
    where: maskWhere(args.where),
    members: aggregateMembers(args.members),
    useIndex,
  };
  const engine = ctx.service.engineContext(useIndex, ctx.signal);
  if (hasK) {
    const result = await engineCall(() => aggregateTopK(engine, { ...spec, k: args.k!, order: args.order ?? 'DESC' }));
    const groups = result.items.map((item) => ({ rank: item.rank, imageId: item.key, maskIds: result.members(item.key), value: item.value }));
    return { page: rankedPage<AggregateGroupShape & { rank: number }>(groups, args), stats: withIndexFlag(result.stats, useIndex) };
  }
  const having = args.having!;
  const result = await engineCall(() => aggregateFilter(engine, { ...spec, having: { op: having.op, threshold: having.value } }));
  const page = await matchPage(result, args);
  const groups = page.items.map((m): AggregateGroupShape => ({ rank: null, imageId: m.key, maskIds: result.members(m.key), value: m.value }));
  return { page: { ...page, items: groups }, stats: withIndexFlag(result.stats, useIndex) };
}
