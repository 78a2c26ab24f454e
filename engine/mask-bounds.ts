import { BoundProgram, RangeRuns } from './bounds.js';
import type { Candidates } from './candidates.js';
import { CellBounds } from './cell-bounds.js';
import type { ChiConfig } from './chi.js';
import type { LevelPlanes } from './mask-table.js';
import type { Rect } from './roi.js';
import type { CompiledRange } from './value-range.js';
import type { QueryStats } from './stats.js';

/** The CHI planes bounds read: a MaskTable's, or a worker thread's view of them (engine/verify-worker.ts). */
export interface IndexLevels {
  readonly config: ChiConfig;
  readonly levels: readonly LevelPlanes[];
  readonly countBytes: 2 | 4;
}

/** Which levels bound in the first pass and which one refines: the finest grid refines only the undecided. */
export function levelRoles(table: IndexLevels): { first: number[]; refine: number } {
  const levels = table.levels;
  let refine = 0;
  levels.forEach((l, i) => {
    if (l.grid > levels[refine].grid) refine = i;
  });
  const grids = levels.filter((l) => l.grid > 1).length;
  const first = levels.map((_, i) => i).filter((i) => i !== refine || grids < 2);
  return { first, refine };
}

/**
 * CP bounds of one range for the masks of a table: the first pass over many masks, and per-cell
 * refinement of one. Programs are prepared per geometry (mask size, ROI, encoding) and kept while
 * consecutive masks share it, as most masks of a query do.
 */
export class MaskBounds {
  readonly runs: RangeRuns;
  private readonly program: BoundProgram;
  readonly cells = new CellBounds();
  private readonly roles: { first: number[]; refine: number };
  private readonly cellKey = new Int32Array(7).fill(-1);
  private readonly sumsKey = new Int32Array(7).fill(-1);
  private readonly bytesPerCount: number;

  constructor(
    private readonly table: IndexLevels,
    readonly range: CompiledRange,
    private readonly stats: QueryStats,
  ) {
    this.runs = new RangeRuns(range, table.config.levels);
    this.roles = levelRoles(table);
    this.program = new BoundProgram(table.levels, this.roles.first, this.runs);
    this.bytesPerCount = table.countBytes;
  }

  /** First-pass bounds of every candidate into lo, hi, divided by the ROI's area when divide; see BoundProgram.run. */
  first(candidates: Candidates, lo: Float64Array, hi: Float64Array, divide = false): void {
    this.stats.indexBytesRead += this.program.run(candidates, lo, hi, divide) * this.bytesPerCount;
  }

  /** first's bounds of every candidate are exact: it may then be given one array for lo and hi. */
  exact(candidates: Candidates): boolean {
    return this.program.exactFor(candidates);
  }

  /** Prepares the cells of a W×H mask of encoding code e for rect; cells.cellCount and cells.cellRects then describe them. */
  prepareCells(W: number, H: number, e: number, rect: Rect): void {
    if (!changed(this.cellKey, W, H, e, rect)) return;
    // Preparing every cell prepares the sums too.
    this.sumsKey.set(this.cellKey);
    this.cells.prepare(this.table.levels, this.roles.refine, this.runs, e, W, H, rect);
  }

  /** Prepares refineSums for a W×H mask of encoding code e and rect (the cells of prepareCells stay as they are). */
  prepareSums(W: number, H: number, e: number, rect: Rect): void {
    if (!changed(this.sumsKey, W, H, e, rect)) return;
    // The planes a range reads depend on the encoding: cells prepared for another are prepared again.
    if (e !== this.cellKey[2]) this.cellKey.fill(-1);
    this.cells.prepare(this.table.levels, this.roles.refine, this.runs, e, W, H, rect, false);
  }

  /** The combined CP bounds of refine, without per-cell values (after prepareSums). */
  refineSums(slot: number, out: Float64Array): void {
    this.cells.boundSums(slot, out);
    this.stats.indexBytesRead += this.cells.sumsReads * this.bytesPerCount;
  }

  /** Per-cell bounds of the mask at slot (after prepareCells) and their combined CP bounds in out. */
  refine(slot: number, cellLo: Int32Array, cellHi: Int32Array, out: Float64Array): void {
    this.cells.bound(slot, cellLo, cellHi, out);
    this.stats.indexBytesRead += this.cells.reads * this.bytesPerCount;
  }
}

function changed(key: Int32Array, W: number, H: number, e: number, rect: Rect): boolean {
  if (key[0] === W && key[1] === H && key[2] === e && key[3] === rect.x0 && key[4] === rect.y0 && key[5] === rect.x1 && key[6] === rect.y1) return false;
  key[0] = W;
  key[1] = H;
  key[2] = e;
  key[3] = rect.x0;
  key[4] = rect.y0;
  key[5] = rect.x1;
  key[6] = rect.y1;
  return true;
}
