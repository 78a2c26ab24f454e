import type { MaskSearch } from '../service/mask-search.js';

export interface GraphQLContext {
  service: MaskSearch;
  /** The service's own origin, for absolute URLs such as Mask.pngUrl. */
  origin: string;
}
