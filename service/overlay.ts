import { encode } from 'fast-png';
import type { Mask } from '../engine/mask.js';
import type { Colormap } from './colormaps.js';
import { COLORMAPS } from './colormaps.js';
import { maskLevels } from './render-png.js';
import type { RgbImage } from './rgb-image.js';

/** Where output coordinate x samples the mask: two source columns and the weight of the second (pixel centres aligned). */
function bilinearAxis(source: number, target: number) {
  const lo = new Int32Array(target);
  const hi = new Int32Array(target);
  const weight = new Float32Array(target);
  for (let x = 0; x < target; x++) {
    const at = Math.min(Math.max(((x + 0.5) * source) / target - 0.5, 0), source - 1);
    lo[x] = Math.floor(at);
    hi[x] = Math.min(lo[x] + 1, source - 1);
    weight[x] = at - lo[x];
  }
  return { lo, hi, weight };
}

/**
 * The mask through a colormap, upsampled (bilinear) to the image's size and blended over it with
 * the given opacity, as an RGB PNG.
 */
export function renderOverlayPng(mask: Mask, image: RgbImage, colormap: Colormap, opacity: number): Uint8Array {
  const { width, height } = image;
  const levels = maskLevels(mask);
  const lut = COLORMAPS[colormap];
  const xs = bilinearAxis(mask.width, width);
  const ys = bilinearAxis(mask.height, height);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const top = ys.lo[y] * mask.width;
    const bottom = ys.hi[y] * mask.width;
    const wy = ys.weight[y];
    for (let x = 0; x < width; x++) {
      const wx = xs.weight[x];
      const upper = levels[top + xs.lo[x]] * (1 - wx) + levels[top + xs.hi[x]] * wx;
      const lower = levels[bottom + xs.lo[x]] * (1 - wx) + levels[bottom + xs.hi[x]] * wx;
      const at = Math.round(upper * (1 - wy) + lower * wy) * 3;
      const px = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[px + c] = Math.round(image.data[px + c] * (1 - opacity) + lut[at + c] * opacity);
    }
  }
  return encode({ width, height, data: out, channels: 3, depth: 8 });
}
