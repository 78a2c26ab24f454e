import type { AggregateMeasure, AggregateOp, CompareOp, FilterResult, Normalize, Order, QueryStats, ValueRange } from '../engine/index.js';
import { InvalidQueryError, InvalidRangeError, aggregateFilter, aggregateTopK, filterByCP, topKByCP } from '../engine/index.js';
import type { MaskWhereArg, RoiArg } from './arguments.js';
import { MAX_K, candidates, checkWhere, localId, minRoiArea, positiveK, roiSpec, valueRange } from './arguments.js';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';
import { pageAfter, parseCursor } from './pagination.js';
import type { Page } from './pagination.js';
import { resultCacheOf, resultIdOf, type ResultScope } from './result-cache.js';

export interface QueryStatsShape extends QueryStats {
  usedIndex: boolean;
  reusedResult: boolean;
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

/** Engine rejections of arguments become BAD_USER_INPUT; anything else stays internal. */
async function engineCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidRangeError || error instanceof InvalidQueryError) throw badInput(error.message);
    throw error;
  }
}

function cpSpec(args: CpArgs, ctx: GraphQLContext, candidateIds = candidates(args.where, ctx.service.catalog)) {
  return {
    roi: roiSpec(args.roi, ctx.service.index),
    range: valueRange(args.range),
    normalize: args.normalize ?? 'COUNT',
    minRoiArea: minRoiArea(args.minRoiArea),
    candidates: candidateIds,
  };
}

const withIndexFlag = (stats: QueryStats, useIndex: boolean): QueryStatsShape => ({ ...stats, usedIndex: useIndex, reusedResult: false });

function pageSize(first: number | null | undefined): number {
  const size = first ?? 100;
  if (size < 0 || size > MAX_K) throw badInput(`first must be between 0 and ${MAX_K}, got ${size}`);
  return size;
}

/** One page of filter matches with their exact values. */
async function matchPage(result: FilterResult, args: PageArgs): Promise<Page<{ key: number; value: number }>> {
  const page = pageAfter(result.keys, args.after, pageSize(args.first));
  const values = await result.values(page.keys);
  return { ...page, items: page.keys.map((key, i) => ({ key, value: values[i] ?? NaN })).filter((m) => !Number.isNaN(m.value)) };
}

const sortedSet = (list: readonly string[] | null | undefined) => (list === null || list === undefined ? null : [...new Set(list)].sort());

/**
 * The query a result answers, as one string: equal for requests that must get the same matches
 * (list order, repeats and id spelling aside), different otherwise.
 */
function canonicalQuery(kind: string, args: CommonArgs, rest: Record<string, unknown>): string {
  const where = args.where;
  const canonicalWhere = where && {
    ids: where.ids === null || where.ids === undefined ? null : [...new Set(where.ids.map((id) => localId(id, 'Mask', 'where.ids')))].sort((a, b) => a - b),
    imageKeys: sortedSet(where.imageKeys),
    modelNames: sortedSet(where.modelNames),
    maskTypes: sortedSet(where.maskTypes),
    sources: sortedSet(where.sources),
    imageLabels: sortedSet(where.imageLabels),
    imageSplits: sortedSet(where.imageSplits),
  };
  const roi = args.roi;
  const canonicalRoi = roi.box ? { box: [roi.box.x, roi.box.y, roi.box.width, roi.box.height] } : roi.imageBox ? { imageBox: roi.imageBox } : { full: roi.full ?? null };
  return JSON.stringify([kind, canonicalWhere ?? null, canonicalRoi, args.minRoiArea ?? null, rest]);
}

const canonicalRange = (r: CpArgs['range']) => [r.gt ?? null, r.gte ?? null, r.lt ?? null, r.lte ?? null];

/** What the result covers, for the cache to tell which changes alter it. */
function scopeOf(args: CommonArgs, candidateIds: number[] | undefined, ctx: GraphQLContext): ResultScope {
  const where = args.where;
  const named = where?.ids ? new Set(where.ids.map((id) => localId(id, 'Mask', 'where.ids'))) : undefined;
  return {
    candidates: candidateIds,
    selectsAny(ids) {
      const fresh = named ? ids.filter((id) => named.has(id)) : ids;
      return fresh.length > 0 && (ctx.service.catalog.select({ ...where, ids: fresh })?.length ?? fresh.length) > 0;
    },
    dependsOnImages: Boolean(args.roi.imageBox) || Boolean(where?.imageKeys || where?.imageLabels || where?.imageSplits),
  };
}

// Per candidate the engine's plan keeps bounds, weights, keys and known values alive (8-byte
// arrays, about five); per match its key, position and value.
const resultBytes = (stats: QueryStats, matches: number, candidateIds: number[] | undefined) =>
  stats.candidates * 48 + matches * 24 + (candidateIds?.length ?? 0) * 8;

/** A cursor of another query's result is refused rather than paged through. */
function checkCursor(after: string | null | undefined, canonical: string): void {
  if (!after) return;
  const { resultId } = parseCursor(after);
  if (resultId !== undefined && resultId !== resultIdOf(canonical)) throw badInput(`after: '${after}' is a cursor of another query`);
}

/**
 * Runs a filter query, or reuses the result of the same query computed earlier: the first page
 * does the filtering and verification, later pages (and totalCount) only read the result and
 * compute the exact values of their own matches that no earlier page asked for. The stats of a
 * reused result say so, and count only this request's loads and time.
 */
async function filterWithCache<R extends FilterResult>(
  kind: string,
  args: CommonArgs & PageArgs,
  rest: Record<string, unknown>,
  ctx: GraphQLContext,
  validate: () => void,
  run: (candidateIds: number[] | undefined) => Promise<R>,
): Promise<{ result: R; page: Page<{ key: number; value: number }>; stats: QueryStatsShape }> {
  const useIndex = args.useIndex ?? true;
  if (!useIndex) {
    // The scan baseline does its work every time.
    const result = await run(candidates(args.where, ctx.service.catalog));
    return { result, page: await matchPage(result, args), stats: withIndexFlag(result.stats, false) };
  }
  // Everything a computation would reject is checked first: a cached result answers only a valid query.
  if (args.where) checkWhere(args.where, ctx.service.catalog);
  pageSize(args.first);
  validate();
  const canonical = canonicalQuery(kind, args, rest);
  checkCursor(args.after, canonical);
  const { cached, reused } = await resultCacheOf(ctx.service).get(canonical, async () => {
    const candidateIds = candidates(args.where, ctx.service.catalog);
    const result = await run(candidateIds);
    return { result, stats: result.stats, bytes: resultBytes(result.stats, result.keys.length, candidateIds), scope: scopeOf(args, candidateIds, ctx) };
  });
  const { result } = cached;
  const before = { verified: result.stats.verified, elapsedMs: result.stats.elapsedMs };
  const page = { ...(await matchPage(result, args)), resultId: cached.id };
  const stats = reused
    ? { ...cached.stats, verified: result.stats.verified - before.verified, elapsedMs: result.stats.elapsedMs - before.elapsedMs }
    : { ...result.stats };
  return { result, page, stats: { ...stats, usedIndex: true, reusedResult: reused } };
}

export async function resolveFilterByCP(args: CpArgs & PageArgs & { op: CompareOp; threshold: number }, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const rest = { range: canonicalRange(args.range), normalize: args.normalize ?? 'COUNT', op: args.op, threshold: args.threshold };
  const { result, page, stats } = await filterWithCache('filterByCP', args, rest, ctx, () => cpSpec(args, ctx, []), (candidateIds) =>
    engineCall(() => filterByCP(ctx.service.engineContext(useIndex), { ...cpSpec(args, ctx, candidateIds), op: args.op, threshold: args.threshold, useIndex })),
  );
  return { totalCount: result.keys.length, page, stats };
}

export async function resolveTopKByCP(args: CpArgs & { k: number; order: Order }, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const k = positiveK(args.k);
  const result = await engineCall(() => topKByCP(ctx.service.engineContext(useIndex), { ...cpSpec(args, ctx), k, order: args.order, useIndex }));
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
  const spec = () => ({
    op: args.op,
    threshold: args.threshold,
    measure: args.measure,
    roi: roiSpec(args.roi, ctx.service.index),
    minRoiArea: minRoiArea(args.minRoiArea),
    useIndex,
  });
  const engine = ctx.service.engineContext(useIndex);
  if (hasK) {
    const k = positiveK(args.k!);
    const result = await engineCall(() => aggregateTopK(engine, { ...spec(), candidates: candidates(args.where, ctx.service.catalog), k, order: args.order ?? 'DESC' }));
    const groups = result.items.map((item): AggregateGroupShape => ({ rank: item.rank, imageId: item.key, maskIds: result.members(item.key), value: item.value }));
    return { totalCount: groups.length, page: { items: groups, hasNextPage: false, keys: groups.map((g) => g.imageId) }, stats: withIndexFlag(result.stats, useIndex) };
  }
  const having = args.having!;
  const rest = { op: args.op, threshold: args.threshold, measure: args.measure, having: [having.op, having.value] };
  const { result, page, stats } = await filterWithCache('aggregateFilter', args, rest, ctx, spec, (candidateIds) =>
    engineCall(() => aggregateFilter(engine, { ...spec(), candidates: candidateIds, having: { op: having.op, threshold: having.value } })),
  );
  const groups = page.items.map((m): AggregateGroupShape => ({ rank: null, imageId: m.key, maskIds: result.members(m.key), value: m.value }));
  return { totalCount: result.keys.length, page: { ...page, items: groups }, stats };
}
