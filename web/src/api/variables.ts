import type { AggregateMember, QueryState, Roi, Where } from '../query/query-state.js';

/** GraphQL variables are named after the arguments they fill, so an error naming either points at the same field. */
export type Variables = Record<string, unknown>;

function roiInput(roi: Roi): Variables {
  if (roi.kind === 'full') return { full: true };
  if (roi.kind === 'imageBox') return { imageBox: roi.name };
  return { box: { x: roi.x, y: roi.y, width: roi.width, height: roi.height } };
}

/** Only the lists given: an empty list would match nothing. */
function whereInput(where: Where): Variables {
  return Object.fromEntries(Object.entries(where).filter(([, values]) => values.length > 0));
}

/** MaskSearchAggregateMember: a member without a threshold of its own takes the query's. */
function memberInput(member: AggregateMember): Variables {
  return { where: whereInput(member.where), ...(member.threshold !== null && { threshold: member.threshold }) };
}

function rangeInput(query: QueryState): Variables {
  const { lower, upper } = query.range;
  return {
    ...(lower && { [lower.inclusive ? 'gte' : 'gt']: lower.value }),
    ...(upper && { [upper.inclusive ? 'lte' : 'lt']: upper.value }),
  };
}

/** The variables of the query's GraphQL operation (see documents.ts); paged queries add first and after. */
export function queryVariables(query: QueryState): Variables {
  const common = { where: whereInput(query.where), roi: roiInput(query.roi), useIndex: query.useIndex };
  switch (query.kind) {
    case 'filter':
      return { ...common, range: rangeInput(query), normalize: query.normalize, op: query.compare.op, threshold: query.compare.value };
    case 'topk':
      return { ...common, range: rangeInput(query), normalize: query.normalize, k: query.rank.k, order: query.rank.order };
    case 'aggregate': {
      const { op, measure, threshold, ranked, members } = query.aggregate;
      const selection = ranked ? { k: query.rank.k, order: query.rank.order } : { having: { op: query.compare.op, value: query.compare.value } };
      return { ...common, op, measure, threshold, ...(members.length > 0 && { members: members.map(memberInput) }), ...selection };
    }
  }
}
