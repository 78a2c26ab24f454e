import type { Box } from '../db/schema.js';
import { measureMask } from '../plugins/segmentation/bounding-box.js';
import { paintRle } from '../plugins/segmentation/coco-rle.js';
import { polygonRleCounts } from '../plugins/segmentation/polygon.js';
import { CLASSES, objectClass } from './classes.js';
import { IMAGE_SIZE, inPlacement, type ImagePlan } from './dataset.js';

/**
 * The objects' segmentations, as COCO instance annotations with polygons: one file per shard of
 * images, read by the segmentation source. The scene is painted from the very pixels the source
 * will rasterise from these polygons (pycocotools' rule, the source's own code), so the image,
 * its mask and its boxes agree to the pixel.
 */

/** The object's polygons in image pixels, to 1/100 px: the class silhouette in its placement. */
export function objectPolygons(plan: ImagePlan): number[][] {
  const round = (v: number) => Math.round(v * 100) / 100;
  return objectClass(plan.label).parts.map((part) => {
    const points: number[] = [];
    for (let i = 0; i < part.length; i += 2) points.push(...inPlacement(plan.placement, [part[i], part[i + 1]]).map(round));
    return points;
  });
}

export interface ObjectMask {
  /** Row-major, 255 on the object, 0 elsewhere. */
  data: Uint8Array;
  pixels: number;
  /** The tight box around the object's pixels: the image's `object` box, and the box the source names by the label. */
  box: Box;
}

export function objectMask(polygons: readonly number[][]): ObjectMask {
  const data = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
  for (const polygon of polygons) paintRle(polygonRleCounts(polygon, IMAGE_SIZE, IMAGE_SIZE), data, IMAGE_SIZE, IMAGE_SIZE);
  const { pixels, box } = measureMask(data, IMAGE_SIZE, IMAGE_SIZE);
  // Every silhouette is tens of pixels across, so it always covers pixels.
  return { data, pixels, box: box! };
}

export interface AnnotatedImage {
  plan: ImagePlan;
  polygons: number[][];
  mask: ObjectMask;
}

/** A COCO annotation file for some images: one image entry and one annotation each. */
export function cocoFile(images: readonly AnnotatedImage[]): object {
  return {
    info: { description: 'MaskSearch demo: synthetic objects on synthetic backgrounds' },
    images: images.map(({ plan }) => ({ id: plan.index + 1, file_name: `${plan.key}.png`, width: IMAGE_SIZE, height: IMAGE_SIZE })),
    annotations: images.map(({ plan, polygons, mask }) => ({
      id: plan.index + 1,
      image_id: plan.index + 1,
      category_id: objectClass(plan.label).categoryId,
      segmentation: polygons,
      area: mask.pixels,
      bbox: mask.box,
      iscrowd: 0,
    })),
    categories: CLASSES.map((c) => ({ id: c.categoryId, name: c.name, supercategory: c.supercategory })),
  };
}
