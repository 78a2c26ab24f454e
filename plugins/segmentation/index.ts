import { decodeSingleChannelPng, defineMaskSource, SourceInputError, type SourceFile, type SourceRecord } from '../kit/index.js';
import { readBinaryPng } from './binary-png.js';
import { readCocoJson } from './coco.js';
import { readLabelPng } from './label-png.js';
import { segmentationOptions, type SegmentationOptions } from './options.js';
import { DEFAULT_MASK_TYPE } from './records.js';

/** A palette PNG is a label image; a grayscale one is a binary mask unless option labels says otherwise. */
function* readPng(file: SourceFile, options: SegmentationOptions, maxPixels: number): Generator<SourceRecord> {
  const png = decodeSingleChannelPng(file.bytes, maxPixels);
  if (png.palette && options.className !== undefined) {
    throw new SourceInputError(
      'is a palette PNG, which is read as a label image (palette index = class index); ' +
        'option className is for grayscale binary masks — name label classes with option classes',
    );
  }
  if (png.palette || options.labels) {
    yield* readLabelPng(file.key, png, options);
  } else {
    yield* readBinaryPng(file.key, png, options.className);
  }
}

export default defineMaskSource({
  name: 'segmentation',
  description:
    'Segmentation masks: binary PNG masks, label PNGs (palette index or pixel value = class; one mask per class) and ' +
    'COCO instance annotations (polygons and RLE; one mask per image and category). Per-class masks have mask type ' +
    "segmentation:<class> and register the class's bounding box as a named image box.",
  defaultMaskType: DEFAULT_MASK_TYPE,
  inputs: [
    {
      extensions: ['.png'],
      description: 'A binary mask (grayscale, 0 and the maximum value) or a label image (palette PNG, or grayscale with option labels)',
    },
    {
      extensions: ['.json'],
      description: 'COCO instance annotations: {images, annotations, categories} with polygon or RLE segmentations',
    },
  ],
  options: segmentationOptions,
  *read(file, options, context) {
    if (file.extension === '.png') yield* readPng(file, options, context.maxPixels);
    else if (file.extension === '.json') yield* readCocoJson(file.bytes, context.maxPixels);
    else throw new SourceInputError(`has extension "${file.extension}"; the segmentation source reads .png masks and COCO .json files`);
  },
});
