import { describe, expect, it } from 'vitest';
import { SourceInputError } from '../../../plugins/kit/index.js';
import { artOf, grayPng, maskFromArt, masksOf, palettePng, readAll } from './helpers.js';
import { sourceFile } from '../../support/source-file.js';

const art = ['.....', '.##..', '.###.', '.....'];
const foreground = maskFromArt(art);
const scaled = (max: number) => Array.from(foreground, (value) => (value ? max : 0));

describe('binary PNG masks', () => {
  it.each([
    ['8-bit 0/255', grayPng(5, 4, foreground)],
    ['8-bit 0/1', grayPng(5, 4, scaled(1))],
    ['1-bit', grayPng(5, 4, scaled(1), 1)],
    ['2-bit', grayPng(5, 4, scaled(3), 2)],
    ['4-bit', grayPng(5, 4, scaled(15), 4)],
    ['16-bit', grayPng(5, 4, scaled(65535), 16)],
  ])('reads a %s mask as 0/255 bytes with the default mask type and no box', async (_, png) => {
    const records = await readAll(sourceFile('masks/cat 01.png', png));
    expect(records).toEqual([
      { kind: 'mask', imageKey: 'cat 01', mask: { width: 5, height: 4, data: foreground }, metadata: { pixels: 5 }, imageAligned: true },
    ]);
    const [record] = masksOf(records);
    expect(record.mask.data).toBeInstanceOf(Uint8Array);
  });

  it('with className, is that class\'s mask and registers its box under the name', async () => {
    const records = await readAll(sourceFile('cat01.png', grayPng(5, 4, foreground)), { className: 'cat' });
    expect(records).toEqual([
      {
        kind: 'mask',
        imageKey: 'cat01',
        mask: { width: 5, height: 4, data: foreground },
        maskType: 'segmentation:cat',
        metadata: { class: 'cat', pixels: 5 },
        imageAligned: true,
      },
      { kind: 'image', key: 'cat01', width: 5, height: 4, boxes: { cat: [1, 1, 3, 2] } },
    ]);
  });

  it('an empty mask is stored, but has no box to register', async () => {
    const records = await readAll(sourceFile('x.png', grayPng(3, 2, new Uint8Array(6))), { className: 'cat' });
    expect(records).toMatchObject([{ kind: 'mask', maskType: 'segmentation:cat', metadata: { class: 'cat', pixels: 0 } }]);
  });

  it('reads an all-foreground 8-bit 0/1 mask as 255s', async () => {
    const [record] = masksOf(await readAll(sourceFile('x.png', grayPng(2, 2, [1, 1, 1, 1]))));
    expect(Array.from(record.mask.data)).toEqual([255, 255, 255, 255]);
  });

  it('refuses a pixel that is neither 0 nor the foreground, naming row, column and value', async () => {
    const values = scaled(255);
    values[2 * 5 + 3] = 128;
    await expect(readAll(sourceFile('x.png', grayPng(5, 4, values)))).rejects.toThrow(
      new SourceInputError(
        'is not a binary mask: pixel at row 2, column 3 is 128; an 8-bit binary mask holds only 0 and 255 (or only 0 and 1). ' +
          'For a label image (pixel value = class index) set option labels: true',
      ),
    );
    const deep = scaled(65535);
    deep[7] = 1000;
    await expect(readAll(sourceFile('x.png', grayPng(5, 4, deep, 16)))).rejects.toThrow(
      new SourceInputError('is not a binary mask: pixel at row 1, column 2 is 1000; a 16-bit binary mask holds only 0 and 65535'),
    );
  });

  it('refuses an 8-bit mask mixing both foreground values', async () => {
    await expect(readAll(sourceFile('x.png', grayPng(3, 1, [1, 0, 255])))).rejects.toThrow(
      /^is not a binary mask: pixel at row 0, column 2 is 255, but earlier pixels are 1; an 8-bit binary mask holds only 0 and 255/,
    );
  });

  it('refuses a corrupt PNG and a colour PNG', async () => {
    const png = grayPng(5, 4, foreground);
    await expect(readAll(sourceFile('x.png', png.subarray(0, 40)))).rejects.toThrow(/^is not a readable PNG/);
    await expect(readAll(sourceFile('x.png', new TextEncoder().encode('not a png')))).rejects.toThrow(SourceInputError);
    await expect(readAll(sourceFile('x.png', new Uint8Array(0)))).rejects.toThrow(SourceInputError);
  });
});

// A 6 × 4 label image: 0 background, 1 and 12 classes, 255 void.
const labelImage = [
  0, 0, 12, 12, 0, 255,
  0, 1, 12, 12, 0, 255,
  0, 1, 1, 0, 0, 0,
  0, 0, 0, 0, 255, 1,
];

describe('label PNGs', () => {
  it('gives one mask per class present, with its box named by the class; 255 is void, 0 skipped', async () => {
    const records = await readAll(sourceFile('2007_000032.png', palettePng(6, 4, labelImage, 256)), { classes: 'voc' });
    expect(records.map((record) => record.kind)).toEqual(['mask', 'image', 'mask', 'image']);
    const [aeroplane, dog] = masksOf(records);
    expect(aeroplane).toMatchObject({
      imageKey: '2007_000032',
      maskType: 'segmentation:aeroplane',
      metadata: { class: 'aeroplane', classIndex: 1, pixels: 4 },
      imageAligned: true,
    });
    expect(artOf(aeroplane.mask.data, 6)).toEqual(['......', '.#....', '.##...', '.....#']);
    expect(dog).toMatchObject({ maskType: 'segmentation:dog', metadata: { class: 'dog', classIndex: 12, pixels: 4 } });
    expect(artOf(dog.mask.data, 6)).toEqual(['..##..', '..##..', '......', '......']);
    expect(Array.from(new Set(dog.mask.data))).toEqual([0, 255]);
    expect(records[1]).toEqual({ kind: 'image', key: '2007_000032', width: 6, height: 4, boxes: { aeroplane: [1, 1, 5, 3] } });
    expect(records[3]).toEqual({ kind: 'image', key: '2007_000032', width: 6, height: 4, boxes: { dog: [2, 0, 2, 2] } });
  });

  it('names classes from an array or an object, else class<N>', async () => {
    const png = palettePng(6, 4, labelImage, 256);
    const fromArray = masksOf(await readAll(sourceFile('a.png', png), { classes: ['bg', 'plane'] }));
    expect(fromArray.map((record) => record.maskType)).toEqual(['segmentation:plane', 'segmentation:class12']);
    const fromObject = masksOf(await readAll(sourceFile('a.png', png), { classes: { '12': 'hound' } }));
    expect(fromObject.map((record) => record.maskType)).toEqual(['segmentation:class1', 'segmentation:hound']);
  });

  it('includes background (index 0) with includeBackground', async () => {
    const records = masksOf(await readAll(sourceFile('a.png', palettePng(6, 4, labelImage, 256)), { classes: 'voc', includeBackground: true }));
    expect(records.map((record) => record.metadata)).toEqual([
      { class: 'background', classIndex: 0, pixels: 13 },
      { class: 'aeroplane', classIndex: 1, pixels: 4 },
      { class: 'dog', classIndex: 12, pixels: 4 },
    ]);
  });

  it('reads low-depth palette PNGs', async () => {
    const records = masksOf(await readAll(sourceFile('a.png', palettePng(3, 2, [0, 1, 3, 3, 1, 0], 4, 2))));
    expect(records.map((record) => [record.maskType, artOf(record.mask.data, 3)])).toEqual([
      ['segmentation:class1', ['.#.', '.#.']],
      ['segmentation:class3', ['..#', '#..']],
    ]);
  });

  it('reads grayscale PNGs as label images with labels: true', async () => {
    const records = masksOf(await readAll(sourceFile('a.png', grayPng(6, 4, labelImage)), { labels: true, classes: 'voc' }));
    expect(records.map((record) => record.maskType)).toEqual(['segmentation:aeroplane', 'segmentation:dog']);
  });

  it('yields nothing for an image of only background and void', async () => {
    expect(await readAll(sourceFile('a.png', palettePng(2, 1, [0, 255], 256)))).toEqual([]);
  });

  it('refuses 16-bit label images and className on a palette PNG', async () => {
    await expect(readAll(sourceFile('a.png', grayPng(2, 1, [0, 1], 16)), { labels: true })).rejects.toThrow(
      new SourceInputError('is a 16-bit PNG; a label image has 8 bits or fewer per pixel (palette or grayscale)'),
    );
    await expect(readAll(sourceFile('a.png', palettePng(2, 1, [0, 1], 2)), { className: 'cat' })).rejects.toThrow(
      /^is a palette PNG, which is read as a label image .*option className is for grayscale binary masks/,
    );
  });
});
