/**
 * What a query did. Counts are in masks: candidates matched the metadata predicate; skipped had
 * no usable ROI (no such image box, area 0 when normalising, below minRoiArea) or vanished;
 * prunedByIndex were ruled out by their bounds alone; acceptedByIndex were decided by their
 * bounds alone; refined had their bounds tightened cell by cell from the finest level; verified
 * were loaded and counted (earlyStopped of them were decided before every cell was counted).
 */
export interface QueryStats {
  candidates: number;
  skipped: number;
  prunedByIndex: number;
  acceptedByIndex: number;
  refined: number;
  verified: number;
  earlyStopped: number;
  /** Pixels read by the counting kernel. */
  pixelsCounted: number;
  /** Bytes of CHI counts read, over all passes. */
  indexBytesRead: number;
  /** Time of the first pass over all candidates' bounds. */
  boundMs: number;
  /** Time tightening the bounds of undecided masks cell by cell (refined of them). */
  refineMs: number;
  /** Time loading and counting the masks the index left undecided (verified of them). */
  verifyMs: number;
  elapsedMs: number;
  /** Aggregation only: the number of image groups formed. */
  groups?: number;
}

export const newStats = (): QueryStats => ({
  candidates: 0,
  skipped: 0,
  prunedByIndex: 0,
  acceptedByIndex: 0,
  refined: 0,
  verified: 0,
  earlyStopped: 0,
  pixelsCounted: 0,
  indexBytesRead: 0,
  boundMs: 0,
  refineMs: 0,
  verifyMs: 0,
  elapsedMs: 0,
});
