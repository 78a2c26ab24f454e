import type { CompiledRange } from './value-range.js';

/**
 * Masks whose CP a scan wants counted over one rectangle each: ids[i] in rects[4i..4i+3]
 * (x0, y0, x1, y1, already clipped), as planned for a mask of dims[2i] × dims[2i+1].
 */
export interface ScanJob {
  readonly ids: Float64Array;
  readonly rects: Int32Array;
  readonly dims: Int32Array;
  readonly range: CompiledRange;
}

export interface ScanCounts {
  /** CP of each mask of the job, in order; NaN for one no longer stored, or stored at another size. */
  readonly counts: Float64Array;
  /** Masks found in storage (of any size): what the stats call verified. */
  readonly loaded: number;
}

/**
 * Counts whole rectangles of stored masks away from the query's thread: the scan baseline
 * (useIndex: false) hands its counting to one, so that a long scan does not hold up other
 * requests. Every count must equal RangeCounter.count on the stored mask. Throws
 * QueryAbortedError once signal is aborted, between the pieces of work it splits a job into.
 */
export interface ScanCounter {
  countWhole(job: ScanJob, signal?: AbortSignal): Promise<ScanCounts>;
}
