import type { ImageBox, SourceRecord } from '../kit/index.js';

export const DEFAULT_MASK_TYPE = 'segmentation';

/** The mask type of one class: slots (image, model, mask type) are unique, so each class needs its own. */
function classMaskType(className: string): string {
  return `${DEFAULT_MASK_TYPE}:${className}`;
}

/** A binary mask (0/255, image-aligned) of one class of an image, and its box named by the class. */
export function* classMaskRecords(
  imageKey: string,
  className: string,
  mask: { width: number; height: number; data: Uint8Array },
  box: ImageBox | null,
  metadata: Record<string, unknown>,
): Generator<SourceRecord> {
  yield { kind: 'mask', imageKey, mask, maskType: classMaskType(className), metadata, imageAligned: true };
  if (box) yield { kind: 'image', key: imageKey, width: mask.width, height: mask.height, boxes: { [className]: box } };
}
