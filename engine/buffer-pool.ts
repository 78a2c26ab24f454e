/**
 * Float64 buffers for per-query bounds, handed back when a query ends: at 100,000 masks each
 * query's bounds are 1.6 MB, and allocating them anew every time keeps the garbage collector busy.
 */
const MAX_FREE = 8;
const free: Float64Array[] = [];

/** n doubles of unspecified content. */
export function takeFloat64(n: number): Float64Array {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    if (free[i].length >= n && (best < 0 || free[i].length < free[best].length)) best = i;
  }
  if (best < 0) return new Float64Array(n);
  const [buffer] = free.splice(best, 1);
  return buffer.subarray(0, n);
}

/** Hands a buffer from takeFloat64 back; the caller must not touch it afterwards. */
export function giveFloat64(view: Float64Array): void {
  if (free.length >= MAX_FREE) free.shift();
  free.push(new Float64Array(view.buffer));
}
