/**
 * What a query did. Counts are in masks: candidates matched the metadata predicate; skipped had
 * no usable ROI (no such image box, area 0 when normalising, below minRoiArea) or vanished;
 * prunedByIndex were ruled out by their bounds alone; acceptedByIndex were decided by their
 * bounds alone; verified were loaded and counted.
 */
export interface QueryStats {
  candidates: number;
  skipped: number;
  prunedByIndex: number;
  acceptedByIndex: number;
  verified: number;
  elapsedMs: number;
  /** Aggregation only: the number of image groups formed. */
  groups?: number;
}

export const newStats = (): QueryStats => ({
  candidates: 0,
  skipped: 0,
  prunedByIndex: 0,
  acceptedByIndex: 0,
  verified: 0,
  elapsedMs: 0,
});
