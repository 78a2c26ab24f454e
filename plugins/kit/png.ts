import { decode } from 'fast-png';
import { checkPixelCount, DEFAULT_MAX_PIXELS, SourceInputError } from './source.js';

/** One sample per pixel, as stored in the PNG: bit depths 1–8 in a Uint8Array (not rescaled), 16 in a Uint16Array. */
export interface PngSamples {
  readonly width: number;
  readonly height: number;
  /** 1, 2, 4, 8 or 16. */
  readonly depth: number;
  readonly samples: Uint8Array | Uint16Array;
  /** Present for palette (indexed) PNGs: samples are then palette indices. */
  readonly palette?: readonly (readonly number[])[];
}

/**
 * The width and height a PNG's IHDR chunk declares, read from the header alone (nothing is
 * decoded); null when the bytes do not start like a PNG.
 */
export function declaredPngSize(bytes: Uint8Array): { width: number; height: number } | null {
  const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || PNG.some((b, i) => bytes[i] !== b)) return null;
  // The first chunk must be IHDR: length (4), type (4), then width and height, big-endian.
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function decodeOrFail(bytes: Uint8Array, maxPixels: number) {
  const size = declaredPngSize(bytes);
  if (size) checkPixelCount(size.width, size.height, maxPixels, 'its PNG header says the image');
  try {
    return decode(bytes);
  } catch (error) {
    throw new SourceInputError(`is not a readable PNG (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Packed rows of 1-, 2- or 4-bit samples, one byte per sample out. */
function unpack(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const perByte = 8 / depth;
  const maxSample = (1 << depth) - 1;
  for (let r = 0; r < height; r++) {
    const row = r * rowBytes;
    const base = r * width;
    for (let c = 0; c < width; c++) {
      const byte = packed[row + Math.floor(c / perByte)];
      const shift = 8 - depth * ((c % perByte) + 1);
      out[base + c] = (byte >> shift) & maxSample;
    }
  }
  return out;
}

/**
 * Decodes a single-channel PNG: grayscale (an alpha channel is ignored), a colour PNG whose
 * three channels are equal in every pixel, or a palette PNG (samples are the indices).
 * Throws SourceInputError for anything else, saying what the file holds.
 */
export function decodeSingleChannelPng(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): PngSamples {
  const png = decodeOrFail(bytes, maxPixels);
  const { width, height, depth, channels } = png;
  const data = png.data as Uint8Array | Uint16Array;
  const palette = png.palette as number[][] | undefined;
  if (palette) {
    const samples = depth < 8 ? unpack(data as Uint8Array, width, height, depth) : (data as Uint8Array);
    return { width, height, depth, samples, palette };
  }
  if (channels === 1) {
    return { width, height, depth, samples: depth < 8 ? unpack(data as Uint8Array, width, height, depth) : data };
  }
  const n = width * height;
  const samples = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  if (channels === 2) {
    for (let i = 0; i < n; i++) samples[i] = data[2 * i];
    return { width, height, depth, samples };
  }
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    const v = data[p];
    if (data[p + 1] !== v || data[p + 2] !== v) {
      const row = Math.floor(i / width);
      throw new SourceInputError(
        `is a colour PNG (pixel at row ${row}, column ${i - row * width} is not gray); expected a single-channel (grayscale) image`,
      );
    }
    samples[i] = v;
  }
  return { width, height, depth, samples };
}

/**
 * A grayscale PNG as mask values: 8-bit samples stay k/255, 16-bit k/65535, and 1-, 2- and
 * 4-bit samples become 8-bit by the PNG rule k·255/(2^depth − 1), which is exact. Palette PNGs
 * are refused: their samples are indices, not intensities.
 */
export function pngMaskValues(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): { width: number; height: number; data: Uint8Array | Uint16Array } {
  const png = decodeSingleChannelPng(bytes, maxPixels);
  if (png.palette) throw new SourceInputError('is a palette (indexed) PNG; expected grayscale intensities');
  if (png.depth >= 8) return { width: png.width, height: png.height, data: png.samples };
  const scale = 255 / ((1 << png.depth) - 1);
  const data = new Uint8Array(png.samples.length);
  for (let i = 0; i < data.length; i++) data[i] = png.samples[i] * scale;
  return { width: png.width, height: png.height, data };
}
