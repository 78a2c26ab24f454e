import type { MaskSearch } from '../search/mask-search.js';

export interface GraphQLContext {
  service: MaskSearch;
  /** The service's own origin, for absolute URLs such as Mask.pngUrl. */
  origin: string;
  /** Aborted when the client goes away: queries stop between batches. */
  signal?: AbortSignal;
}
