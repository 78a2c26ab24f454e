import type { AggregateMeasure, AggregateMember, CompareOp, QueryKind, QueryState, RangeEnd, Roi, Where } from './query-state.js';
import { DEFAULT_QUERY } from './query-state.js';

/**
 * A query as URL search parameters, so that a link reproduces it and the back button returns to
 * the previous one. Only what the query kind uses is written, in the API's own words (gt, lte,
 * k, …); reading is lenient: what is missing takes the default, and a number that does not parse
 * stays NaN, so the API's message about it shows next to its field. An aggregation's members are
 * `members=2` and each one's where and threshold prefixed with its number: `m1.type=saliency`,
 * `m1.model=…`, `m2.type=human-attention`, `m2.bin=0.3`.
 */

const WHERE_PARAMS = [
  ['model', 'modelNames'],
  ['type', 'maskTypes'],
  ['label', 'imageLabels'],
  ['split', 'imageSplits'],
  ['source', 'sources'],
  ['tag', 'imageTags'],
] as const;

const MEASURES: Record<string, AggregateMeasure> = { count: 'COUNT', fraction: 'ROI_FRACTION', iou: 'IOU' };
const MEASURE_PARAM: Record<AggregateMeasure, string> = { COUNT: 'count', ROI_FRACTION: 'fraction', IOU: 'iou' };

/** The parameter that marks an open detail view; not part of the query. */
export const DETAIL_PARAM = 'image';

function roiParam(roi: Roi): string {
  if (roi.kind === 'full') return 'full';
  if (roi.kind === 'imageBox') return `image:${roi.name}`;
  return `box:${roi.x},${roi.y},${roi.width},${roi.height}`;
}

function parseRoi(text: string | null): Roi {
  if (text?.startsWith('image:')) return { kind: 'imageBox', name: text.slice('image:'.length) };
  if (text?.startsWith('box:')) {
    const [x, y, width, height] = text.slice('box:'.length).split(',').map(Number);
    return { kind: 'box', x, y, width, height };
  }
  return { kind: 'full' };
}

function oneOf<T extends string>(text: string | null, values: readonly T[], fallback: T): T {
  const upper = text?.toUpperCase();
  return values.find((v) => v === upper) ?? fallback;
}

function appendMembers(params: URLSearchParams, members: readonly AggregateMember[]): void {
  if (members.length === 0) return;
  params.set('members', String(members.length));
  members.forEach((member, i) => {
    const prefix = `m${i + 1}.`;
    for (const [param, field] of WHERE_PARAMS) for (const value of member.where[field]) params.append(prefix + param, value);
    if (member.threshold !== null) params.set(`${prefix}bin`, String(member.threshold));
  });
}

function paramsToMembers(params: URLSearchParams): AggregateMember[] {
  const count = Number(params.get('members') ?? 0);
  return Array.from({ length: Number.isInteger(count) && count > 0 ? Math.min(count, 16) : 0 }, (_, i) => {
    const prefix = `m${i + 1}.`;
    const where = Object.fromEntries(WHERE_PARAMS.map(([param, field]) => [field, params.getAll(prefix + param)])) as unknown as Where;
    return { where, threshold: params.has(`${prefix}bin`) ? Number(params.get(`${prefix}bin`)) : null };
  });
}

export function queryToParams(query: QueryState): URLSearchParams {
  const params = new URLSearchParams({ q: query.kind });
  for (const [param, field] of WHERE_PARAMS) for (const value of query.where[field]) params.append(param, value);
  params.set('roi', roiParam(query.roi));
  if (query.kind === 'aggregate') {
    params.set('agg', query.aggregate.op.toLowerCase());
    params.set('measure', MEASURE_PARAM[query.aggregate.measure]);
    params.set('bin', String(query.aggregate.threshold));
    appendMembers(params, query.aggregate.members);
  } else {
    const { lower, upper } = query.range;
    if (lower) params.set(lower.inclusive ? 'gte' : 'gt', String(lower.value));
    if (upper) params.set(upper.inclusive ? 'lte' : 'lt', String(upper.value));
    params.set('norm', query.normalize === 'COUNT' ? 'count' : 'fraction');
  }
  if (query.kind === 'topk' || (query.kind === 'aggregate' && query.aggregate.ranked)) {
    params.set('k', String(query.rank.k));
    params.set('order', query.rank.order.toLowerCase());
  } else {
    params.set('op', query.compare.op.toLowerCase());
    params.set('value', String(query.compare.value));
  }
  if (!query.useIndex) params.set('index', 'off');
  return params;
}

/** The metadata predicate the URL gives: a query's, or the browsing grid's when there is no query. */
export function paramsToWhere(params: URLSearchParams): Where {
  return Object.fromEntries(WHERE_PARAMS.map(([param, field]) => [field, params.getAll(param)])) as unknown as Where;
}

/** The browsing grid's predicate as URL parameters (no `q`: no query runs). */
export function whereToParams(where: Where): URLSearchParams {
  const params = new URLSearchParams();
  for (const [param, field] of WHERE_PARAMS) for (const value of where[field]) params.append(param, value);
  return params;
}

/** The query a URL describes, or null when it describes none (no `q`). */
export function paramsToQuery(params: URLSearchParams): QueryState | null {
  const kind = params.get('q') as QueryKind | null;
  if (kind !== 'filter' && kind !== 'topk' && kind !== 'aggregate') return null;
  const number = (name: string, fallback: number) => (params.has(name) ? Number(params.get(name)) : fallback);
  const end = (exclusive: string, inclusive: string): RangeEnd | null =>
    params.has(exclusive) ? { value: number(exclusive, 0), inclusive: false } : params.has(inclusive) ? { value: number(inclusive, 0), inclusive: true } : null;
  const d = DEFAULT_QUERY;
  return {
    kind,
    where: paramsToWhere(params),
    roi: parseRoi(params.get('roi')),
    range: { lower: end('gt', 'gte'), upper: end('lt', 'lte') },
    normalize: params.get('norm') === 'count' ? 'COUNT' : 'ROI_FRACTION',
    compare: { op: oneOf<CompareOp>(params.get('op'), ['GT', 'GTE', 'LT', 'LTE'], d.compare.op), value: number('value', d.compare.value) },
    rank: { k: number('k', d.rank.k), order: oneOf(params.get('order'), ['ASC', 'DESC'], d.rank.order) },
    aggregate: {
      op: oneOf(params.get('agg'), ['INTERSECT', 'UNION'], d.aggregate.op),
      measure: MEASURES[params.get('measure') ?? ''] ?? d.aggregate.measure,
      threshold: number('bin', d.aggregate.threshold),
      ranked: kind !== 'aggregate' || params.has('k') || !params.has('op'),
      members: kind === 'aggregate' ? paramsToMembers(params) : [],
    },
    useIndex: params.get('index') !== 'off',
  };
}

/** The same question whatever the index setting: runs with and without the index share it. */
export function questionKey(query: QueryState): string {
  const params = queryToParams(query);
  params.delete('index');
  return params.toString();
}
