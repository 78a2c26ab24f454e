import type { AggregateMeasure, AggregateOp, CompareOp, EngineContext, FilterResult, Normalize, Order, QueryStats, ValueRange } from '../engine/index.js';
import { InvalidQueryError, QueryAbortedError, aggregateFilter, aggregateTopK, filterByCP, selectSlots, topKByCP, validateQuery } from '../engine/index.js';
import type { MaskWhere } from '../engine/index.js';
import type { AggregateMemberArg, MaskWhereArg, RoiArg } from './arguments.js';
import { MAX_K, aggregateMembers, localId, maskWhere, roiSpec } from './arguments.js';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';
import { pageAfter, pageOfRanked, parseCursor } from './pagination.js';
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

export interface RankedMaskShape {
  rank: number;
  key: number;
  value: number;
}

/**
 * Masks per batch of a full scan counted on this thread: counting a batch runs without a break,
 * so batches are kept small enough (64 × 224² pixels, a few ms) for other requests to get in
 * between.
 */
const SCAN_BATCH = 64;
/**
 * Masks per batch of a CP scan that a scan counter counts elsewhere: it splits a batch into
 * pieces and reads one while another is counted, so a batch holds many pieces.
 */
const COUNTER_SCAN_BATCH = 4096;

/**
 * The engine's context for this request: its work stops between batches once the client has
 * gone. Aggregations count on this thread even in a scan.
 */
const engineContext = (ctx: GraphQLContext, useIndex: boolean, query: 'cp' | 'aggregate'): EngineContext => {
  const engine = ctx.service.engineContext(useIndex, ctx.signal);
  if (useIndex) return engine;
  return { ...engine, batchSize: query === 'cp' && engine.scanCounter ? COUNTER_SCAN_BATCH : SCAN_BATCH };
};

/**
 * The engine validates every query once; its rejections become BAD_USER_INPUT with the argument's
 * path, a query the client abandoned a clean error, anything else stays internal.
 */
async function engineCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidQueryError) throw badInput(error.message, error.path);
    if (error instanceof QueryAbortedError) throw new GraphQLError('the query was cancelled: the client closed the request', { extensions: { code: 'CANCELLED' } });
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

const withIndexFlag = (stats: QueryStats, useIndex: boolean): QueryStatsShape => ({ ...stats, usedIndex: useIndex, reusedResult: false });

function pageSize(first: number | null | undefined): number {
  const size = first ?? 100;
  if (size < 0 || size > MAX_K) throw badInput(`first must be between 0 and ${MAX_K}, got ${size}`, ['first']);
  return size;
}

/** One page of filter matches with their exact values. */
async function matchPage(result: FilterResult, args: PageArgs): Promise<Page<{ key: number; value: number }>> {
  const page = pageAfter(result.keys, args.after, pageSize(args.first));
  const values = await result.values(page.keys);
  return { ...page, items: page.keys.map((key, i) => ({ key, value: values[i] ?? NaN })).filter((m) => !Number.isNaN(m.value)) };
}

/** A page of ranked results: all of them unless first says fewer. */
function rankedPage<T extends { rank: number }>(items: readonly T[], args: PageArgs): Page<T> {
  const first = args.first ?? items.length;
  if (first < 0 || first > MAX_K) throw badInput(`first must be between 0 and ${MAX_K}, got ${first}`, ['first']);
  return pageOfRanked(items, args.after, first);
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
    imageTags: sortedSet(where.imageTags),
  };
  const roi = args.roi;
  const canonicalRoi = roi.box ? { box: [roi.box.x, roi.box.y, roi.box.width, roi.box.height] } : roi.imageBox ? { imageBox: roi.imageBox } : { full: roi.full ?? null };
  return JSON.stringify([kind, canonicalWhere ?? null, canonicalRoi, args.minRoiArea ?? null, rest]);
}

const canonicalRange = (r: CpArgs['range']) => [r.gt ?? null, r.gte ?? null, r.lt ?? null, r.lte ?? null];

/** The ids of the masks where selects now, or undefined for all (no where). */
function candidateIdsOf(where: MaskWhere | undefined, ctx: GraphQLContext): number[] | undefined {
  if (!where) return undefined;
  const { table } = ctx.service;
  return Array.from(selectSlots(table, where), (slot) => table.idAt(slot));
}

/**
 * What the result covers, for the cache to tell which changes alter it. `masks`: the masks whose
 * deletion can alter it. Deleting a mask a filter did not match leaves its matches as they are,
 * so a filter gives its matches (no scan of the index per request); an aggregation's groups
 * change with any member, so it gives its candidates.
 */
function scopeOf(args: CommonArgs, where: MaskWhere | undefined, ctx: GraphQLContext, masks: readonly number[] | undefined): ResultScope {
  const named = where?.ids ? new Set(where.ids) : undefined;
  return {
    candidates: masks,
    selectsAny(ids) {
      const fresh = named ? ids.filter((id) => named.has(id)) : ids;
      return fresh.length > 0 && selectSlots(ctx.service.table, { ...where, ids: fresh }).length > 0;
    },
    // Member selectors may name image fields too.
    dependsOnImages: Boolean(args.roi.imageBox) || Boolean((args as { members?: unknown }).members) || Boolean(where?.imageKeys || where?.imageLabels || where?.imageSplits || where?.imageTags),
  };
}

// Per candidate the engine's plan keeps bounds, weights, keys and known values alive (8-byte
// arrays, about five); per match its key, position and value.
const resultBytes = (stats: QueryStats, matches: number, scope: ResultScope) =>
  stats.candidates * 48 + matches * 24 + (scope.candidates?.length ?? 0) * 8;

/** A cursor of another query's result is refused rather than paged through. */
function checkCursor(after: string | null | undefined, canonical: string): void {
  if (!after) return;
  const { resultId } = parseCursor(after);
  if (resultId !== undefined && resultId !== resultIdOf(canonical)) throw badInput(`after: '${after.slice(0, 80)}' is a cursor of another query`, ['after']);
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
  run: () => Promise<R>,
): Promise<{ result: R; page: Page<{ key: number; value: number }>; stats: QueryStatsShape }> {
  const useIndex = args.useIndex ?? true;
  if (!useIndex) {
    // The scan baseline does its work every time.
    const result = await run();
    return { result, page: await matchPage(result, args), stats: withIndexFlag(result.stats, false) };
  }
  // Everything a computation would reject is checked first: a cached result answers only a valid query.
  const where = maskWhere(args.where);
  pageSize(args.first);
  await engineCall(async () => validate());
  const canonical = canonicalQuery(kind, args, rest);
  checkCursor(args.after, canonical);
  const { cached, reused } = await resultCacheOf(ctx.service).get(canonical, async () => {
    // Taken before the run: the candidates as the result sees them.
    const candidates = kind === 'filterByCP' ? undefined : candidateIdsOf(where, ctx);
    const result = await run();
    const scope = scopeOf(args, where, ctx, kind === 'filterByCP' ? Array.from(result.keys) : candidates);
    return { result, stats: result.stats, bytes: resultBytes(result.stats, result.keys.length, scope), scope };
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
  const spec = () => ({ ...cpSpec(args, ctx), op: args.op, threshold: args.threshold, useIndex });
  const { page, stats } = await filterWithCache('filterByCP', args, rest, ctx, () => validateQuery(spec()), () =>
    engineCall(() => filterByCP(engineContext(ctx, useIndex, 'cp'), spec())),
  );
  return { page, stats };
}

export async function resolveTopKByCP(args: CpArgs & PageArgs & { k: number; order: Order }, ctx: GraphQLContext) {
  const useIndex = args.useIndex ?? true;
  const result = await engineCall(() => topKByCP(engineContext(ctx, useIndex, 'cp'), { ...cpSpec(args, ctx), k: args.k, order: args.order, useIndex }));
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
  const engine = engineContext(ctx, useIndex, 'aggregate');
  if (hasK) {
    const result = await engineCall(() => aggregateTopK(engine, { ...spec, k: args.k!, order: args.order ?? 'DESC' }));
    const groups = result.items.map((item) => ({ rank: item.rank, imageId: item.key, maskIds: result.members(item.key), value: item.value }));
    return { page: rankedPage<AggregateGroupShape & { rank: number }>(groups, args), stats: withIndexFlag(result.stats, useIndex) };
  }
  const having = args.having!;
  const rest = { op: args.op, threshold: args.threshold, measure: args.measure, having: [having.op, having.value], members: args.members ?? null };
  const filterSpec = () => ({ ...spec, having: { op: having.op, threshold: having.value } });
  const { result, page, stats } = await filterWithCache('aggregateFilter', args, rest, ctx, () => validateQuery(filterSpec()), () =>
    engineCall(() => aggregateFilter(engine, filterSpec())),
  );
  const groups = page.items.map((m): AggregateGroupShape => ({ rank: null, imageId: m.key, maskIds: result.members(m.key), value: m.value }));
  return { page: { ...page, items: groups }, stats };
}
