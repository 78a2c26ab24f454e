import type { Mask } from '../engine/mask.js';
import { declaredPngSize, DEFAULT_MAX_PIXELS } from '../plugins/kit/index.js';
import type { Colormap } from './colormaps.js';
import { renderOverlayPng } from './overlay.js';
import { renderMaskPng } from './render-png.js';
import { decodePngToRgb, grayImage, type RgbImage } from './rgb-image.js';

/** One PNG to render: a mask alone, or a mask over its image's PNG (mid-gray of `size` when there is none). */
export type RenderTask =
  | { kind: 'mask'; mask: Mask; colormap: Colormap }
  | { kind: 'overlay'; mask: Mask; imagePng: Uint8Array | null; size: { width: number; height: number }; colormap: Colormap; opacity: number };

/** The pixels of an image's PNG, when it declares no more pixels than an overlay may have and decodes. */
function imagePixels(png: Uint8Array | null): RgbImage | null {
  const size = png && declaredPngSize(png);
  if (!png || !size || size.width * size.height > DEFAULT_MAX_PIXELS) return null;
  try {
    return decodePngToRgb(png);
  } catch {
    return null;
  }
}

/** The pixels the rendered PNG will have: what decides whether it is worth a worker thread. */
export const outputPixels = (task: RenderTask): number => {
  if (task.kind === 'mask') return task.mask.width * task.mask.height;
  const declared = task.imagePng && declaredPngSize(task.imagePng);
  return declared ? declared.width * declared.height : task.size.width * task.size.height;
};

export function renderTask(task: RenderTask): Uint8Array {
  if (task.kind === 'mask') return renderMaskPng(task.mask, task.colormap);
  const background = imagePixels(task.imagePng) ?? grayImage(task.size.width, task.size.height);
  return renderOverlayPng(task.mask, background, task.colormap, task.opacity);
}
