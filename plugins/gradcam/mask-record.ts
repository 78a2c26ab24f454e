import { SourceInputError, checkPixelCount, type MaskValues, type SourceContext, type SourceMaskRecord } from '../kit/index.js';
import type { FileMask } from './read-masks.js';
import { normalizeMinMax } from './normalize.js';
import type { GradcamOptions } from './options.js';
import { resizeBilinear } from '../kit/resample.js';
import { firstNonFinite, firstOutsideUnitRange, type RawValues } from './values.js';

export interface FileFacts {
  /** The file's name without directories. */
  readonly name: string;
  readonly sourceDtype: string;
}

/**
 * The record of one mask: normalised (or checked to lie in [0, 1]), then resized.
 *
 * Normalising first keeps a mask's values independent of its image's size: the map's own minimum
 * and maximum become 0 and 1, which after upsampling interpolation would have blurred. Bilinear
 * resizing only averages neighbours, so what is in [0, 1] before stays in [0, 1] after. Range errors
 * thus name positions in the file, as the user saved it.
 */
export async function maskRecord(mask: FileMask, file: FileFacts, options: GradcamOptions, context: SourceContext): Promise<SourceMaskRecord> {
  const where = mask.index === undefined ? '' : `mask ${mask.index} (key '${mask.imageKey}'): `;
  let data = options.normalize ? normalized(mask, where) : checked(mask, where);
  let width = mask.width;
  let height = mask.height;
  let resizedFrom: [number, number] | undefined;
  if (options.resize) {
    const size = await context.imageSize(mask.imageKey);
    if (!size) {
      throw new SourceInputError(
        `${where}resize needs the size of image '${mask.imageKey}', which is not registered or has no size; ` +
          'register it with its size (masksearch images import) or leave resize off',
      );
    }
    checkPixelCount(size.width, size.height, context.maxPixels, `${where}resizing to image '${mask.imageKey}': its registered size`);
    if (size.width !== width || size.height !== height) {
      data = resizeBilinear(data, width, height, size.width, size.height);
      resizedFrom = [height, width];
      ({ width, height } = size);
    }
  }
  const metadata: Record<string, unknown> = { file: file.name, sourceDtype: file.sourceDtype, normalized: options.normalize };
  if (resizedFrom) metadata.resizedFrom = resizedFrom;
  if (mask.index !== undefined) metadata.index = mask.index;
  return { kind: 'mask', imageKey: mask.imageKey, mask: { width, height, data }, metadata };
}

function normalized(mask: FileMask, where: string): Float32Array {
  const { values } = mask;
  if (isFloat(values)) {
    const bad = firstNonFinite(values);
    if (bad >= 0) throw valueError(mask, where, bad, 'is not a finite number');
  }
  return normalizeMinMax(values);
}

/** The mask's values as stored (float64 rounded to float32), after checking that each lies in [0, 1]. */
function checked(mask: FileMask, where: string): MaskValues {
  const { values } = mask;
  if (!isFloat(values)) return values;
  const bad = firstOutsideUnitRange(values);
  if (bad >= 0) {
    throw Number.isFinite(values[bad])
      ? valueError(mask, where, bad, 'is outside [0, 1]; pass normalize: true to min-max normalise')
      : valueError(mask, where, bad, 'is not a finite number');
  }
  return values instanceof Float64Array ? new Float32Array(values) : values;
}

function isFloat(values: RawValues): values is Float32Array | Float64Array {
  return values instanceof Float32Array || values instanceof Float64Array;
}

function valueError(mask: FileMask, where: string, index: number, problem: string): SourceInputError {
  const row = Math.floor(index / mask.width);
  const column = index - row * mask.width;
  return new SourceInputError(`${where}value ${formatValue(mask.values, index)} at row ${row}, column ${column} ${problem}`);
}

/** A float32 value as its shortest decimal that reads back to it (1.1, not 1.100000023841858). */
function formatValue(values: RawValues, index: number): string {
  const v = values[index];
  if (!(values instanceof Float32Array) || !Number.isFinite(v)) return String(v);
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(v.toPrecision(digits));
    if (Math.fround(short) === v) return String(short);
  }
  return String(Number(v.toPrecision(9)));
}
