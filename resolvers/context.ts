import type { MaskSearch } from '../service/mask-search.js';
import type { SeedingStatus } from '../service/seeding-status.js';

export interface GraphQLContext {
  service: MaskSearch;
  /** The service's own origin, for absolute URLs such as Mask.pngUrl. */
  origin: string;
  /** Seeding of a demo dataset into this server, if it seeds one. */
  seeding?: SeedingStatus;
}
