/** What the query builder edits: one of the three MaskSearch queries, in the terms of the GraphQL API. */

export type QueryKind = 'filter' | 'topk' | 'aggregate';
export type CompareOp = 'GT' | 'GTE' | 'LT' | 'LTE';
export type Order = 'ASC' | 'DESC';
export type Normalize = 'COUNT' | 'ROI_FRACTION';
export type AggregateOp = 'INTERSECT' | 'UNION';
export type AggregateMeasure = 'COUNT' | 'ROI_FRACTION' | 'IOU';

export type Roi =
  | { kind: 'full' }
  | { kind: 'box'; x: number; y: number; width: number; height: number }
  | { kind: 'imageBox'; name: string };

/** One end of a value range; absent means unbounded. */
export interface RangeEnd {
  value: number;
  inclusive: boolean;
}

export interface ValueRange {
  lower: RangeEnd | null;
  upper: RangeEnd | null;
}

/** The metadata predicate (MaskWhere): every list given must match, any entry within a list. */
export interface Where {
  modelNames: string[];
  maskTypes: string[];
  imageLabels: string[];
  imageSplits: string[];
  sources: string[];
  /** Images carrying any of these tags (set from the results or the browsing grid). */
  imageTags: string[];
}

/**
 * One member of each aggregation group (aggregateMasks' members): of each image, the mask this
 * where selects (the first by id, among those the query's where selects), binarised at its own
 * threshold or the query's. Images lacking a member are left out.
 */
export interface AggregateMember {
  where: Where;
  /** null: the aggregation's threshold. */
  threshold: number | null;
}

export interface QueryState {
  kind: QueryKind;
  where: Where;
  roi: Roi;
  /** filter, topk: the pixel values CP counts. */
  range: ValueRange;
  /** filter, topk: CP itself or CP / area(roi). */
  normalize: Normalize;
  /** filter: the value compared to; aggregate: the `having` condition when not ranked. */
  compare: { op: CompareOp; value: number };
  /** topk, and aggregate when ranked. */
  rank: { k: number; order: Order };
  aggregate: {
    op: AggregateOp;
    measure: AggregateMeasure;
    /** Each member mask is binarised as value > threshold. */
    threshold: number;
    /** true: the k best groups (rank); false: the groups passing `compare` (having), in pages. */
    ranked: boolean;
    /** Empty: every mask of the image that where selects is a member; else one mask per member. */
    members: AggregateMember[];
  };
  /** false runs the same query as a full scan, the baseline the index is measured against. */
  useIndex: boolean;
}

/** A where that selects every mask. */
export const EVERY_MASK: Where = { modelNames: [], maskTypes: [], imageLabels: [], imageSplits: [], sources: [], imageTags: [] };

export const DEFAULT_QUERY: QueryState = {
  kind: 'topk',
  where: { ...EVERY_MASK, maskTypes: ['saliency'] },
  roi: { kind: 'full' },
  range: { lower: { value: 0.5, inclusive: false }, upper: null },
  normalize: 'ROI_FRACTION',
  compare: { op: 'GT', value: 0.2 },
  rank: { k: 25, order: 'DESC' },
  aggregate: { op: 'INTERSECT', measure: 'IOU', threshold: 0.5, ranked: true, members: [] },
  useIndex: true,
};

/** Whether the query's results come in pages (filters) rather than as one ranked list. */
export const isPaged = (query: QueryState): boolean => query.kind === 'filter' || (query.kind === 'aggregate' && !query.aggregate.ranked);

/** The mask types an aggregation combines: its members', or its where's without members. */
export function groupMaskTypes(query: QueryState): string[] {
  const { members } = query.aggregate;
  return members.length === 0 ? query.where.maskTypes : [...new Set(members.flatMap((m) => m.where.maskTypes))];
}
