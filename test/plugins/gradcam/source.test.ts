import { encode } from 'fast-png';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import gradcam from '../../../plugins/gradcam/index.js';
import { SourceInputError, type SourceContext, type SourceFile, type SourceMaskRecord } from '../../../plugins/kit/index.js';
import { collect, f32Bytes, f64Bytes, imageSizes, u16Bytes } from './fixtures.js';
import { sourceFile } from '../../support/source-file.js';
import { encodeNpy } from '../../../plugins/kit/npy.js';
import { firstOutsideUnitRange } from '../../../plugins/gradcam/values.js';

type Options = Parameters<typeof gradcam.read>[1];

const options = (given: Record<string, unknown> = {}): Options => gradcam.options.parse(given);

async function read(file: SourceFile, given: Record<string, unknown> = {}, context: SourceContext = imageSizes()): Promise<SourceMaskRecord[]> {
  return (await collect(gradcam.read(file, options(given), context))) as SourceMaskRecord[];
}

async function readError(file: SourceFile, given: Record<string, unknown> = {}, context: SourceContext = imageSizes()): Promise<string> {
  try {
    await read(file, given, context);
  } catch (error) {
    expect(error).toBeInstanceOf(SourceInputError);
    return (error as Error).message;
  }
  throw new Error('the file was accepted');
}

const f32Npy = (shape: number[], values: number[]) => encodeNpy({ descr: '<f4', shape, data: f32Bytes(values) });

/** Three 2×2 masks, mask i holding (4i + k)/16 at position k: exact in float32, each with its own range. */
const batch = f32Npy([3, 2, 2], Array.from({ length: 12 }, (_, n) => n / 16));
const BATCH_MASKS = [0, 1, 2].map((i) => [0, 1, 2, 3].map((k) => (4 * i + k) / 16));
const masksOf = (records: SourceMaskRecord[]) => records.map((r) => [r.imageKey, Array.from(r.mask.data)]);

describe('the gradcam source', () => {
  it('describes itself', () => {
    expect(gradcam.name).toBe('gradcam');
    expect(gradcam.defaultMaskType).toBe('saliency');
    expect(gradcam.inputs.flatMap((input) => input.extensions)).toEqual(['.npy', '.png']);
  });

  it('defaults its options and refuses unknown ones', () => {
    expect(gradcam.options.parse({})).toEqual({ normalize: false, resize: false });
    expect(gradcam.options.safeParse({ normalise: true }).success).toBe(false);
    expect(gradcam.options.safeParse({ keys: ['a', ''] }).success).toBe(false);
    expect(gradcam.options.safeParse({ resize: 'yes' }).success).toBe(false);
  });
});

describe('single .npy masks', () => {
  it('keeps float32 as it is, without a copy', async () => {
    const bytes = f32Npy([2, 3], [0, 0.5, 1, 0.25, 0.75, 1]);
    const [record, ...rest] = await read(sourceFile('runs/cam_cat.npy', bytes));
    expect(rest).toEqual([]);
    expect(record).toEqual({
      kind: 'mask',
      imageKey: 'cam_cat',
      mask: { width: 3, height: 2, data: new Float32Array([0, 0.5, 1, 0.25, 0.75, 1]) },
      metadata: { file: 'cam_cat.npy', sourceDtype: 'float32', normalized: false },
    });
    expect(record.mask.data.buffer).toBe(bytes.buffer);
    expect(record.imageAligned).toBeUndefined();
  });

  it('rounds float64 to float32 and says so', async () => {
    const [record] = await read(sourceFile('a.npy', encodeNpy({ descr: '<f8', shape: [1, 2], data: f64Bytes([0.1, 1]) })));
    expect(record.mask.data).toBeInstanceOf(Float32Array);
    expect(Array.from(record.mask.data)).toEqual([Math.fround(0.1), 1]);
    expect(record.metadata).toEqual({ file: 'a.npy', sourceDtype: 'float64', normalized: false });
  });

  it('keeps uint8 and uint16 as k/255 and k/65535', async () => {
    const [u8] = await read(sourceFile('a.npy', encodeNpy({ descr: '|u1', shape: [1, 3], data: new Uint8Array([0, 128, 255]) })));
    expect(u8.mask.data).toEqual(new Uint8Array([0, 128, 255]));
    expect(u8.metadata).toMatchObject({ sourceDtype: 'uint8' });
    const [u16] = await read(sourceFile('a.npy', encodeNpy({ descr: '<u2', shape: [1, 2], data: u16Bytes([0, 65535]) })));
    expect(u16.mask.data).toEqual(new Uint16Array([0, 65535]));
    expect(u16.metadata).toMatchObject({ sourceDtype: 'uint16' });
  });

  it('reads (H, W, 1) as one mask', async () => {
    const [record] = await read(sourceFile('a.npy', f32Npy([2, 3, 1], [0, 0.1, 0.2, 0.3, 0.4, 0.5])));
    expect(record.mask.width).toBe(3);
    expect(record.mask.height).toBe(2);
    expect(record.imageKey).toBe('a');
  });

  it('reads (1, H, W) without a key list as the file’s own mask', async () => {
    const [record] = await read(sourceFile('dog.npy', f32Npy([1, 2, 3], [0, 0.1, 0.2, 0.3, 0.4, 0.5])));
    expect(record.imageKey).toBe('dog');
    expect([record.mask.width, record.mask.height]).toEqual([3, 2]);
    expect(record.metadata).toEqual({ file: 'dog.npy', sourceDtype: 'float32', normalized: false, index: 0 });
  });

  it('refuses other numbers of dimensions and empty arrays', async () => {
    expect(await readError(sourceFile('a.npy', f32Npy([4], [0, 0, 0, 0])))).toBe(
      'has shape (4,) (1 dimension); expected (H, W), (H, W, 1) or a batch (N, H, W)',
    );
    expect(await readError(sourceFile('a.npy', f32Npy([2, 1, 1, 2], [0, 0, 0, 0])))).toBe(
      'has shape (2, 1, 1, 2) (4 dimensions); expected (H, W), (H, W, 1) or a batch (N, H, W); remove channel axes before saving, e.g. (N, 1, H, W) → (N, H, W) with array.squeeze(1)',
    );
    expect(await readError(sourceFile('a.npy', f32Npy([0, 224, 224], [])))).toBe('has shape (0, 224, 224), which holds no values; expected masks of at least 1×1');
  });

  it('refuses unsupported dtypes and broken files', async () => {
    expect(await readError(sourceFile('a.npy', encodeNpy({ descr: '<i4', shape: [1, 1], data: new Uint8Array(4) })))).toMatch(
      /^has dtype '<i4', which is not supported/,
    );
    expect(await readError(sourceFile('a.npy', f32Npy([2, 2], [0, 0, 0, 0]).subarray(0, 140)))).toMatch(/^is truncated: /);
  });

  it('refuses files it does not read', async () => {
    expect(await readError(sourceFile('a.jpg', new Uint8Array(4)))).toBe("has extension '.jpg'; the gradcam source reads .npy arrays and grayscale .png heatmaps");
  });
});

describe('values outside [0, 1]', () => {
  const values = Array.from({ length: 12 }, () => 0.5);

  it('name the row, column and value and suggest normalize', async () => {
    const bad = values.slice();
    bad[7] = 1.1; // row 1, column 3 of a 3×4 mask
    expect(await readError(sourceFile('a.npy', f32Npy([3, 4], bad)))).toBe(
      'value 1.1 at row 1, column 3 is outside [0, 1]; pass normalize: true to min-max normalise',
    );
    bad[7] = 0.5;
    bad[9] = -0.25;
    expect(await readError(sourceFile('a.npy', f32Npy([3, 4], bad)))).toBe(
      'value -0.25 at row 2, column 1 is outside [0, 1]; pass normalize: true to min-max normalise',
    );
  });

  it('are found at their first position whatever the value: any float32 by its bits, any float64', () => {
    const anyFloat32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((bits) => new Float32Array(new Int32Array([bits]).buffer)[0]);
    const inside = fc.oneof(fc.constantFrom(0, -0, 1, 2 ** -149), fc.float({ min: 0, max: 1, noNaN: true }));
    const firstBad = (data: ArrayLike<number>) => Array.prototype.findIndex.call(data, (v: number) => !(v >= 0 && v <= 1));
    fc.assert(
      fc.property(fc.array(inside, { minLength: 1, maxLength: 11 }), fc.nat(), fc.oneof(anyFloat32, fc.double()), (values, at, odd) => {
        for (const data of [Float32Array.from(values), Float64Array.from(values)]) {
          data[at % data.length] = odd;
          expect(firstOutsideUnitRange(data)).toBe(firstBad(data));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('report float64 values as the file holds them', async () => {
    const bytes = encodeNpy({ descr: '<f8', shape: [1, 2], data: f64Bytes([0.5, 1.0000000001]) });
    expect(await readError(sourceFile('a.npy', bytes))).toBe('value 1.0000000001 at row 0, column 1 is outside [0, 1]; pass normalize: true to min-max normalise');
  });

  it('name the mask and its key in a batch', async () => {
    const bad = [...values, ...values];
    bad[12 + 4 * 2 + 1] = 1.25;
    const file = sourceFile('b.npy', f32Npy([2, 3, 4], bad));
    expect(await readError(file, { keys: ['cat_00', 'cat_01'] })).toBe(
      "mask 1 (key 'cat_01'): value 1.25 at row 2, column 1 is outside [0, 1]; pass normalize: true to min-max normalise",
    );
  });

  it('refuse NaN and infinities, with or without normalize', async () => {
    const nan = values.slice();
    nan[5] = NaN;
    for (const normalize of [false, true]) {
      expect(await readError(sourceFile('a.npy', f32Npy([3, 4], nan)), { normalize })).toBe('value NaN at row 1, column 1 is not a finite number');
    }
    const infinite = values.slice();
    infinite[0] = -Infinity;
    expect(await readError(sourceFile('a.npy', f32Npy([3, 4], infinite)), { normalize: true })).toBe(
      'value -Infinity at row 0, column 0 is not a finite number',
    );
  });

  it('are min–max normalised with normalize', async () => {
    const [record] = await read(sourceFile('a.npy', f32Npy([2, 2], [-1, 0, 1, 3])), { normalize: true });
    expect(Array.from(record.mask.data)).toEqual([0, 0.25, 0.5, 1]);
    expect(record.metadata).toEqual({ file: 'a.npy', sourceDtype: 'float32', normalized: true });
  });
});

describe('batches', () => {
  it('take their keys from the keys option', async () => {
    const records = await read(sourceFile('b.npy', batch), { keys: ['x', 'y', 'z'] });
    expect(masksOf(records)).toEqual([
      ['x', BATCH_MASKS[0]],
      ['y', BATCH_MASKS[1]],
      ['z', BATCH_MASKS[2]],
    ]);
    expect(records.map((r) => r.metadata)).toEqual([0, 1, 2].map((index) => ({ file: 'b.npy', sourceDtype: 'float32', normalized: false, index })));
    expect(records[2].mask.data.buffer).toBe(batch.buffer);
  });

  it('take their keys from <name>.keys.txt, one per line', async () => {
    const file = sourceFile('runs/b.npy', batch, { '.keys.txt': 'x\r\n\n  y \r\nz\n\n' });
    expect((await read(file)).map((r) => r.imageKey)).toEqual(['x', 'y', 'z']);
  });

  it('take their keys from <name>.keys.json', async () => {
    const file = sourceFile('b.npy', batch, { '.keys.json': '["x", "y", "z"]' });
    expect((await read(file)).map((r) => r.imageKey)).toEqual(['x', 'y', 'z']);
  });

  it('prefer the keys option to a sidecar', async () => {
    const file = sourceFile('b.npy', batch, { '.keys.txt': 'x\ny\nz' });
    expect((await read(file, { keys: ['p', 'q', 'r'] })).map((r) => r.imageKey)).toEqual(['p', 'q', 'r']);
  });

  it('need a key list', async () => {
    expect(await readError(sourceFile('runs/b.npy', batch))).toBe(
      'holds a batch of 3 masks (shape (3, 2, 2)) but no image keys for them; give the keys in batch order with the keys option, ' +
        'or as one key per line in b.keys.txt or a JSON array of strings in b.keys.json next to it',
    );
  });

  it('need one key per mask', async () => {
    expect(await readError(sourceFile('b.npy', batch), { keys: ['x', 'y'] })).toBe(
      'holds 3 masks (shape (3, 2, 2)) but the keys option gives 2 keys; expected one key per mask, in batch order',
    );
    expect(await readError(sourceFile('b.npy', batch, { '.keys.txt': 'w\nx\ny\nz\n' }))).toBe(
      'holds 3 masks (shape (3, 2, 2)) but b.keys.txt gives 4 keys; expected one key per mask, in batch order',
    );
    expect(await readError(sourceFile('one.npy', f32Npy([1, 1, 1], [0.5]), { '.keys.json': '["a", "b"]' }))).toBe(
      'holds 1 mask (shape (1, 1, 1)) but one.keys.json gives 2 keys; expected one key per mask, in batch order',
    );
  });

  it('refuse a key given twice', async () => {
    expect(await readError(sourceFile('b.npy', batch), { keys: ['x', 'y', 'x'] })).toBe(
      "has key 'x' twice in the keys option (masks 0 and 2); expected each image once",
    );
  });

  it('refuse broken key lists', async () => {
    expect(await readError(sourceFile('b.npy', batch, { '.keys.json': '["x", "y", 3]' }))).toBe(
      'has a key list b.keys.json whose element 2 is 3; expected a non-empty string',
    );
    expect(await readError(sourceFile('b.npy', batch, { '.keys.json': '{"keys": []}' }))).toBe(
      'has a key list b.keys.json that is not a JSON array; expected an array of key strings',
    );
    expect(await readError(sourceFile('b.npy', batch, { '.keys.json': '["x", ' }))).toMatch(/^has a key list b\.keys\.json that is not valid JSON \(/);
    expect(await readError(sourceFile('b.npy', batch, { '.keys.txt': new Uint8Array([0x78, 0xff, 0x0a]) }))).toBe(
      'has a key list b.keys.txt that is not UTF-8 text',
    );
    expect(await readError(sourceFile('b.npy', batch, { '.keys.txt': 'x\ny\nz', '.keys.json': '["x","y","z"]' }))).toBe(
      'has two key lists, b.keys.txt and b.keys.json; keep one',
    );
  });

  it('normalise each mask by its own range', async () => {
    const records = await read(sourceFile('b.npy', batch), { keys: ['x', 'y', 'z'], normalize: true });
    for (const record of records) expect(Array.from(record.mask.data)).toEqual([0, 1 / 3, 2 / 3, 1].map(Math.fround));
  });
});

describe('PNG heatmaps', () => {
  it('read 8-bit grayscale as k/255', async () => {
    const png = encode({ width: 3, height: 2, channels: 1, depth: 8, data: new Uint8Array([0, 1, 2, 128, 254, 255]) });
    const [record] = await read(sourceFile('cat.png', png));
    expect(record).toEqual({
      kind: 'mask',
      imageKey: 'cat',
      mask: { width: 3, height: 2, data: new Uint8Array([0, 1, 2, 128, 254, 255]) },
      metadata: { file: 'cat.png', sourceDtype: 'uint8', normalized: false },
    });
  });

  it('read 16-bit grayscale as k/65535', async () => {
    const png = encode({ width: 2, height: 1, channels: 1, depth: 16, data: new Uint16Array([1, 65535]) });
    const [record] = await read(sourceFile('cat.png', png));
    expect(record.mask.data).toEqual(new Uint16Array([1, 65535]));
    expect(record.metadata).toMatchObject({ sourceDtype: 'uint16' });
  });

  it('refuse colour heatmaps', async () => {
    const png = encode({ width: 2, height: 1, channels: 3, depth: 8, data: new Uint8Array([10, 10, 10, 255, 0, 0]) });
    expect(await readError(sourceFile('cat.png', png))).toBe(
      'is a colour PNG (pixel at row 0, column 1 is not gray); expected a single-channel (grayscale) image',
    );
  });

  it('refuse corrupt files', async () => {
    const png = encode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([1, 2]) });
    expect(await readError(sourceFile('cat.png', png.subarray(0, 20)))).toMatch(/^is not a readable PNG \(/);
    expect(await readError(sourceFile('cat.png', new TextEncoder().encode('not a png at all')))).toMatch(/^is not a readable PNG \(/);
  });

  it('normalise and resize like arrays', async () => {
    const png = encode({ width: 2, height: 2, channels: 1, depth: 8, data: new Uint8Array([10, 20, 20, 10]) });
    const [record] = await read(sourceFile('cat.png', png), { normalize: true, resize: true }, imageSizes({ cat: { width: 4, height: 4 } }));
    expect(record.mask.width).toBe(4);
    expect(Array.from(record.mask.data.subarray(0, 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(record.metadata).toEqual({ file: 'cat.png', sourceDtype: 'uint8', normalized: true, resizedFrom: [2, 2] });
  });
});

describe('resize', () => {
  it("resamples to the image's registered size", async () => {
    const file = sourceFile('cat.npy', f32Npy([2, 2], [0, 1, 1, 0]));
    const [record] = await read(file, { resize: true }, imageSizes({ cat: { width: 4, height: 4 } }));
    expect(record.mask).toEqual({
      width: 4,
      height: 4,
      data: new Float32Array([0, 0.25, 0.75, 1, 0.25, 0.375, 0.625, 0.75, 0.75, 0.625, 0.375, 0.25, 1, 0.75, 0.25, 0]),
    });
    expect(record.metadata).toEqual({ file: 'cat.npy', sourceDtype: 'float32', normalized: false, resizedFrom: [2, 2] });
  });

  it('resizes each mask of a batch to its own image', async () => {
    const file = sourceFile('b.npy', f32Npy([2, 1, 2], [0, 1, 1, 0]));
    const sizes = imageSizes({ a: { width: 4, height: 1 }, b: { width: 3, height: 2 } });
    const [a, b] = await read(file, { resize: true, keys: ['a', 'b'] }, sizes);
    expect(a.mask).toEqual({ width: 4, height: 1, data: new Float32Array([0, 0.25, 0.75, 1]) });
    expect(b.mask).toEqual({ width: 3, height: 2, data: new Float32Array([1, 0.5, 0, 1, 0.5, 0]) });
  });

  it('keeps a mask that already has the size as it is', async () => {
    const png = encode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([3, 4]) });
    const [record] = await read(sourceFile('cat.png', png), { resize: true }, imageSizes({ cat: { width: 2, height: 1 } }));
    expect(record.mask).toEqual({ width: 2, height: 1, data: new Uint8Array([3, 4]) });
    expect(record.metadata).toEqual({ file: 'cat.png', sourceDtype: 'uint8', normalized: false });
  });

  it('needs the image and its size', async () => {
    expect(await readError(sourceFile('cat.npy', f32Npy([1, 1], [0.5])), { resize: true })).toBe(
      "resize needs the size of image 'cat', which is not registered or has no size; register it with its size (masksearch images import) or leave resize off",
    );
    const sizes = imageSizes({ a: { width: 2, height: 2 } });
    expect(await readError(sourceFile('b.npy', batch), { resize: true, keys: ['a', 'b', 'c'] }, sizes)).toMatch(
      /^mask 1 \(key 'b'\): resize needs the size of image 'b', which is not registered/,
    );
  });

  it('checks the range before resizing, at the position in the file', async () => {
    const file = sourceFile('cat.npy', f32Npy([1, 2], [0.5, 2]));
    expect(await readError(file, { resize: true }, imageSizes({ cat: { width: 8, height: 8 } }))).toBe(
      'value 2 at row 0, column 1 is outside [0, 1]; pass normalize: true to min-max normalise',
    );
  });
});
