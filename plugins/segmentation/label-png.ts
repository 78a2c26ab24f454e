import { SourceInputError, type ImageBox, type PngSamples, type SourceRecord } from '../kit/index.js';
import { LabelExtents } from './bounding-box.js';
import { classNameOf, VOID_LABEL, type SegmentationOptions } from './options.js';
import { classMaskRecords } from './records.js';

type LabelOptions = Pick<SegmentationOptions, 'classes' | 'includeBackground'>;

/** The binary mask of one label, visiting only the rows and columns of its box. */
function labelMask(labels: Uint8Array, width: number, height: number, label: number, box: ImageBox): Uint8Array {
  const [left, top, boxWidth, boxHeight] = box;
  const mask = new Uint8Array(width * height);
  for (let row = top; row < top + boxHeight; row++) {
    const end = row * width + left + boxWidth;
    for (let i = row * width + left; i < end; i++) if (labels[i] === label) mask[i] = 255;
  }
  return mask;
}

/**
 * A label image (pixel value or palette index = class index): one binary mask per class present,
 * in index order, each with its box named by the class. 255 is void; 0 is background and skipped
 * unless includeBackground.
 */
export function* readLabelPng(imageKey: string, png: PngSamples, options: LabelOptions): Generator<SourceRecord> {
  const { width, height, samples: labels } = png;
  if (!(labels instanceof Uint8Array)) {
    throw new SourceInputError('is a 16-bit PNG; a label image has 8 bits or fewer per pixel (palette or grayscale)');
  }
  const extents = new LabelExtents(labels, width, height);
  for (let label = options.includeBackground ? 0 : 1; label < VOID_LABEL; label++) {
    const pixels = extents.pixels[label];
    if (pixels === 0) continue;
    const className = classNameOf(label, options.classes);
    const box = extents.box(label);
    const mask = { width, height, data: labelMask(labels, width, height, label, box) };
    yield* classMaskRecords(imageKey, className, mask, box, { class: className, classIndex: label, pixels });
  }
}
