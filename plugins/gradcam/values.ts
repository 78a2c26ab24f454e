/** A mask's values as read from its file, before any range check, normalisation, conversion or resize. */
export type RawValues = Uint8Array | Uint16Array | Float32Array | Float64Array;

/** Index of the first value outside [0, 1], NaN and ±Infinity included, or -1. */
export function firstOutsideUnitRange(values: Float32Array | Float64Array): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Negated so that NaN, which fails every comparison, is caught by the same test.
    if (!(v >= 0 && v <= 1)) return i;
  }
  return -1;
}

/** Index of the first NaN or ±Infinity, or -1. */
export function firstNonFinite(values: Float32Array | Float64Array): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v − v is 0 for every finite v and NaN for NaN and ±Infinity: one test without a call.
    if (v - v !== 0) return i;
  }
  return -1;
}
