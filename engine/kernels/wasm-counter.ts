/**
 * The SIMD kernels of count.wat (built into count.wasm by `npm run build:wasm`) behind a counter
 * that owns their memory. Pixels must be in that memory to be counted, so each call copies the
 * span of the mask it needs in (one TypedArray.set, a memcpy): `load` a whole mask once and
 * count many rectangles of it with `countLoaded`, or let `count` copy just the rows of one
 * rectangle. Same conventions as the JS kernels: interval in the array's own units, codes for
 * u8/u16, values for f32.
 */
import { readFileSync } from 'node:fs';
import type { MaskData } from '../mask.js';
import { float32AtLeast, float32AtMost } from './interval.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  count_u8(ptr: number, width: number, x0: number, y0: number, x1: number, y1: number, first: number, last: number): number;
  count_u16(ptr: number, width: number, x0: number, y0: number, x1: number, y1: number, first: number, last: number): number;
  count_f32(ptr: number, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number;
  intersect_union(table: number, n: number, width: number, x0: number, y0: number, x1: number, y1: number, scratch: number, out: number): void;
}

let kernelModule: WebAssembly.Module | undefined;

/** count.wasm, compiled once per process. */
function compiledKernels(): WebAssembly.Module {
  kernelModule ??= new WebAssembly.Module(readFileSync(new URL('./count.wasm', import.meta.url)));
  return kernelModule;
}

const PAGE = 65536;
/** Bytes 0–7 receive intersect_union's two counts; pixels start at DATA. */
const OUT = 0;
const DATA = 64;
/** The kernels read whole vectors past a row's end (up to 16 f32 pixels). */
const TAIL = 64;
const RECORD = 16;
const U8 = 0;
const U16 = 1;
const F32 = 2;

const encodingCode = (data: MaskData): number => (data instanceof Uint8Array ? U8 : data instanceof Uint16Array ? U16 : F32);
const align = (n: number): number => (n + 63) & ~63;

const f32 = new Float32Array(2);
const f32Bits = new Int32Array(f32.buffer);

/** Memory safety: a kernel must never read pixels the rectangle does not own. */
function checkRect(length: number, width: number, x0: number, y0: number, x1: number, y1: number): void {
  const integers = Number.isInteger(width) && Number.isInteger(x0) && Number.isInteger(y0) && Number.isInteger(x1) && Number.isInteger(y1);
  if (!integers || x0 < 0 || y0 < 0 || x1 > width || (y1 - 1) * width + x1 > length) {
    throw new RangeError(`rect [${x0}, ${x1}) × [${y0}, ${y1}) is not inside a mask ${width} pixels wide of ${length} pixels`);
  }
}

export class WasmCounter {
  readonly #kernels: KernelExports;
  #bytes!: Uint8Array;
  #words!: Int32Array;
  /** Encoding code of the mask `load` copied in, or -1 when there is none. */
  #loaded = -1;
  #loadedLength = 0;

  constructor() {
    this.#kernels = new WebAssembly.Instance(compiledKernels()).exports as unknown as KernelExports;
    this.#refreshViews();
  }

  #refreshViews(): void {
    this.#bytes = new Uint8Array(this.#kernels.memory.buffer);
    this.#words = new Int32Array(this.#kernels.memory.buffer);
  }

  #reserve(bytes: number): void {
    const have = this.#kernels.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.#kernels.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.#refreshViews();
  }

  /** Copies pixels [start, end) of data to byte address at. */
  #copy(data: MaskData, start: number, end: number, at: number): void {
    const src = new Uint8Array(data.buffer, data.byteOffset + start * data.BYTES_PER_ELEMENT, (end - start) * data.BYTES_PER_ELEMENT);
    this.#bytes.set(src, at);
  }

  #run(encoding: number, ptr: number, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
    if (x1 <= x0 || y1 <= y0) return 0;
    if (encoding === F32) {
      const l = float32AtLeast(lo);
      const h = float32AtMost(hi);
      return l <= h ? this.#kernels.count_f32(ptr, width, x0, y0, x1, y1, l, h) : 0;
    }
    const first = Math.max(Math.ceil(lo), 0);
    const last = Math.min(Math.floor(hi), encoding === U8 ? 255 : 65535);
    if (!(first <= last)) return 0;
    return (encoding === U8 ? this.#kernels.count_u8 : this.#kernels.count_u16)(ptr, width, x0, y0, x1, y1, first, last);
  }

  /** Copies a whole mask into memory, for `countLoaded`; replaces the mask loaded before. */
  load(data: MaskData): void {
    this.#rows = null;
    this.#reserve(DATA + data.byteLength + TAIL);
    this.#copy(data, 0, data.length, DATA);
    this.#loaded = encodingCode(data);
    this.#loadedLength = data.length;
  }

  #rows: MaskData | null = null;
  #rowsWidth = 0;
  #rowsFrom = 0;
  #rowsTo = 0;

  /**
   * Starts counting rectangles of one mask whose rows are copied in only as rectangles need them
   * (countRows): a decision that stops after a few cells copies a few rows, not the whole ROI.
   */
  begin(data: MaskData, width: number): void {
    this.#reserve(DATA + data.byteLength + TAIL);
    this.#rows = data;
    this.#rowsWidth = width;
    this.#rowsFrom = 0;
    this.#rowsTo = 0;
    this.#loaded = -1;
  }

  /** The count in a rectangle of the mask given to begin; the rows copied in stay one contiguous span. */
  countRows(x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
    const data = this.#rows;
    if (!data) throw new Error('WasmCounter.countRows: begin was not called (load and intersectUnion replace its mask)');
    if (x1 <= x0 || y1 <= y0) return 0;
    const width = this.#rowsWidth;
    checkRect(data.length, width, x0, y0, x1, y1);
    const size = data.BYTES_PER_ELEMENT;
    if (this.#rowsFrom === this.#rowsTo) {
      this.#copy(data, y0 * width, y1 * width, DATA + y0 * width * size);
      this.#rowsFrom = y0;
      this.#rowsTo = y1;
    } else {
      if (y0 < this.#rowsFrom) {
        this.#copy(data, y0 * width, this.#rowsFrom * width, DATA + y0 * width * size);
        this.#rowsFrom = y0;
      }
      if (y1 > this.#rowsTo) {
        this.#copy(data, this.#rowsTo * width, y1 * width, DATA + this.#rowsTo * width * size);
        this.#rowsTo = y1;
      }
    }
    return this.#run(encodingCode(data), DATA, width, x0, y0, x1, y1, lo, hi);
  }

  /** The count in a rectangle of the mask last loaded, `width` pixels wide. */
  countLoaded(width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
    if (this.#loaded < 0) throw new Error('WasmCounter.countLoaded: no mask loaded (intersectUnion replaces it)');
    if (x1 <= x0 || y1 <= y0) return 0;
    checkRect(this.#loadedLength, width, x0, y0, x1, y1);
    return this.#run(this.#loaded, DATA, width, x0, y0, x1, y1, lo, hi);
  }

  /** The count in one rectangle of data: copies only the pixels from its first to its last. */
  count(data: MaskData, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
    if (x1 <= x0 || y1 <= y0) return 0;
    checkRect(data.length, width, x0, y0, x1, y1);
    const start = y0 * width + x0;
    const end = (y1 - 1) * width + x1;
    const size = data.BYTES_PER_ELEMENT;
    this.#reserve(DATA + (end - start) * size + TAIL);
    this.#copy(data, start, end, DATA);
    this.#loaded = -1;
    this.#rows = null;
    // The kernel adds (y * width + x) * size to ptr; i32 arithmetic wraps, so ptr may be "negative".
    return this.#run(encodingCode(data), (DATA - start * size) | 0, width, x0, y0, x1, y1, lo, hi);
  }

  /**
   * Pixels of the rectangle qualifying in every member (out[0]) and in at least one (out[1]);
   * members all `width` pixels wide, member m on [lo[m], hi[m]] in its own units, encodings may
   * differ. Copies each member's span of the rectangle in; the mask `load` copied is lost.
   */
  intersectUnion(
    members: readonly MaskData[],
    lo: ArrayLike<number>,
    hi: ArrayLike<number>,
    width: number,
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    out: Int32Array | Float64Array,
  ): void {
    out[0] = 0;
    out[1] = 0;
    const n = members.length;
    if (n === 0 || x1 <= x0 || y1 <= y0) return;
    const start = y0 * width + x0;
    const end = (y1 - 1) * width + x1;
    const table = DATA;
    // Row flags of intersect_union: AND and OR bytes for each 16-pixel step of a row.
    const scratch = align(table + n * RECORD);
    let at = align(scratch + 32 * Math.ceil((x1 - x0) / 16));
    let need = at;
    for (const data of members) {
      checkRect(data.length, width, x0, y0, x1, y1);
      need = align(need + (end - start) * data.BYTES_PER_ELEMENT + TAIL);
    }
    this.#reserve(need);
    this.#loaded = -1;
    this.#rows = null;
    let records = 0;
    let someEmpty = false;
    for (let m = 0; m < n; m++) {
      const data = members[m];
      const encoding = encodingCode(data);
      let a: number;
      let b: number;
      if (encoding === F32) {
        f32[0] = float32AtLeast(lo[m]);
        f32[1] = float32AtMost(hi[m]);
        if (!(f32[0] <= f32[1])) {
          someEmpty = true;
          continue;
        }
        a = f32Bits[0];
        b = f32Bits[1];
      } else {
        const first = Math.max(Math.ceil(lo[m]), 0);
        const last = Math.min(Math.floor(hi[m]), encoding === U8 ? 255 : 65535);
        if (!(first <= last)) {
          someEmpty = true;
          continue;
        }
        a = first;
        b = last - first;
      }
      const size = data.BYTES_PER_ELEMENT;
      this.#copy(data, start, end, at);
      const w = (table + records * RECORD) >> 2;
      this.#words[w] = (at - start * size) | 0;
      this.#words[w + 1] = encoding;
      this.#words[w + 2] = a;
      this.#words[w + 3] = b;
      records++;
      at = align(at + (end - start) * size + TAIL);
    }
    if (records === 0) return;
    this.#kernels.intersect_union(table, records, width, x0, y0, x1, y1, scratch, OUT);
    // A member no pixel satisfies empties the intersection but leaves the union to the others.
    out[0] = someEmpty ? 0 : this.#words[OUT >> 2];
    out[1] = this.#words[(OUT >> 2) + 1];
  }
}
