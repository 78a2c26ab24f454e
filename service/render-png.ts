import { encode } from 'fast-png';
import type { Mask } from '../engine/mask.js';
import { encodingScale } from '../engine/mask.js';
import type { Colormap } from './colormaps.js';
import { COLORMAPS } from './colormaps.js';

/** Each value of the mask as an 8-bit level, round(value × 255); 8-bit masks as stored. */
export function maskLevels(mask: Mask): Uint8Array {
  if (mask.encoding === 'u8') return mask.data as Uint8Array;
  const scale = encodingScale[mask.encoding];
  return Uint8Array.from(mask.data, (v) => Math.round((v / scale) * 255));
}

/** The mask as an 8-bit PNG: grayscale, or RGB through a perceptual colormap. */
export function renderMaskPng(mask: Mask, colormap: Colormap): Uint8Array {
  const { width, height } = mask;
  const levels = maskLevels(mask);
  if (colormap === 'gray') return encode({ width, height, data: levels, channels: 1, depth: 8 });
  const lut = COLORMAPS[colormap];
  const pixels = new Uint8Array(levels.length * 3);
  for (let i = 0; i < levels.length; i++) {
    const at = levels[i] * 3;
    pixels[i * 3] = lut[at];
    pixels[i * 3 + 1] = lut[at + 1];
    pixels[i * 3 + 2] = lut[at + 2];
  }
  return encode({ width, height, data: pixels, channels: 3, depth: 8 });
}
