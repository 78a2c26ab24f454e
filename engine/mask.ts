/** How a mask's values are stored: u8 holds k/255, u16 holds k/65535, f32 holds the value itself. */
export type MaskEncoding = 'u8' | 'u16' | 'f32';

export type MaskData = Uint8Array | Uint16Array | Float32Array;

/** A 2-D array of values in [0, 1], row-major: value (row r, column c) is at index r * width + c. */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly encoding: MaskEncoding;
  readonly data: MaskData;
}

export class InvalidMaskError extends Error {
  override name = 'InvalidMaskError';
}

const encodingOf = (data: MaskData): MaskEncoding =>
  data instanceof Uint8Array ? 'u8' : data instanceof Uint16Array ? 'u16' : 'f32';

/** 1.0f's bit pattern: the float32 values in [0, 1] are the bit patterns 0 … ONE_BITS, and −0. */
const ONE_BITS = 0x3f800000;
const NEGATIVE_ZERO_BITS = -0x80000000;

/**
 * The index of the first value that is not a number in [0, 1] (NaN included), or -1. On the bit
 * patterns as int32, four at a time: every value in the interval but −0 lies in 0 … ONE_BITS, and
 * everything else (negatives, above 1, ±Infinity, NaN) above it or below 0, so one integer test
 * per value replaces two float comparisons — 2–3× faster, and every float mask passes this.
 */
function firstOutsideUnitInterval(data: Float32Array): number {
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  const n = bits.length;
  // The odd values first: code after the hot loop that no call has run yet would make V8's
  // optimised (on-stack-replaced) code bail out on every call (--trace-deopt), 2× slower overall.
  const head = n & 3;
  for (let i = 0; i < head; i++) if (outsideBits(bits[i])) return i;
  for (let i = head; i < n; i += 4) {
    const a = bits[i];
    const b = bits[i + 1];
    const c = bits[i + 2];
    const d = bits[i + 3];
    if (a > ONE_BITS || b > ONE_BITS || c > ONE_BITS || d > ONE_BITS || (a | b | c | d) < 0) {
      for (let k = i; k < i + 4; k++) if (outsideBits(bits[k])) return k;
    }
  }
  return -1;
}

const outsideBits = (b: number) => b > ONE_BITS || (b < 0 && b !== NEGATIVE_ZERO_BITS);

/** Validates and wraps pixel data; the encoding follows from the array type. */
export function createMask(width: number, height: number, data: MaskData): Mask {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidMaskError(`mask size must be positive integers, got ${width}×${height}`);
  }
  if (data.length !== width * height) {
    throw new InvalidMaskError(
      `mask data has ${data.length} values, expected width × height = ${width}×${height} = ${width * height}`,
    );
  }
  const encoding = encodingOf(data);
  if (data instanceof Float32Array) {
    const i = firstOutsideUnitInterval(data);
    if (i >= 0) {
      const r = Math.floor(i / width);
      throw new InvalidMaskError(`mask value at row ${r}, column ${i - r * width} is ${data[i]}; values must be finite numbers in [0, 1]`);
    }
  }
  return { width, height, encoding, data };
}

/** The scale that turns a stored code into its value: value = code / scale. */
export const encodingScale: Record<MaskEncoding, number> = { u8: 255, u16: 65535, f32: 1 };

