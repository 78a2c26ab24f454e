/**
 * A value range over pixel values: an optional lower end (gt or gte) and an optional upper end
 * (lt or lte). A missing end is unbounded. The paper's (lv, uv) is { gt: lv, lte: uv }.
 */
export interface ValueRange {
  gt?: number | null;
  gte?: number | null;
  lt?: number | null;
  lte?: number | null;
}

export class InvalidRangeError extends Error {
  override name = 'InvalidRangeError';
}

/**
 * The range as a closed interval of doubles, clipped to [0, 1]: v qualifies iff lo <= v <= hi.
 * Every mask value is a double in [0, 1], so an open end becomes the adjacent double without
 * changing which values qualify.
 */
export interface CompiledRange {
  readonly lo: number;
  readonly hi: number;
  readonly empty: boolean;
}

const scratch = new DataView(new ArrayBuffer(8));

/** The smallest double greater than x (x finite). */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  scratch.setFloat64(0, x);
  const bits = scratch.getBigUint64(0);
  scratch.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return scratch.getFloat64(0);
}

/** The largest double less than x (x finite). */
export const nextDown = (x: number): number => -nextUp(-x);

const present = (v: number | null | undefined): v is number => v !== undefined && v !== null;

function checkEnd(name: string, v: number | null | undefined): void {
  if (present(v) && !Number.isFinite(v)) throw new InvalidRangeError(`range.${name} must be a finite number, got ${v}`);
}

/** Rejects malformed ranges: both ends of one side given, or a non-finite end. */
export function validateRange(range: ValueRange): void {
  if (present(range.gt) && present(range.gte)) throw new InvalidRangeError('range: give at most one of gt and gte');
  if (present(range.lt) && present(range.lte)) throw new InvalidRangeError('range: give at most one of lt and lte');
  checkEnd('gt', range.gt);
  checkEnd('gte', range.gte);
  checkEnd('lt', range.lt);
  checkEnd('lte', range.lte);
}

export function compileRange(range: ValueRange): CompiledRange {
  validateRange(range);
  let lo = present(range.gte) ? range.gte : present(range.gt) ? nextUp(range.gt) : 0;
  let hi = present(range.lte) ? range.lte : present(range.lt) ? nextDown(range.lt) : 1;
  lo = Math.max(lo, 0);
  hi = Math.min(hi, 1);
  return { lo, hi, empty: !(lo <= hi) };
}

/** The range a binarised aggregation member satisfies: v > t. */
export const aboveThreshold = (t: number): ValueRange => ({ gt: t });
