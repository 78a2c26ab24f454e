import type { MaskSearch } from '../search/mask-search.js';
import type { SeedingStatus } from '../search/seeding-status.js';

export interface GraphQLContext {
  service: MaskSearch;
  /** The service's own origin, for absolute URLs such as Mask.pngUrl. */
  origin: string;
  /** Aborted when the client goes away: queries stop between batches. */
  signal?: AbortSignal;
  /** Seeding of a demo dataset into this server, if it seeds one. */
  seeding?: SeedingStatus;
}
