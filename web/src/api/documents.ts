/** The GraphQL operations the explorer sends; result shapes are in types.ts. */

const IMAGE_FIELDS = `
  id key label split width height metadata
  boxes { name x y width height }`;

// Every colormap at once: the display can switch between them without asking again.
const MASK_FIELDS = `
  id maskType width height
  model { name }
  gray: pngUrl
  turbo: pngUrl(colormap: TURBO)
  viridis: pngUrl(colormap: VIRIDIS)`;

const STATS = 'stats { candidates skipped prunedByIndex acceptedByIndex verified elapsedMs groups usedIndex }';

const CP_ARGS = 'where: $where, roi: $roi, range: $range, normalize: $normalize, useIndex: $useIndex';
const CP_PARAMS = '$where: MaskWhere, $roi: RoiInput!, $range: ValueRangeInput!, $normalize: Normalize, $useIndex: Boolean';

export const FILTER_QUERY = `query Filter(${CP_PARAMS}, $op: CompareOp!, $threshold: Float!, $first: Int, $after: String) {
  result: filterByCP(${CP_ARGS}, op: $op, threshold: $threshold, first: $first, after: $after) {
    totalCount
    matches { edges { node { value mask { ${MASK_FIELDS} image { ${IMAGE_FIELDS} } } } } pageInfo { hasNextPage endCursor } }
    ${STATS}
  }
}`;

export const TOP_K_QUERY = `query TopK(${CP_PARAMS}, $k: Int!, $order: Order) {
  result: topKByCP(${CP_ARGS}, k: $k, order: $order) {
    items { rank value mask { ${MASK_FIELDS} image { ${IMAGE_FIELDS} } } }
    ${STATS}
  }
}`;

export const AGGREGATE_QUERY = `query Aggregate($where: MaskWhere, $roi: RoiInput, $useIndex: Boolean, $op: AggregateOp, $measure: AggregateMeasure,
    $threshold: Float!, $k: Int, $order: Order, $having: HavingInput, $first: Int, $after: String) {
  result: aggregateMasks(where: $where, roi: $roi, useIndex: $useIndex, op: $op, measure: $measure, threshold: $threshold,
      k: $k, order: $order, having: $having, first: $first, after: $after) {
    totalCount
    groups { edges { node { rank value image { ${IMAGE_FIELDS} } masks { ${MASK_FIELDS} } } } pageInfo { hasNextPage endCursor } }
    ${STATS}
  }
}`;

/** One image with all its masks, and how two of its mask types agree (exact, from the API). */
export const IMAGE_DETAIL_QUERY = `query ImageDetail($key: String!) {
  image(key: $key) { ${IMAGE_FIELDS} uri masks { ${MASK_FIELDS} encoding source } }
}`;

export const AGREEMENT_QUERY = `query Agreement($where: MaskWhere!, $threshold: Float!) {
  intersection: aggregateMasks(where: $where, op: INTERSECT, measure: COUNT, threshold: $threshold, k: 1) { groups { nodes { value } } }
  union: aggregateMasks(where: $where, op: UNION, measure: COUNT, threshold: $threshold, k: 1) { groups { nodes { value } } }
  iou: aggregateMasks(where: $where, measure: IOU, threshold: $threshold, k: 1) { groups { nodes { value } } }
}`;
