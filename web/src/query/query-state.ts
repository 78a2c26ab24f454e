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
  };
  /** false runs the same query as a full scan, the baseline the index is measured against. */
  useIndex: boolean;
}

export const DEFAULT_QUERY: QueryState = {
  kind: 'topk',
  where: { modelNames: [], maskTypes: ['saliency'], imageLabels: [], imageSplits: [], sources: [], imageTags: [] },
  roi: { kind: 'full' },
  range: { lower: { value: 0.5, inclusive: false }, upper: null },
  normalize: 'ROI_FRACTION',
  compare: { op: 'GT', value: 0.2 },
  rank: { k: 25, order: 'DESC' },
  aggregate: { op: 'INTERSECT', measure: 'IOU', threshold: 0.5, ranked: true },
  useIndex: true,
};

/** Whether the query's results come in pages (filters) rather than as one ranked list. */
export const isPaged = (query: QueryState): boolean => query.kind === 'filter' || (query.kind === 'aggregate' && !query.aggregate.ranked);
