import { checkPixelCount, DEFAULT_MAX_PIXELS, SourceInputError, type SourceRecord } from '../kit/index.js';
import { measureMask } from './bounding-box.js';
import { checkRleCounts, decodeRleString, paintRle } from './coco-rle.js';
import { polygonRleCounts } from './polygon.js';
import { classMaskRecords } from './records.js';

/**
 * COCO instance annotations (`{images, annotations, categories}`) as one binary mask per image
 * and category: the union of that category's annotations in the image, crowd regions included.
 */

type CocoId = number | string;

interface CocoImage {
  readonly id: CocoId;
  readonly fileName: string;
  readonly key: string;
  readonly width: number;
  readonly height: number;
}

interface CocoCategory {
  readonly id: CocoId;
  readonly name: string;
  readonly supercategory: string | undefined;
  /** Position in the file's categories array: an image's masks come in this order. */
  readonly order: number;
}

interface CocoAnnotation {
  readonly id: CocoId;
  /** Position in the file's annotations array, for messages. */
  readonly index: number;
  readonly segmentation: unknown;
  readonly crowd: boolean;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is CocoId {
  return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && value !== '');
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** A JSON value for a message, cut short so a stray array does not flood it. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** "name value", or "no name" when the field is missing. */
function fieldText(name: string, value: unknown): string {
  return value === undefined ? `no ${name}` : `${name} ${preview(value)}`;
}

function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SourceInputError('is not UTF-8 text; expected a COCO annotation file (JSON)');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SourceInputError(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The image key of a COCO file_name: without directories and extension ('train/000123.jpg' → '000123'). */
function imageKeyOf(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

function readCategories(list: readonly unknown[]): Map<CocoId, CocoCategory> {
  const categories = new Map<CocoId, CocoCategory>();
  const orderByName = new Map<string, number>();
  list.forEach((entry, order) => {
    const where = `categories[${order}]`;
    if (!isObject(entry)) throw new SourceInputError(`${where} is ${preview(entry)}; expected an object {id, name}`);
    const { id, name, supercategory } = entry;
    if (!isId(id)) throw new SourceInputError(`${where} has ${fieldText('id', id)}; expected an integer or a string`);
    if (typeof name !== 'string' || name === '') {
      throw new SourceInputError(`${where} (id ${preview(id)}) has ${fieldText('name', name)}; expected a non-empty string`);
    }
    const sameId = categories.get(id);
    if (sameId) throw new SourceInputError(`${where} has id ${preview(id)}, as does categories[${sameId.order}]`);
    const sameName = orderByName.get(name);
    if (sameName !== undefined) {
      throw new SourceInputError(
        `${where} is named ${preview(name)}, as is categories[${sameName}]; each category needs its own name (its mask type is segmentation:<name>)`,
      );
    }
    orderByName.set(name, order);
    categories.set(id, { id, name, supercategory: typeof supercategory === 'string' ? supercategory : undefined, order });
  });
  return categories;
}

function readImages(list: readonly unknown[], maxPixels: number): Map<CocoId, CocoImage> {
  const images = new Map<CocoId, CocoImage>();
  const indexById = new Map<CocoId, number>();
  const indexByKey = new Map<string, number>();
  list.forEach((entry, index) => {
    const where = `images[${index}]`;
    if (!isObject(entry)) throw new SourceInputError(`${where} is ${preview(entry)}; expected an object {id, file_name, width, height}`);
    const { id, file_name: fileName, width, height } = entry;
    if (!isId(id)) throw new SourceInputError(`${where} has ${fieldText('id', id)}; expected an integer or a string`);
    if (typeof fileName !== 'string' || fileName === '') {
      throw new SourceInputError(`${where} (id ${preview(id)}) has ${fieldText('file_name', fileName)}; expected a non-empty string`);
    }
    if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
      const size = `${fieldText('width', width)} and ${fieldText('height', height)}`;
      throw new SourceInputError(`${where} (id ${preview(id)}) has ${size}; expected positive integers`);
    }
    // Checked for every image before any mask is allocated: one line of JSON can declare gigapixels.
    checkPixelCount(width, height, maxPixels, `${where} (id ${preview(id)}) has a size that`);
    const sameId = indexById.get(id);
    if (sameId !== undefined) throw new SourceInputError(`${where} has id ${preview(id)}, as does images[${sameId}]`);
    const key = imageKeyOf(fileName);
    if (key === '') throw new SourceInputError(`${where} (id ${preview(id)}) has file_name ${preview(fileName)}, which gives no image key`);
    const sameKey = indexByKey.get(key);
    if (sameKey !== undefined) {
      throw new SourceInputError(
        `${where} (file_name ${preview(fileName)}) has image key "${key}", as does images[${sameKey}]; ` +
          'image keys are file names without directories and extension',
      );
    }
    indexById.set(id, index);
    indexByKey.set(key, index);
    images.set(id, { id, fileName, key, width, height });
  });
  return images;
}

/** The annotations of each image by category, checking that every annotation names a known image and category. */
function groupAnnotations(
  list: readonly unknown[],
  images: ReadonlyMap<CocoId, CocoImage>,
  categories: ReadonlyMap<CocoId, CocoCategory>,
): Map<CocoId, Map<CocoId, CocoAnnotation[]>> {
  const groups = new Map<CocoId, Map<CocoId, CocoAnnotation[]>>();
  list.forEach((entry, index) => {
    if (!isObject(entry)) {
      throw new SourceInputError(`annotations[${index}] is ${preview(entry)}; expected an object {id, image_id, category_id, segmentation}`);
    }
    const { id, image_id: imageId, category_id: categoryId, segmentation, iscrowd } = entry;
    if (!isId(id)) throw new SourceInputError(`annotations[${index}] has ${fieldText('id', id)}; expected an integer or a string`);
    const where = `annotation ${preview(id)} (annotations[${index}])`;
    if (imageId === undefined) throw new SourceInputError(`${where} has no image_id`);
    if (!isId(imageId) || !images.has(imageId)) {
      throw new SourceInputError(`${where} has image_id ${preview(imageId)}, which is not the id of any entry of images`);
    }
    if (categoryId === undefined) throw new SourceInputError(`${where} has no category_id`);
    if (!isId(categoryId) || !categories.has(categoryId)) {
      throw new SourceInputError(`${where} has category_id ${preview(categoryId)}, which is not the id of any entry of categories`);
    }
    if (segmentation === undefined || segmentation === null) throw new SourceInputError(`${where} has no segmentation`);
    let byCategory = groups.get(imageId);
    if (!byCategory) groups.set(imageId, (byCategory = new Map()));
    let annotations = byCategory.get(categoryId);
    if (!annotations) byCategory.set(categoryId, (annotations = []));
    annotations.push({ id, index, segmentation, crowd: iscrowd === 1 || iscrowd === true });
  });
  return groups;
}

function checkedPolygon(polygon: unknown, index: number): readonly number[] {
  if (!Array.isArray(polygon)) {
    throw new SourceInputError(
      `segmentation[${index}] is ${preview(polygon)}; polygons are arrays [x1, y1, x2, y2, ...] inside the segmentation array`,
    );
  }
  if (polygon.length % 2 !== 0) {
    throw new SourceInputError(`segmentation[${index}] has ${polygon.length} numbers; a polygon lists x, y pairs`);
  }
  for (let k = 0; k < polygon.length; k++) {
    const coordinate: unknown = polygon[k];
    if (typeof coordinate !== 'number' || !Number.isFinite(coordinate)) {
      throw new SourceInputError(`segmentation[${index}][${k}] is ${preview(coordinate)}; expected a number`);
    }
  }
  return polygon;
}

function checkRleSize(size: unknown, image: CocoImage): void {
  if (!Array.isArray(size) || size.length !== 2 || !isPositiveInteger(size[0]) || !isPositiveInteger(size[1])) {
    throw new SourceInputError(`segmentation.size is ${preview(size)}; expected [height, width]`);
  }
  if (size[0] !== image.height || size[1] !== image.width) {
    throw new SourceInputError(
      `segmentation.size is [${size[0]}, ${size[1]}] (height, width), ` +
        `but image ${preview(image.id)} is ${image.height} high and ${image.width} wide`,
    );
  }
}

/** Adds a field's name to the messages of the errors it raises. */
function inField<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SourceInputError) throw new SourceInputError(`${field} ${error.message}`);
    throw error;
  }
}

/** The column-major RLE counts of an annotation's regions: one per polygon, or its RLE. */
function segmentationRleCounts(segmentation: unknown, image: CocoImage): ArrayLike<number>[] {
  const { width, height } = image;
  if (Array.isArray(segmentation)) {
    return segmentation.map((polygon, index) => polygonRleCounts(checkedPolygon(polygon, index), width, height));
  }
  if (isObject(segmentation) && 'counts' in segmentation && 'size' in segmentation) {
    checkRleSize(segmentation.size, image);
    const { counts } = segmentation;
    if (typeof counts !== 'string' && !Array.isArray(counts)) {
      throw new SourceInputError(`segmentation.counts is ${preview(counts)}; expected a list of run lengths or a compressed RLE string`);
    }
    const runs = inField('segmentation.counts', () => {
      const runs: readonly unknown[] = typeof counts === 'string' ? decodeRleString(counts) : counts;
      checkRleCounts(runs, width, height);
      return runs;
    });
    return [runs];
  }
  throw new SourceInputError(
    `segmentation is ${preview(segmentation)}; expected polygons [[x1, y1, x2, y2, ...], ...] or RLE {counts, size: [height, width]}`,
  );
}

export function* readCocoJson(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Generator<SourceRecord> {
  const coco = parseJson(bytes);
  if (!isObject(coco)) {
    throw new SourceInputError(`is not a COCO annotation file: expected an object {images, annotations, categories}, not ${preview(coco)}`);
  }
  const { images: imageList, annotations: annotationList, categories: categoryList } = coco;
  if (!Array.isArray(imageList) || !Array.isArray(annotationList) || !Array.isArray(categoryList)) {
    const lists = { images: imageList, annotations: annotationList, categories: categoryList };
    const missing = Object.entries(lists).flatMap(([field, list]) => (Array.isArray(list) ? [] : [field]));
    throw new SourceInputError(
      `is not a COCO annotation file: expected an object with arrays images, annotations and categories (missing: ${missing.join(', ')})`,
    );
  }
  const categories = readCategories(categoryList);
  const images = readImages(imageList, maxPixels);
  const groups = groupAnnotations(annotationList, images, categories);

  for (const image of images.values()) {
    const byCategory = groups.get(image.id);
    if (!byCategory) continue;
    const present = [...byCategory.keys()].map((id) => categories.get(id)!).sort((a, b) => a.order - b.order);
    for (const category of present) {
      const annotations = byCategory.get(category.id)!;
      const data = new Uint8Array(image.width * image.height);
      for (const annotation of annotations) {
        const where = `annotation ${preview(annotation.id)} (annotations[${annotation.index}]):`;
        const regions = inField(where, () => segmentationRleCounts(annotation.segmentation, image));
        for (const counts of regions) paintRle(counts, data, image.width, image.height);
      }
      const { pixels, box } = measureMask(data, image.width, image.height);
      if (pixels === 0) continue;
      yield* classMaskRecords(image.key, category.name, { width: image.width, height: image.height, data }, box, {
        class: category.name,
        categoryId: category.id,
        ...(category.supercategory === undefined ? {} : { supercategory: category.supercategory }),
        pixels,
        annotationIds: annotations.map((annotation) => annotation.id),
        crowd: annotations.some((annotation) => annotation.crowd),
        cocoImageId: image.id,
        fileName: image.fileName,
      });
    }
  }
}
