import type { AggregateResult, FilterResult, ImageSummary, MaskSummary, QueryStats, TopKResult } from '../api/types.js';

/** One result, a tile of the grid a query narrows, whichever query produced it. */
export interface ResultItem {
  /** Unique within the results: the mask id, or the image id for an aggregation group. */
  id: string;
  rank: number | null;
  value: number;
  image: ImageSummary;
  /** The mask the value is about; for an aggregation group, its members. */
  masks: MaskSummary[];
}

export interface ResultPage {
  items: ResultItem[];
  /** All results, not just the pages loaded; null for a ranked list, which comes whole. */
  totalCount: number | null;
  endCursor: string | null;
  hasNextPage: boolean;
  stats: QueryStats;
}

export function filterPage(result: FilterResult): ResultPage {
  return {
    items: result.matches.edges.map(({ node }) => ({ id: node.mask.id, rank: null, value: node.value, image: node.mask.image, masks: [node.mask] })),
    totalCount: result.totalCount,
    ...result.matches.pageInfo,
    stats: result.stats,
  };
}

export function topKPage(result: TopKResult): ResultPage {
  return {
    items: result.items.edges.map(({ node }) => ({ id: node.mask.id, rank: node.rank, value: node.value, image: node.mask.image, masks: [node.mask] })),
    totalCount: null,
    endCursor: null,
    hasNextPage: false,
    stats: result.stats,
  };
}

export function aggregatePage(result: AggregateResult, ranked: boolean): ResultPage {
  return {
    items: result.groups.edges.map(({ node }) => ({ id: node.image.id, rank: node.rank, value: node.value, image: node.image, masks: node.masks })),
    totalCount: ranked ? null : result.totalCount,
    ...result.groups.pageInfo,
    stats: result.stats,
  };
}
