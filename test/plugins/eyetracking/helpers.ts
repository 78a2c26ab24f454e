import { DEFAULT_MAX_PIXELS } from '../../../plugins/kit/index.js';
import eyetracking from '../../../plugins/eyetracking/index.js';
import type { SourceFile, SourceMaskRecord, SourceRecord } from '../../../plugins/kit/index.js';

/** Every record `read` yields, with the options parsed as the ingest would, and these images registered. */
export async function readRecords(
  file: SourceFile,
  options: Record<string, unknown> = {},
  registered: Record<string, { width: number; height: number }> = {},
): Promise<SourceRecord[]> {
  const context = { maxPixels: DEFAULT_MAX_PIXELS, imageSize: async (key: string) => registered[key] ?? null };
  const records: SourceRecord[] = [];
  for await (const record of eyetracking.read(file, eyetracking.options.parse(options), context)) records.push(record);
  return records;
}

export const masksOf = (records: readonly SourceRecord[]) => records.filter((r): r is SourceMaskRecord => r.kind === 'mask');

/** The stored values as numbers in [0, 1]. */
export function valuesOf(record: SourceMaskRecord): Float64Array {
  const { data } = record.mask;
  const scale = data instanceof Uint8Array ? 255 : data instanceof Uint16Array ? 65535 : 1;
  return Float64Array.from(data, (v) => v / scale);
}

/**
 * The Gaussian sum of fixations computed directly, pixel by pixel, in doubles: Σ w·exp(−d²/2σ²)
 * over fixations at pixels (⌊x⌋, ⌊y⌋); with `radius`, a term counts only where |dx| and |dy| ≤ radius.
 */
export function directGaussianSum(
  width: number,
  height: number,
  points: readonly { x: number; y: number; weight?: number }[],
  sigma: number,
  radius = Infinity,
): Float64Array {
  const out = new Float64Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      let sum = 0;
      for (const p of points) {
        const dx = c - Math.floor(p.x);
        const dy = r - Math.floor(p.y);
        if (Math.abs(dx) > radius || Math.abs(dy) > radius) continue;
        sum += (p.weight ?? 1) * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      }
      out[r * width + c] = sum;
    }
  }
  return out;
}

/** The largest |a − b| over the arrays. */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export function peakOf(values: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < values.length; i++) peak = Math.max(peak, values[i]);
  return peak;
}
