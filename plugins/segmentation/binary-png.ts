import { SourceInputError, type PngSamples, type SourceRecord } from '../kit/index.js';
import { measureMask } from './bounding-box.js';
import { classMaskRecords } from './records.js';

/** The foreground sample values a binary PNG of a bit depth may use: the maximum, or 1 in 8-bit files (a common export). */
function foregroundValues(depth: number): readonly number[] {
  if (depth === 16) return [65535];
  if (depth === 8) return [255, 1];
  return [(1 << depth) - 1];
}

function notBinary(png: PngSamples, index: number, value: number, foreground: number): SourceInputError {
  const row = Math.floor(index / png.width);
  const pixel = `pixel at row ${row}, column ${index - row * png.width} is ${value}`;
  const mixesForegrounds = foreground !== 0 && foregroundValues(png.depth).includes(value);
  const problem = mixesForegrounds ? `${pixel}, but earlier pixels are ${foreground}` : pixel;
  if (png.depth !== 8) {
    const [maximum] = foregroundValues(png.depth);
    return new SourceInputError(`is not a binary mask: ${problem}; a ${png.depth}-bit binary mask holds only 0 and ${maximum}`);
  }
  return new SourceInputError(
    `is not a binary mask: ${problem}; an 8-bit binary mask holds only 0 and 255 (or only 0 and 1). ` +
      'For a label image (pixel value = class index) set option labels: true',
  );
}

/** The mask as 0/255 bytes; throws at the first pixel that is neither 0 nor the file's one foreground value. */
function binaryMaskData(png: PngSamples): Uint8Array {
  const { samples } = png;
  const allowed = foregroundValues(png.depth);
  let foreground = 0;
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i];
    if (value === 0 || value === foreground) continue;
    if (foreground !== 0 || !allowed.includes(value)) throw notBinary(png, i, value, foreground);
    foreground = value;
  }
  if (png.depth === 8 && foreground !== 1 && samples instanceof Uint8Array) return samples;
  const data = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) if (samples[i] !== 0) data[i] = 255;
  return data;
}

/**
 * A grayscale PNG holding one binary mask. With a class name it is that class's mask and its
 * box is registered under the name; without, it has the default mask type and no box, so no
 * box the user registered is overwritten under a made-up name.
 */
export function* readBinaryPng(imageKey: string, png: PngSamples, className: string | undefined): Generator<SourceRecord> {
  const mask = { width: png.width, height: png.height, data: binaryMaskData(png) };
  const { pixels, box } = measureMask(mask.data, mask.width, mask.height);
  if (className === undefined) {
    yield { kind: 'mask', imageKey, mask, metadata: { pixels }, imageAligned: true };
    return;
  }
  yield* classMaskRecords(imageKey, className, mask, box, { class: className, pixels });
}
