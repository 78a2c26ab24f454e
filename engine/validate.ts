import type { RoiSpec } from './roi.js';
import type { ValueRange } from './value-range.js';

/** The largest k (and page size) a query may ask for. */
export const MAX_K = 10_000;

/** A query argument that is not acceptable; path names it as the caller spelled it (e.g. ['range', 'gt']). */
export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
  constructor(
    message: string,
    readonly path: readonly (string | number)[],
  ) {
    super(message);
  }
}

/** Every argument a query may carry; each present one is checked. */
export interface QueryArguments {
  roi?: RoiSpec;
  range?: ValueRange;
  threshold?: number;
  k?: number;
  minRoiArea?: number;
  having?: { threshold: number };
  members?: readonly { threshold?: number | null }[] | null;
}

const present = (v: number | null | undefined): v is number => v !== undefined && v !== null;

function checkRange(range: ValueRange): void {
  const { gt, gte, lt, lte } = range;
  if (present(gt) && present(gte)) throw new InvalidQueryError('range: give at most one of gt and gte', ['range']);
  if (present(lt) && present(lte)) throw new InvalidQueryError('range: give at most one of lt and lte', ['range']);
  for (const [end, v] of Object.entries({ gt, gte, lt, lte })) {
    if (present(v) && !Number.isFinite(v)) throw new InvalidQueryError(`range.${end} must be a finite number, got ${v}`, ['range', end]);
  }
  const lower = present(gt) ? gt : gte;
  const upper = present(lt) ? lt : lte;
  if (present(lower) && present(upper)) {
    const empty = present(gte) && present(lte) ? lower > upper : lower >= upper;
    if (empty) {
      throw new InvalidQueryError(
        `range: the lower end ${present(gt) ? 'gt' : 'gte'} ${lower} must be below the upper end ${present(lt) ? 'lt' : 'lte'} ${upper}; the range is empty`,
        ['range'],
      );
    }
  }
}

function checkFinite(v: number, path: (string | number)[]): void {
  if (!Number.isFinite(v)) throw new InvalidQueryError(`${path.join('.')} must be a finite number, got ${v}`, path);
}

/** Checks a query's arguments once, before planning: the engine's rules are the only rules. */
export function validateQuery(q: QueryArguments): void {
  if (q.roi?.kind === 'box') {
    for (const side of ['width', 'height'] as const) {
      const v = q.roi[side];
      if (!Number.isInteger(v) || v < 0) throw new InvalidQueryError(`roi.box.${side} must be a non-negative integer, got ${v}`, ['roi', 'box', side]);
    }
    for (const side of ['x', 'y'] as const) {
      if (!Number.isInteger(q.roi[side])) throw new InvalidQueryError(`roi.box.${side} must be an integer, got ${q.roi[side]}`, ['roi', 'box', side]);
    }
  }
  if (q.range) checkRange(q.range);
  if (q.threshold !== undefined) checkFinite(q.threshold, ['threshold']);
  if (q.having) checkFinite(q.having.threshold, ['having', 'value']);
  q.members?.forEach((m, i) => {
    if (present(m.threshold)) checkFinite(m.threshold, ['members', i, 'threshold']);
  });
  if (q.k !== undefined && (!Number.isInteger(q.k) || q.k < 1 || q.k > MAX_K)) {
    throw new InvalidQueryError(`k must be an integer between 1 and ${MAX_K}, got ${q.k}`, ['k']);
  }
  if (q.minRoiArea !== undefined && !(q.minRoiArea >= 0)) {
    throw new InvalidQueryError(`minRoiArea must be a non-negative number, got ${q.minRoiArea}`, ['minRoiArea']);
  }
}
