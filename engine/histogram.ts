import { binOf } from './bins.js';
import type { Mask } from './mask.js';
import { encodingScale } from './mask.js';
import type { Rect } from './roi.js';

/** Pixel counts in rect per value bin, bin(v) = min(B − 1, ⌊v·B⌋) as in the CHI. */
export function histogram(mask: Mask, rect: Rect, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const scale = encodingScale[mask.encoding];
  const { width, data } = mask;
  for (let y = rect.y0; y < rect.y1; y++) {
    for (let i = y * width + rect.x0, end = y * width + rect.x1; i < end; i++) counts[binOf(data[i] / scale, bins)]++;
  }
  return counts;
}
