import { codeInterval } from './kernels/interval.js';
import { WasmCounter } from './kernels/wasm-counter.js';
import type { Mask, MaskData } from './mask.js';
import type { Rect } from './roi.js';
import type { CompiledRange } from './value-range.js';

let shared: WasmCounter | undefined;
/** One SIMD counter per thread: queries run one at a time on it between awaits, never interleaved within a call. */
export const wasmCounter = (): WasmCounter => (shared ??= new WasmCounter());

/**
 * A range prepared for the SIMD kernels: its interval in each encoding's own units (codes for
 * u8 and u16, values for f32), so the per-pixel test is a compare.
 */
export class RangeCounter {
  readonly u8: { first: number; last: number };
  readonly u16: { first: number; last: number };

  constructor(readonly range: CompiledRange) {
    this.u8 = range.empty ? { first: 1, last: 0 } : codeInterval(range.lo, range.hi, 255);
    this.u16 = range.empty ? { first: 1, last: 0 } : codeInterval(range.lo, range.hi, 65535);
  }

  /** [lo, hi] for masks stored as data's type; lo > hi when nothing qualifies. */
  interval(data: MaskData): [number, number] {
    if (data instanceof Uint8Array) return [this.u8.first, this.u8.last];
    if (data instanceof Uint16Array) return [this.u16.first, this.u16.last];
    return this.range.empty ? [1, 0] : [this.range.lo, this.range.hi];
  }

  /** CP of mask in rect. */
  count(mask: Mask, rect: Rect): number {
    if (rect.x1 <= rect.x0 || rect.y1 <= rect.y0) return 0;
    const [lo, hi] = this.interval(mask.data);
    if (lo > hi) return 0;
    return wasmCounter().count(mask.data, mask.width, rect.x0, rect.y0, rect.x1, rect.y1, lo, hi);
  }
}
