/**
 * Fixation density maps: the sum, over fixations, of a Gaussian of standard deviation σ centred
 * on each fixation's pixel, weighted by the fixation's weight.
 */

/** A weight at a pixel: column and row are whole numbers inside the map. */
export interface Impulse {
  readonly column: number;
  readonly row: number;
  readonly weight: number;
}

/**
 * The Gaussian is cut off beyond this many σ. There a single fixation's term has fallen to
 * e^(−12.5) ≈ 3.7e-6 of its peak, under half a step of a 16-bit map (1/131070), so the cut-off
 * does not show in a stored map; 3–4σ would leave steps of 1e-2 to 3e-4 at the cut-off edge.
 */
export const TRUNCATION_SIGMAS = 5;

/**
 * The one-dimensional kernel exp(−d²/2σ²) for d = −radius..radius, radius = ⌈5σ⌉ but no more
 * than `maxRadius` (offsets a map cannot hold); peak 1, not normalised.
 */
export function gaussianKernel(sigma: number, maxRadius: number): { radius: number; taps: Float64Array } {
  const radius = Math.min(Math.ceil(TRUNCATION_SIGMAS * sigma), maxRadius);
  const taps = new Float64Array(2 * radius + 1);
  for (let d = -radius; d <= radius; d++) taps[d + radius] = Math.exp(-(d * d) / (2 * sigma * sigma));
  return { radius, taps };
}

/**
 * The impulses blurred by a separable Gaussian of σ pixels, truncated at ⌈5σ⌉ in each
 * direction: value(c, r) = Σ weight·g(c − column)·g(r − row) with g(d) = exp(−d²/2σ²) for
 * |d| ≤ radius and 0 beyond. Zero padding: what falls outside the map is lost, nothing is
 * reflected back in, so a map is the plain Gaussian sum of its fixations.
 *
 * The two passes of the separable blur run only where the impulses reach: the horizontal pass
 * spreads each row's impulses into one row profile, the vertical pass adds that profile, scaled
 * by the kernel, to the rows within the radius. The cost is (rows holding impulses) × (2·radius+1)
 * × (profile width) — about 100 fixations × 801² for a 2400×1595 image at σ = 80 — instead of
 * width × height × 2·(2·radius+1) for a dense blur, and never more than the dense vertical pass.
 */
export function renderDensityMap(width: number, height: number, impulses: Iterable<Impulse>, sigma: number): Float32Array {
  const map = new Float32Array(width * height);
  const { radius, taps } = gaussianKernel(sigma, Math.max(width, height) - 1);
  const profile = new Float64Array(width);
  for (const [row, inRow] of groupByRow(impulses)) {
    let from = width;
    let to = -1;
    for (const { column, weight } of inRow) {
      const left = Math.max(0, column - radius);
      const right = Math.min(width - 1, column + radius);
      const offset = radius - column;
      for (let c = left; c <= right; c++) profile[c] += weight * taps[c + offset];
      from = Math.min(from, left);
      to = Math.max(to, right);
    }
    const top = Math.max(0, row - radius);
    const bottom = Math.min(height - 1, row + radius);
    for (let r = top; r <= bottom; r++) {
      const g = taps[r - row + radius];
      const base = r * width;
      for (let c = from; c <= to; c++) map[base + c] += g * profile[c];
    }
    profile.fill(0, from, to + 1);
  }
  return map;
}

function groupByRow(impulses: Iterable<Impulse>): Map<number, Impulse[]> {
  const rows = new Map<number, Impulse[]>();
  for (const impulse of impulses) {
    const inRow = rows.get(impulse.row);
    if (inRow) inRow.push(impulse);
    else rows.set(impulse.row, [impulse]);
  }
  return rows;
}
