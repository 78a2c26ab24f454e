import { convertIndexedToRgb, decode } from 'fast-png';

/** 8-bit RGB pixels, row-major, three bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Mid-gray: the background of an overlay whose image has no pixels to show. */
export function grayImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(128) };
}

/**
 * Any PNG as 8-bit RGB: gray is spread over the three channels, alpha dropped (an overlay covers
 * the image anyway), 16-bit samples cut to their high byte, palettes looked up. Throws on a file
 * fast-png cannot decode.
 */
export function decodePngToRgb(bytes: Uint8Array): RgbImage {
  const png = decode(bytes);
  const { width, height } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (png.palette) {
    const colours = convertIndexedToRgb(png);
    const step = png.palette[0].length;
    for (let i = 0; i < n; i++) out.set(colours.subarray(i * step, i * step + 3), i * 3);
    return { width, height, data: out };
  }
  const samples = png.depth < 8 ? unpackGray(png.data as Uint8Array, width, height, png.depth) : png.data;
  const shift = png.depth === 16 ? 8 : 0;
  // Gray and gray+alpha read one sample for all three channels; RGB and RGBA read three.
  const colour = png.channels >= 3;
  for (let i = 0; i < n; i++) {
    const at = i * png.channels;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = samples[at + (colour ? c : 0)] >> shift;
  }
  return { width, height, data: out };
}

/** 1-, 2- and 4-bit gray samples, packed per row, scaled to 0–255. */
function unpackGray(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const max = (1 << depth) - 1;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const bit = c * depth;
      const sample = (packed[r * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
      out[r * width + c] = Math.round((sample * 255) / max);
    }
  }
  return out;
}
