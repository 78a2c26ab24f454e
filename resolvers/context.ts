import type { MaskSearch } from '../search/mask-search.js';
import type { SeedingStatus } from '../search/seeding-status.js';
import type { Access } from './access.js';
import type { ImageRoots } from '../ingest/image-roots.js';

export interface GraphQLContext {
  service: MaskSearch;
  /** The service's own origin, for absolute URLs such as Mask.pngUrl. */
  origin: string;
  /** What this request may do (see service/access.ts). */
  access: Access;
  /** The folders image files may be read from: uris set over GraphQL must lie under one. */
  imageRoots: ImageRoots;
  /** The most pixels a mask or image may have (ingest, upsertImages). */
  maxPixels: number;
  /** Names this request in the server's logs (and in masked errors, so a user can quote it). */
  requestId: string;
  /** Aborted when the client goes away: long queries stop between batches. */
  signal?: AbortSignal;
  /** Seeding of a demo dataset into this server, if it seeds one. */
  seeding?: SeedingStatus;
}
