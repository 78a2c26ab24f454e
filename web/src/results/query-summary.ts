import type { CompareOp, QueryState } from '../query/query-state.js';

const SYMBOL: Record<CompareOp, string> = { GT: '>', GTE: '≥', LT: '<', LTE: '≤' };

/** A query in a few words, for the chip that says the grid is filtered by it (a preset is named by its title instead). */
export function querySummary(query: QueryState): string {
  const { compare, rank, aggregate } = query;
  switch (query.kind) {
    case 'filter':
      return `masks whose CP is ${SYMBOL[compare.op]} ${compare.value}`;
    case 'topk':
      return `the ${rank.k} masks of ${rank.order === 'ASC' ? 'lowest' : 'highest'} CP`;
    case 'aggregate': {
      const measure = `${aggregate.measure === 'IOU' ? 'IoU' : 'CP'} of their ${aggregate.op === 'INTERSECT' ? 'intersected' : 'united'} masks`;
      return aggregate.ranked
        ? `the ${rank.k} images of ${rank.order === 'ASC' ? 'lowest' : 'highest'} ${measure}`
        : `images whose ${measure} is ${SYMBOL[compare.op]} ${compare.value}`;
    }
  }
}
