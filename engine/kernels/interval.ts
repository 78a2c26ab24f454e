/**
 * A query's closed value interval [lo, hi] in a mask's own units: codes for u8 and u16 (value =
 * code / scale), values for f32. Every kernel takes the interval in these units, so the per-pixel
 * test is a compare, never a division.
 */

/**
 * The codes k in [0, maxCode] with lo <= k / maxCode <= hi, as [first, last] (empty when first >
 * last). Each end is settled with the per-pixel test itself (k / maxCode in doubles), so an end
 * lying exactly on a code's value, such as 1 / 255, keeps or drops that code as that test would.
 */
export function codeInterval(lo: number, hi: number, maxCode: number): { first: number; last: number } {
  if (!(lo <= hi)) return { first: 1, last: 0 };
  let first = Math.min(Math.max(Math.ceil(lo * maxCode), 0), maxCode + 1);
  while (first > 0 && (first - 1) / maxCode >= lo) first--;
  while (first <= maxCode && first / maxCode < lo) first++;
  let last = Math.min(Math.max(Math.floor(hi * maxCode), -1), maxCode);
  while (last < maxCode && (last + 1) / maxCode <= hi) last++;
  while (last >= 0 && last / maxCode > hi) last--;
  return { first, last };
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** The smallest float32 >= x (x a double, not NaN): a float32 pixel v satisfies v >= x iff v >= it. */
export function float32AtLeast(x: number): number {
  f32[0] = x;
  if (f32[0] >= x) return f32[0];
  // Rounded down: step one float32 up (towards +Infinity).
  if (f32[0] === 0) f32Bits[0] = 1;
  else if (f32[0] > 0) f32Bits[0]++;
  else f32Bits[0]--;
  return f32[0];
}

/** The largest float32 <= x (x a double, not NaN): a float32 pixel v satisfies v <= x iff v <= it. */
export const float32AtMost = (x: number): number => -float32AtLeast(-x);
