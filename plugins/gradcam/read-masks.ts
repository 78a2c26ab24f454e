import { checkPixelCount, pngMaskValues, SourceInputError, type SourceFile } from '../kit/index.js';
import { formatNpyShape, readNpy } from '../kit/npy.js';
import { batchKeys } from './batch-keys.js';
import type { RawValues } from './values.js';

/** One mask as its file holds it. */
export interface FileMask {
  readonly imageKey: string;
  readonly width: number;
  readonly height: number;
  readonly values: RawValues;
  /** Its position in a batch array; absent for a file's only mask. */
  readonly index?: number;
}

export interface FileMasks {
  /** The element type in the file: 'float32', 'float64', 'uint8' or 'uint16'. */
  readonly sourceDtype: string;
  readonly masks: readonly FileMask[];
}

/** The masks of a .npy or .png file, as views into its decoded values. */
export async function readFileMasks(file: SourceFile, keysOption: readonly string[] | undefined, maxPixels: number): Promise<FileMasks> {
  if (file.extension === '.npy') return npyMasks(file, keysOption, maxPixels);
  if (file.extension === '.png') {
    const png = pngMaskValues(file.bytes, maxPixels);
    return {
      sourceDtype: png.data instanceof Uint16Array ? 'uint16' : 'uint8',
      masks: [{ imageKey: file.key, width: png.width, height: png.height, values: png.data }],
    };
  }
  const extension = file.extension ? `extension '${file.extension}'` : 'no extension';
  throw new SourceInputError(`has ${extension}; the gradcam source reads .npy arrays and grayscale .png heatmaps`);
}

async function npyMasks(file: SourceFile, keysOption: readonly string[] | undefined, maxPixels: number): Promise<FileMasks> {
  const array = readNpy(file.bytes);
  const shape = formatNpyShape(array.shape);
  const { batch, height, width } = layout(array.shape, shape);
  checkPixelCount(width, height, maxPixels, `each mask of shape ${shape}`);
  if (batch === null) return { sourceDtype: array.dtype, masks: [{ imageKey: file.key, width, height, values: array.data }] };
  const keys = await batchKeys(file, keysOption, batch, shape);
  const size = width * height;
  return {
    sourceDtype: array.dtype,
    masks: keys.map((imageKey, index) => ({ imageKey, index, width, height, values: array.data.subarray(index * size, (index + 1) * size) })),
  };
}

/**
 * Where the masks are in an array's shape. (H, W) and (H, W, 1) are one mask; (N, H, W) is a
 * batch, as pytorch-grad-cam returns them, and (1, H, W) a batch of one. A 3-D shape ending in 1
 * is read as (H, W, 1) (a channel-last map, as tf.image.resize leaves one): a batch of masks one
 * pixel wide is no saliency map anyone makes.
 */
function layout(dims: readonly number[], shape: string): { batch: number | null; height: number; width: number } {
  if (dims.length === 2 || dims.length === 3) {
    if (dims.includes(0)) throw new SourceInputError(`has shape ${shape}, which holds no values; expected masks of at least 1×1`);
    if (dims.length === 2) return { batch: null, height: dims[0], width: dims[1] };
    if (dims[2] === 1 && dims[0] !== 1) return { batch: null, height: dims[0], width: dims[1] };
    return { batch: dims[0], height: dims[1], width: dims[2] };
  }
  const squeeze = dims.length > 3 ? '; remove channel axes before saving, e.g. (N, 1, H, W) → (N, H, W) with array.squeeze(1)' : '';
  throw new SourceInputError(`has shape ${shape} (${dims.length} ${dims.length === 1 ? 'dimension' : 'dimensions'}); expected (H, W), (H, W, 1) or a batch (N, H, W)${squeeze}`);
}
