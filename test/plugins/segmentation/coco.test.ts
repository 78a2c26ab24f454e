import { describe, expect, it } from 'vitest';
import { SourceInputError } from '../../../plugins/kit/index.js';
import { artOf, jsonFile, masksOf, readAll } from './helpers.js';
import { sourceFile } from '../../support/source-file.js';

const images = [
  { id: 1, file_name: 'val2017/000001.jpg', width: 6, height: 4 },
  { id: 2, file_name: '000002.jpg', width: 5, height: 3 },
  { id: 3, file_name: 'no-annotations.jpg', width: 4, height: 4 },
];
const categories = [
  { id: 18, name: 'dog', supercategory: 'animal' },
  { id: 1, name: 'person', supercategory: 'person' },
];
const annotations = [
  { id: 101, image_id: 1, category_id: 1, segmentation: [[0, 0, 2, 0, 2, 2, 0, 2]], iscrowd: 0 },
  { id: 102, image_id: 1, category_id: 18, segmentation: [[3, 1, 5, 1, 5, 3, 3, 3]], iscrowd: 0 },
  // Column 5, all four rows: positions 20–23 of the column-major order.
  { id: 103, image_id: 1, category_id: 1, segmentation: { counts: [20, 4], size: [4, 6] }, iscrowd: 1 },
  // '124O3' is [1, 2, 4, 1, 7]: positions 1–2 (column 0, rows 1–2) and 7 (column 2, row 1).
  { id: 104, image_id: 2, category_id: 18, segmentation: { counts: '124O3', size: [3, 5] }, iscrowd: 0 },
];
const coco = { info: { description: 'test' }, images, annotations, categories };

/** The COCO file with one more annotation, as annotations[4]. */
function withAnnotation(annotation: Record<string, unknown>) {
  return jsonFile('instances.json', { ...coco, annotations: [...annotations, annotation] });
}

describe('COCO JSON', () => {
  it('gives one mask per image and category, the union of its annotations, with the category box', async () => {
    const records = await readAll(jsonFile('instances_val2017.json', coco));
    expect(records.map((record) => (record.kind === 'mask' ? `mask ${record.imageKey} ${record.maskType}` : `image ${record.key}`))).toEqual([
      'mask 000001 segmentation:dog',
      'image 000001',
      'mask 000001 segmentation:person',
      'image 000001',
      'mask 000002 segmentation:dog',
      'image 000002',
    ]);
    const [dog1, person1, dog2] = masksOf(records);

    expect(artOf(dog1.mask.data, 6)).toEqual(['......', '...##.', '...##.', '......']);
    expect(dog1).toMatchObject({ mask: { width: 6, height: 4 }, imageAligned: true });
    expect(dog1.metadata).toEqual({
      class: 'dog',
      categoryId: 18,
      supercategory: 'animal',
      pixels: 4,
      annotationIds: [102],
      crowd: false,
      cocoImageId: 1,
      fileName: 'val2017/000001.jpg',
    });
    expect(records[1]).toEqual({ kind: 'image', key: '000001', width: 6, height: 4, boxes: { dog: [3, 1, 2, 2] } });

    expect(artOf(person1.mask.data, 6)).toEqual(['##...#', '##...#', '.....#', '.....#']);
    expect(person1.metadata).toMatchObject({ class: 'person', categoryId: 1, pixels: 8, annotationIds: [101, 103], crowd: true });
    expect(records[3]).toEqual({ kind: 'image', key: '000001', width: 6, height: 4, boxes: { person: [0, 0, 6, 4] } });

    // Column-major: read row-major, the same runs would be row 0, columns 1–2 and row 1, column 2.
    expect(artOf(dog2.mask.data, 5)).toEqual(['.....', '#.#..', '#....']);
    expect(records[5]).toEqual({ kind: 'image', key: '000002', width: 5, height: 3, boxes: { dog: [0, 1, 3, 2] } });
    expect(Array.from(new Set(person1.mask.data)).sort()).toEqual([0, 255]);
  });

  it('takes image keys from file_name without directories or extension, and accepts string ids', async () => {
    const records = await readAll(
      jsonFile('a.json', {
        images: [{ id: 'a', file_name: 'C:\\data\\img.01.png', width: 2, height: 2 }],
        categories: [{ id: 'c', name: 'cat' }],
        annotations: [{ id: 'x', image_id: 'a', category_id: 'c', segmentation: [[0, 0, 1, 0, 1, 1, 0, 1]] }],
      }),
    );
    expect(records).toEqual([
      {
        kind: 'mask',
        imageKey: 'img.01',
        mask: { width: 2, height: 2, data: Uint8Array.of(255, 0, 0, 0) },
        maskType: 'segmentation:cat',
        metadata: { class: 'cat', categoryId: 'c', pixels: 1, annotationIds: ['x'], crowd: false, cocoImageId: 'a', fileName: 'C:\\data\\img.01.png' },
        imageAligned: true,
      },
      { kind: 'image', key: 'img.01', width: 2, height: 2, boxes: { cat: [0, 0, 1, 1] } },
    ]);
  });

  it('gives no mask where the annotations cover no pixel', async () => {
    const records = await readAll(
      jsonFile('a.json', {
        images: [{ id: 1, file_name: 'a.jpg', width: 4, height: 4 }],
        categories: [{ id: 1, name: 'cat' }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, segmentation: [] },
          { id: 2, image_id: 1, category_id: 1, segmentation: [[1, 1, 3, 3]] },
        ],
      }),
    );
    expect(records).toEqual([]);
  });

  it('refuses malformed JSON, non-UTF-8 bytes and JSON that is not COCO', async () => {
    await expect(readAll(sourceFile('a.json', new TextEncoder().encode('{"images": [')))).rejects.toThrow(/^is not valid JSON \(.+\)$/);
    await expect(readAll(sourceFile('a.json', Uint8Array.of(0x7b, 0xff, 0x7d)))).rejects.toThrow(
      new SourceInputError('is not UTF-8 text; expected a COCO annotation file (JSON)'),
    );
    await expect(readAll(jsonFile('a.json', { images: [] }))).rejects.toThrow(
      new SourceInputError('is not a COCO annotation file: expected an object with arrays images, annotations and categories (missing: annotations, categories)'),
    );
    await expect(readAll(jsonFile('a.json', [1, 2]))).rejects.toThrow(
      new SourceInputError('is not a COCO annotation file: expected an object {images, annotations, categories}, not [1,2]'),
    );
  });

  it('refuses annotations naming an unknown category or image, by annotation id', async () => {
    await expect(readAll(withAnnotation({ id: 7, image_id: 1, category_id: 99, segmentation: [] }))).rejects.toThrow(
      new SourceInputError('annotation 7 (annotations[4]) has category_id 99, which is not the id of any entry of categories'),
    );
    await expect(readAll(withAnnotation({ id: 7, image_id: 42, category_id: 1, segmentation: [] }))).rejects.toThrow(
      new SourceInputError('annotation 7 (annotations[4]) has image_id 42, which is not the id of any entry of images'),
    );
    await expect(readAll(withAnnotation({ id: 7, image_id: 1, category_id: 1 }))).rejects.toThrow(
      new SourceInputError('annotation 7 (annotations[4]) has no segmentation'),
    );
    await expect(readAll(withAnnotation({ image_id: 1, category_id: 1, segmentation: [] }))).rejects.toThrow(
      new SourceInputError('annotations[4] has no id; expected an integer or a string'),
    );
  });

  it('refuses RLE whose size is not the image\'s, whose counts do not sum to its pixels, or whose string is corrupt', async () => {
    await expect(readAll(withAnnotation({ id: 5, image_id: 1, category_id: 1, segmentation: { counts: [24], size: [6, 4] } }))).rejects.toThrow(
      new SourceInputError('annotation 5 (annotations[4]): segmentation.size is [6, 4] (height, width), but image 1 is 4 high and 6 wide'),
    );
    await expect(readAll(withAnnotation({ id: 5, image_id: 1, category_id: 1, segmentation: { counts: [20, 3], size: [4, 6] } }))).rejects.toThrow(
      new SourceInputError('annotation 5 (annotations[4]): segmentation.counts has counts summing to 23; a 6×4 mask has 24 pixels'),
    );
    await expect(readAll(withAnnotation({ id: 5, image_id: 1, category_id: 1, segmentation: { counts: 'T3', size: [4, 6] } }))).rejects.toThrow(
      /^annotation 5 \(annotations\[4\]\): segmentation.counts has counts summing to 100; a 6×4 mask has 24 pixels$/,
    );
    await expect(readAll(withAnnotation({ id: 5, image_id: 1, category_id: 1, segmentation: { counts: '2 4', size: [4, 6] } }))).rejects.toThrow(
      new SourceInputError(`annotation 5 (annotations[4]): segmentation.counts has " " at character 1; compressed RLE uses only the characters '0' to 'o'`),
    );
    await expect(readAll(withAnnotation({ id: 5, image_id: 1, category_id: 1, segmentation: { counts: 24, size: [4, 6] } }))).rejects.toThrow(
      /^annotation 5 \(annotations\[4\]\): segmentation.counts is 24; expected a list of run lengths or a compressed RLE string$/,
    );
    await expect(readAll(withAnnotation({ id: 5, image_id: 1, category_id: 1, segmentation: { counts: [24], size: 24 } }))).rejects.toThrow(
      /^annotation 5 \(annotations\[4\]\): segmentation.size is 24; expected \[height, width\]$/,
    );
  });

  it('refuses malformed polygons', async () => {
    const polygon = (segmentation: unknown) => readAll(withAnnotation({ id: 5, image_id: 1, category_id: 1, segmentation }));
    await expect(polygon([0, 0, 2, 0, 2, 2])).rejects.toThrow(
      new SourceInputError('annotation 5 (annotations[4]): segmentation[0] is 0; polygons are arrays [x1, y1, x2, y2, ...] inside the segmentation array'),
    );
    await expect(polygon([[0, 0, 2, 0, 2]])).rejects.toThrow(
      new SourceInputError('annotation 5 (annotations[4]): segmentation[0] has 5 numbers; a polygon lists x, y pairs'),
    );
    await expect(polygon([[0, 0, 2, 0, 2, 2], [0, '1', 2, 0, 2, 2]])).rejects.toThrow(
      new SourceInputError('annotation 5 (annotations[4]): segmentation[1][1] is "1"; expected a number'),
    );
    await expect(polygon('a polygon')).rejects.toThrow(
      /^annotation 5 \(annotations\[4\]\): segmentation is "a polygon"; expected polygons \[\[x1, y1, x2, y2, ...\], ...\] or RLE \{counts, size: \[height, width\]\}$/,
    );
  });

  it('refuses malformed images and categories, duplicate ids, names and image keys', async () => {
    const file = (changes: Record<string, unknown>) => readAll(jsonFile('a.json', { ...coco, ...changes }));
    await expect(file({ images: [...images, { id: 9, file_name: 'other/000002.png', width: 5, height: 3 }] })).rejects.toThrow(
      new SourceInputError(
        'images[3] (file_name "other/000002.png") has image key "000002", as does images[1]; image keys are file names without directories and extension',
      ),
    );
    await expect(file({ images: [...images, { id: 1, file_name: 'b.jpg', width: 5, height: 3 }] })).rejects.toThrow(
      new SourceInputError('images[3] has id 1, as does images[0]'),
    );
    await expect(file({ images: [{ id: 1, file_name: 'a.jpg', width: 0, height: 3 }] })).rejects.toThrow(
      new SourceInputError('images[0] (id 1) has width 0 and height 3; expected positive integers'),
    );
    await expect(file({ images: [{ id: 1, width: 4, height: 3 }] })).rejects.toThrow(
      new SourceInputError('images[0] (id 1) has no file_name; expected a non-empty string'),
    );
    await expect(file({ categories: [...categories, { id: 3, name: 'dog' }] })).rejects.toThrow(
      /^categories\[2\] is named "dog", as is categories\[0\]; each category needs its own name/,
    );
    await expect(file({ categories: [...categories, { id: 18, name: 'wolf' }] })).rejects.toThrow(
      new SourceInputError('categories[2] has id 18, as does categories[0]'),
    );
    await expect(file({ categories: [{ id: 1 }] })).rejects.toThrow(
      new SourceInputError('categories[0] (id 1) has no name; expected a non-empty string'),
    );
  });
});
