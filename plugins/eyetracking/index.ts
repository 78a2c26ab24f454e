import { SourceInputError, checkPixelCount, defineMaskSource, pngMaskValues } from '../kit/index.js';
import type { SourceContext, SourceFile, SourceRecord } from '../kit/index.js';
import { FIXATION_EXTENSIONS, readFixationFile } from './fixation-file.js';
import { fixationMapRecord } from './fixation-map.js';
import type { ImageSize } from './fixations.js';
import { eyetrackingOptions } from './options.js';
import type { EyetrackingOptions } from './options.js';

/**
 * Human attention from eye tracking: fixation points rendered as Gaussian density maps, or
 * fixation/saliency maps rendered elsewhere, as PNG. See README.md.
 */
export default defineMaskSource({
  name: 'eyetracking',
  description:
    'Human attention maps: fixations (CSV, JSON, JSON Lines) rendered as Gaussian density maps normalised to peak 1, or precomputed maps as grayscale PNG',
  defaultMaskType: 'human-attention',
  inputs: [
    {
      extensions: ['.csv'],
      description: 'fixations, one per row, under a header naming image (or key), x, y and optionally duration, observer, width, height',
    },
    {
      extensions: ['.json', '.jsonl'],
      description:
        'fixation records {image|key, x, y, duration?, observer?, width?, height?}, or images {image, width, height, subjects: [[[x, y, start, duration], …] per observer]}; a JSON array, or one per line (.jsonl)',
    },
    { extensions: ['.png'], description: 'a precomputed fixation or saliency map, 8- or 16-bit grayscale, the size of the image named by the file' },
  ],
  options: eyetrackingOptions,
  // A generator throughout, so every problem with a file surfaces while iterating, never from the call.
  async *read(file, options, context) {
    if (file.extension === '.png') yield precomputedMap(file, context.maxPixels);
    else if ((FIXATION_EXTENSIONS as readonly string[]).includes(file.extension)) yield* fixationMaps(file, options, context);
    else throw new SourceInputError(`has extension ${JSON.stringify(file.extension)}; expected .csv, .json, .jsonl (fixations) or .png (a precomputed map)`);
  },
});

function precomputedMap(file: SourceFile, maxPixels: number): SourceRecord {
  const { width, height, data } = pngMaskValues(file.bytes, maxPixels);
  return { kind: 'mask', imageKey: file.key, mask: { width, height, data }, imageAligned: true, metadata: { precomputed: true } };
}

/**
 * One map per image in the file, rendered one at a time as the ingest asks for them. An image
 * the file gives a size for is declared first, so a new image is registered with that size.
 */
async function* fixationMaps(file: SourceFile, options: EyetrackingOptions, context: SourceContext): AsyncGenerator<SourceRecord> {
  const images = readFixationFile(file.bytes, file.extension, { durationRequired: options.durationWeighted });
  // Every size is settled before rendering starts, so a missing one fails the file at once.
  const sizes: ImageSize[] = [];
  for (const image of images) {
    const size = image.size ?? (await context.imageSize(image.key));
    if (!size) {
      throw new SourceInputError(
        `image ${JSON.stringify(image.key)} has no size: give width and height in the file, or register the image first (masksearch images import)`,
      );
    }
    checkPixelCount(size.width, size.height, context.maxPixels, `image ${JSON.stringify(image.key)}'s size`);
    sizes.push(size);
  }
  for (const [i, image] of images.entries()) {
    if (image.size) yield { kind: 'image', key: image.key, width: image.size.width, height: image.size.height };
    yield fixationMapRecord(image.key, sizes[i], image.fixations, options);
  }
}
