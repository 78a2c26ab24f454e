/**
 * Typed buffers for per-query arrays (bounds, flags, the top-k's queue), handed back when a query ends:
 * at 100,000 masks each is hundreds of KB, and allocating them anew every time keeps the garbage
 * collector busy. A few buffers per kind are kept, the smallest that fits is handed out.
 */
const MAX_FREE = 8;

interface Pool<T extends Float64Array | Int32Array | Uint8Array> {
  take(n: number): T;
  give(view: T): void;
}

function pool<T extends Float64Array | Int32Array | Uint8Array>(make: (n: number) => T, whole: (view: T) => T): Pool<T> {
  const free: T[] = [];
  return {
    take(n) {
      let best = -1;
      for (let i = 0; i < free.length; i++) {
        if (free[i].length >= n && (best < 0 || free[i].length < free[best].length)) best = i;
      }
      if (best < 0) return make(n);
      const [buffer] = free.splice(best, 1);
      return buffer.subarray(0, n) as T;
    },
    give(view) {
      if (free.length >= MAX_FREE) free.shift();
      free.push(whole(view));
    },
  };
}

const float64 = pool<Float64Array>(
  (n) => new Float64Array(n),
  (view) => new Float64Array(view.buffer),
);
const int32 = pool<Int32Array>(
  (n) => new Int32Array(n),
  (view) => new Int32Array(view.buffer),
);

const uint8 = pool<Uint8Array>(
  (n) => new Uint8Array(n),
  (view) => new Uint8Array(view.buffer),
);

/** n doubles of unspecified content. */
export const takeFloat64 = (n: number): Float64Array => float64.take(n);
/** Hands a buffer from takeFloat64 back; the caller must not touch it afterwards. */
export const giveFloat64 = (view: Float64Array): void => float64.give(view);
/** n 32-bit integers of unspecified content. */
export const takeInt32 = (n: number): Int32Array => int32.take(n);
/** Hands a buffer from takeInt32 back; the caller must not touch it afterwards. */
export const giveInt32 = (view: Int32Array): void => int32.give(view);
/** n bytes of unspecified content. */
export const takeUint8 = (n: number): Uint8Array => uint8.take(n);
/** Hands a buffer from takeUint8 back; the caller must not touch it afterwards. */
export const giveUint8 = (view: Uint8Array): void => uint8.give(view);
