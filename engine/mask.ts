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

/** The index of the first value that is not a number in [0, 1] (NaN included), or -1. Its own function: a loop over one array type only. */
function firstOutsideUnitInterval(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 1)) return i;
  }
  return -1;
}

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

