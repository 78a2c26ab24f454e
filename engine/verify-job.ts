import type { ChiConfig, CountArray } from './chi.js';
import { CellCounter } from './cell-counter.js';
import type { Mask, MaskData } from './mask.js';
import type { IndexLevels } from './mask-bounds.js';
import { MaskBounds } from './mask-bounds.js';
import { ENCODINGS, levelCells } from './mask-table.js';
import type { CompareOp } from './plan.js';
import { compare } from './plan.js';
import { RangeCounter } from './range-counter.js';
import { newRect } from './roi.js';
import { newStats } from './stats.js';
import type { CompiledRange } from './value-range.js';

/**
 * What a verification thread is given and gives back: a filter's undecided masks, each decided as
 * the calling thread would (CellCounter with early stop), over CHI planes and pixels both threads
 * share. Plain data and SharedArrayBuffers only, for postMessage.
 */

/** Per mask in CellJob.items: slot, width, height, encoding code, the ROI (x0, y0, x1, y1), pixel arena, element offset in it. */
export const ITEM_FIELDS = 10;

/** The table's CHI planes, sent again whenever one of them is replaced (growth, wider counts). */
export interface LevelsMessage {
  readonly generation: number;
  readonly config: ChiConfig;
  readonly countBytes: 2 | 4;
  /** planes[level][b − 1], views of SharedArrayBuffers (postMessage shares, not copies, their memory). */
  readonly planes: readonly (readonly CountArray[])[];
}

/** Int32 slots of CellJob.state. */
export const CLAIM = 0;
/** 0 until the thread starts the job (1) or the caller gives up waiting for it to start (2). */
export const STARTED = 1;
/** 1 once the thread has finished the job, its stats and answers written. */
export const FINISHED = 2;
/** 1 when the job failed in the thread. */
export const FAILED = 3;
/** Bytes before CellJob.values in its shared buffer: the state, then the stats (3 doubles). */
const HEADER = 16 + 24;

export interface CellJob {
  /** The LevelsMessage generation the slots refer to. */
  readonly generation: number;
  readonly range: CompiledRange;
  readonly op: CompareOp;
  readonly threshold: number;
  /** ITEM_FIELDS per mask. */
  readonly items: Int32Array;
  /** CP / scale is compared to the threshold (the ROI's area when normalised, else 1). */
  readonly scales: Float64Array;
  /** Pixel arenas the thread has not been given yet, by number. */
  readonly arenas: readonly (readonly [number, SharedArrayBuffer])[];
  /**
   * Shared with the calling thread, which decides masks of the same job: state[CLAIM] is the next
   * mask to take (Atomics.add), so neither thread waits on a fixed half the other is slower at;
   * STARTED and FINISHED let the caller wait without a message (see VerifyThread.share).
   */
  readonly state: Int32Array;
  /** pixelsCounted, earlyStopped and indexBytesRead of the thread, written before FINISHED. */
  readonly stats: Float64Array;
  /** Per mask the thread decided: 1 in done, the value (CP / scale, NaN after an early stop) and 1 in passed where the comparison holds. */
  readonly done: Uint8Array;
  readonly values: Float64Array;
  readonly passed: Uint8Array;
}

/** The shared part of a job of n masks, in one SharedArrayBuffer. */
export function sharedJobArrays(n: number): Pick<CellJob, 'state' | 'stats' | 'done' | 'values' | 'passed'> {
  const buffer = new SharedArrayBuffer(HEADER + n * 10);
  return {
    state: new Int32Array(buffer, 0, 4),
    stats: new Float64Array(buffer, 16, 3),
    values: new Float64Array(buffer, HEADER, n),
    done: new Uint8Array(buffer, HEADER + n * 8, n),
    passed: new Uint8Array(buffer, HEADER + n * 9, n),
  };
}

/** The planes of a LevelsMessage as MaskBounds reads them. */
export function levelsView(message: LevelsMessage): IndexLevels {
  return {
    config: message.config,
    countBytes: message.countBytes,
    levels: message.config.levels.map((level, l) => ({
      grid: level.grid,
      bins: level.bins,
      cells: levelCells(level.grid),
      planes: [...message.planes[l]],
    })),
  };
}

/** The pixels of a mask of encoding code e: length values from element offset of arena. */
function pixelsIn(arena: SharedArrayBuffer, e: number, offset: number, length: number): MaskData {
  if (e === 0) return new Uint8Array(arena, offset, length);
  if (e === 1) return new Uint16Array(arena, offset * 2, length);
  return new Float32Array(arena, offset * 4, length);
}

/** Claims masks of job until none is left and decides each, over levels, its pixels in arenas; then writes its stats. */
export function decideClaimed(levels: IndexLevels, arenas: ReadonlyMap<number, SharedArrayBuffer>, job: CellJob): void {
  const stats = newStats();
  const counter = new CellCounter(new MaskBounds(levels, job.range, stats), new RangeCounter(job.range), stats);
  const n = job.scales.length;
  const rect = newRect();
  const it = job.items;
  for (let k = Atomics.add(job.state, CLAIM, 1); k < n; k = Atomics.add(job.state, CLAIM, 1)) {
    const f = k * ITEM_FIELDS;
    const width = it[f + 1];
    const height = it[f + 2];
    const e = it[f + 3];
    const arena = arenas.get(it[f + 8]);
    if (!arena) throw new Error(`verification job: pixel arena ${it[f + 8]} was never sent`);
    const mask: Mask = { width, height, encoding: ENCODINGS[e], data: pixelsIn(arena, e, it[f + 9], width * height) };
    rect.x0 = it[f + 4];
    rect.y0 = it[f + 5];
    rect.x1 = it[f + 6];
    rect.y1 = it[f + 7];
    const scale = job.scales[k];
    const cp = counter.count(mask, it[f], true, rect, scale, job.op, job.threshold);
    job.values[k] = cp / scale;
    job.passed[k] = (Number.isNaN(cp) ? counter.passed : compare(job.op, cp / scale, job.threshold)) ? 1 : 0;
    job.done[k] = 1;
  }
  job.stats[0] = stats.pixelsCounted;
  job.stats[1] = stats.earlyStopped;
  job.stats[2] = stats.indexBytesRead;
}
