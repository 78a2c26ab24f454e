/** Values to resample: integer samples are read as k/255 (8 bits) or k/65535 (16 bits). */
export type ResampleValues = Uint8Array | Uint16Array | Float32Array | Float64Array;

const unitScale = (values: ResampleValues): number => (values instanceof Uint8Array ? 1 / 255 : values instanceof Uint16Array ? 1 / 65535 : 1);

/**
 * Bilinear resampling with half-pixel centres, the convention of cv2.resize(INTER_LINEAR) and
 * torch.nn.functional.interpolate(mode='bilinear', align_corners=False): output column x samples
 * the source at (x + 0.5) · srcWidth / dstWidth − 0.5, clamped to [0, srcWidth − 1] so the edges
 * are replicated, and rows likewise. Integer samples are read as k/255 or k/65535.
 *
 * The result is a weighted mean of source values, so values in [0, 1] stay in [0, 1]; the few ulps
 * of double rounding above 1 a mean of ones can reach vanish when stored as float32.
 */
export function resizeBilinear(values: ResampleValues, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Float32Array {
  const scale = unitScale(values);
  const columns = samplePositions(srcWidth, dstWidth);
  const rows = samplePositions(srcHeight, dstHeight);
  const out = new Float32Array(dstWidth * dstHeight);
  for (let y = 0; y < dstHeight; y++) {
    const above = rows.before[y] * srcWidth;
    const below = rows.after[y] * srcWidth;
    const wy = rows.weight[y];
    const base = y * dstWidth;
    for (let x = 0; x < dstWidth; x++) {
      const left = columns.before[x];
      const right = columns.after[x];
      const wx = columns.weight[x];
      const top = values[above + left] * (1 - wx) + values[above + right] * wx;
      const bottom = values[below + left] * (1 - wx) + values[below + right] * wx;
      out[base + x] = (top * (1 - wy) + bottom * wy) * scale;
    }
  }
  return out;
}

/** For each output position along one axis: the two source indices it blends and the weight of the second. */
export function samplePositions(srcLength: number, dstLength: number) {
  const before = new Int32Array(dstLength);
  const after = new Int32Array(dstLength);
  const weight = new Float64Array(dstLength);
  const step = srcLength / dstLength;
  for (let i = 0; i < dstLength; i++) {
    const at = Math.min(Math.max((i + 0.5) * step - 0.5, 0), srcLength - 1);
    const first = Math.floor(at);
    before[i] = first;
    after[i] = Math.min(first + 1, srcLength - 1);
    weight[i] = at - first;
  }
  return { before, after, weight };
}
