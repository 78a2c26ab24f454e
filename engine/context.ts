import type { MaskLoader } from './loader.js';
import type { MaskTable } from './mask-table.js';
import type { ScanCounter } from './scan-counter.js';
import type { VerifyThread } from './verify-thread.js';

/** What a query runs against. */
export interface EngineContext {
  table: MaskTable;
  loader: MaskLoader;
  /** Masks loaded per loader call. */
  batchSize?: number;
  /** Aborts the query between batches (the client went away). */
  signal?: AbortSignal;
  /** Where CP scans (useIndex: false) count, when not on this thread. */
  scanCounter?: ScanCounter;
  /** A second thread that decides part of a filter's undecided masks (their planes and pixels shared with it). */
  verifyThread?: VerifyThread;
}

export const DEFAULT_BATCH_SIZE = 256;

export class QueryAbortedError extends Error {
  override name = 'QueryAbortedError';
}

export function throwIfAborted(ctx: EngineContext): void {
  if (ctx.signal?.aborted) throw new QueryAbortedError('the query was aborted');
}
