import { encode } from 'fast-png';
import type { Mask } from '../engine/mask.js';
import { encodingScale } from '../engine/mask.js';
import type { Colormap } from './colormaps.js';
import { COLORMAPS } from './colormaps.js';

/** The mask as an 8-bit PNG: grayscale, or RGB through a perceptual colormap. */
export function renderMaskPng(mask: Mask, colormap: Colormap): Uint8Array {
  const { width, height, data } = mask;
  const scale = encodingScale[mask.encoding];
  const n = width * height;
  const level = (i: number): number => (mask.encoding === 'u8' ? data[i] : Math.round((data[i] / scale) * 255));
  if (colormap === 'gray') {
    const pixels = new Uint8Array(n);
    for (let i = 0; i < n; i++) pixels[i] = level(i);
    return encode({ width, height, data: pixels, channels: 1, depth: 8 });
  }
  const lut = COLORMAPS[colormap];
  const pixels = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const at = level(i) * 3;
    pixels[i * 3] = lut[at];
    pixels[i * 3 + 1] = lut[at + 1];
    pixels[i * 3 + 2] = lut[at + 2];
  }
  return encode({ width, height, data: pixels, channels: 3, depth: 8 });
}
