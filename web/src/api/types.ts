/** Shapes of the results of the operations in documents.ts. */

interface NamedBox {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageSummary {
  id: string;
  key: string;
  label: string | null;
  split: string | null;
  width: number | null;
  height: number | null;
  /** The demo data puts prediction, correct, scenario and attacked here; other data anything. */
  metadata: Record<string, unknown>;
  boxes: NamedBox[];
}

export type Colormap = 'gray' | 'turbo' | 'viridis';

export interface MaskSummary extends Record<Colormap, string> {
  id: string;
  maskType: string;
  width: number;
  height: number;
  model: { name: string } | null;
}

export interface QueryStats {
  candidates: number;
  skipped: number;
  prunedByIndex: number;
  acceptedByIndex: number;
  verified: number;
  elapsedMs: number;
  groups: number | null;
  usedIndex: boolean;
}

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface FilterResult {
  totalCount: number;
  matches: { edges: { node: { value: number; mask: MaskSummary & { image: ImageSummary } } }[]; pageInfo: PageInfo };
  stats: QueryStats;
}

export interface TopKResult {
  items: { rank: number; value: number; mask: MaskSummary & { image: ImageSummary } }[];
  stats: QueryStats;
}

export interface AggregateResult {
  totalCount: number;
  groups: { edges: { node: { rank: number | null; value: number; image: ImageSummary; masks: MaskSummary[] } }[]; pageInfo: PageInfo };
  stats: QueryStats;
}

export interface ImageDetail {
  image: (ImageSummary & { uri: string | null; masks: (MaskSummary & { encoding: string; source: string })[] }) | null;
}

export interface Agreement {
  intersection: { groups: { nodes: { value: number }[] } };
  union: { groups: { nodes: { value: number }[] } };
  iou: { groups: { nodes: { value: number }[] } };
}
