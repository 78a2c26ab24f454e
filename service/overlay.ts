import { encode } from 'fast-png';
import type { Mask } from '../engine/mask.js';
import { samplePositions } from '../plugins/kit/resample.js';
import type { Colormap } from './colormaps.js';
import { COLORMAPS } from './colormaps.js';
import { maskLevels } from './render-png.js';
import type { RgbImage } from './rgb-image.js';

/**
 * The mask through a colormap, upsampled (bilinear) to the image's size and blended over it with
 * the given opacity, as an RGB PNG.
 */
export function renderOverlayPng(mask: Mask, image: RgbImage, colormap: Colormap, opacity: number): Uint8Array {
  const { width, height } = image;
  const levels = maskLevels(mask);
  const lut = COLORMAPS[colormap];
  const xs = samplePositions(mask.width, width);
  const ys = samplePositions(mask.height, height);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const top = ys.before[y] * mask.width;
    const bottom = ys.after[y] * mask.width;
    const wy = ys.weight[y];
    for (let x = 0; x < width; x++) {
      const wx = xs.weight[x];
      const upper = levels[top + xs.before[x]] * (1 - wx) + levels[top + xs.after[x]] * wx;
      const lower = levels[bottom + xs.before[x]] * (1 - wx) + levels[bottom + xs.after[x]] * wx;
      const at = Math.round(upper * (1 - wy) + lower * wy) * 3;
      const px = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[px + c] = Math.round(image.data[px + c] * (1 - opacity) + lut[at + c] * opacity);
    }
  }
  return encode({ width, height, data: out, channels: 3, depth: 8 });
}
