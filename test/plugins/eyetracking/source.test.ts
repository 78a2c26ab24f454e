import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import eyetracking from '../../../plugins/eyetracking/index.js';
import { SourceInputError } from '../../../plugins/kit/index.js';
import { directGaussianSum, masksOf, maxDifference, peakOf, readRecords, valuesOf } from './helpers.js';
import { sourceFile } from '../../support/source-file.js';

const registered = { '001': { width: 40, height: 30 }, '002': { width: 20, height: 50 } };

describe('the eyetracking source', () => {
  it('is a human-attention source reading fixations and PNG maps', () => {
    expect(eyetracking.name).toBe('eyetracking');
    expect(eyetracking.defaultMaskType).toBe('human-attention');
    expect(eyetracking.inputs.flatMap((i) => i.extensions).sort()).toEqual(['.csv', '.json', '.jsonl', '.png']);
  });

  it('defaults its options and refuses unknown ones, non-positive σ, and σ given both ways', () => {
    expect(eyetracking.options.parse({})).toEqual({ durationWeighted: false, precision: 'u16' });
    expect(eyetracking.options.safeParse({ sigma: 3, sigmaFraction: 0.1 }).error?.issues[0].message).toBe(
      'give sigma (pixels) or sigmaFraction (of the longer side), not both',
    );
    expect(eyetracking.options.safeParse({ sigmaPx: 3 }).success).toBe(false);
    expect(eyetracking.options.safeParse({ sigma: 0 }).success).toBe(false);
    expect(eyetracking.options.safeParse({ sigmaFraction: 1.5 }).success).toBe(false);
    expect(eyetracking.options.safeParse({ precision: 'u32' }).success).toBe(false);
  });

  it('refuses a file of another kind', async () => {
    await expect(readRecords(sourceFile('fix.txt', 'x'))).rejects.toThrow(/^has extension "\.txt"; expected \.csv, \.json, \.jsonl/);
  });
});

describe('CSV fixations', () => {
  it('reads every column: the image key drops the extension, the size registers the image first', async () => {
    const csv = 'image,x,y,duration,observer,width,height\n001.jpg,10.5,12,0.2,anna,40,30\n001.jpg,30,20.9,0.3,ben,40,30\n001.jpg,11,12,0.1,anna,40,30\n';
    const records = await readRecords(sourceFile('fixations.csv', csv));
    expect(records.map((r) => r.kind)).toEqual(['image', 'mask']);
    expect(records[0]).toEqual({ kind: 'image', key: '001', width: 40, height: 30 });
    const [mask] = masksOf(records);
    expect(mask).toMatchObject({ imageKey: '001', imageAligned: true, mask: { width: 40, height: 30 } });
    expect(mask.mask.data).toBeInstanceOf(Uint16Array);
    expect(mask.metadata).toEqual({ sigmaPx: 40 / 30, fixations: 3, outside: 0, observers: 2, durationWeighted: false });
  });

  it('needs only image (or key), x and y, in any order and case, ignoring other columns; the size comes from the registered image', async () => {
    const csv = 'Y,trial,KEY,X\n5,1,001,7\n6,1,002,8\n';
    const records = await readRecords(sourceFile('f.csv', csv), {}, registered);
    expect(records.map((r) => r.kind)).toEqual(['mask', 'mask']);
    expect(masksOf(records).map((m) => [m.imageKey, m.mask.width, m.mask.height])).toEqual([
      ['001', 40, 30],
      ['002', 20, 50],
    ]);
    expect(masksOf(records)[0].metadata).toEqual({ sigmaPx: 40 / 30, fixations: 1, outside: 0, durationWeighted: false });
    // The map's peak is at the fixation's pixel (⌊7⌋, ⌊5⌋).
    const values = valuesOf(masksOf(records)[0]);
    expect(values.indexOf(1)).toBe(5 * 40 + 7);
  });

  it('reads a header after a byte order mark, as spreadsheet programs write it', async () => {
    const records = await readRecords(sourceFile('f.csv', '\uFEFFkey,x,y\r\n001,1,2\r\n'), {}, registered);
    expect(masksOf(records).map((m) => m.imageKey)).toEqual(['001']);
  });

  it('reads quoted fields: commas, quotes and spaces inside image names', async () => {
    const csv = 'image,x,y,width,height\n"a, ""b"".jpg"," 3.5 ",4,10,10\n';
    const [image] = await readRecords(sourceFile('f.csv', csv));
    expect(image).toEqual({ kind: 'image', key: 'a, "b"', width: 10, height: 10 });
  });

  it.each([
    ['x,y\n1,2\n', 'line 1: the header must name the columns image (or key, not both), x and y; missing image (or key) (header: x,y)'],
    ['image,x\na.jpg,1\n', 'line 1: the header must name the columns image (or key, not both), x and y; missing y (header: image,x)'],
    ['image,key,x,y\n', 'line 1: the header must name the columns image (or key, not both), x and y; it names both image and key (header: image,key,x,y)'],
    ['image,x,y,X\n', 'line 1: the header names column "x" twice'],
    ['', 'is empty; expected a header row (image, x, y, …) and fixation rows'],
  ])('refuses a bad header: %j', async (csv, message) => {
    await expect(readRecords(sourceFile('f.csv', csv), {}, registered)).rejects.toThrow(new SourceInputError(message));
  });

  it.each([
    ['key,x,y\n001,1,2\n001,abc,2\n', 'line 3: x must be a finite number, got "abc"'],
    ['key,x,y\n001,1,2\n\n001,1,NaN\n', 'line 4: y must be a finite number, got "NaN"'],
    ['key,x,y\n001,1,2\n001,0x10,2\n', 'line 3: x must be a finite number, got "0x10"'],
    ['key,x,y\n001,,2\n', 'line 2: x is missing'],
    ['key,x,y\n001,1,2,3\n', 'line 2: has 4 fields, but the header has 3'],
    ['key,x,y,duration\n001,1,2,-1\n', 'line 2: duration must not be negative, got -1'],
    ['key,x,y,width,height\n001,1,2,40,\n', 'line 2: give width and height together, or neither'],
    ['key,x,y,width,height\n001,1,2,40,2.5\n', 'line 2: height must be a positive whole number of pixels, got "2.5"'],
    ['key,x,y,width,height\n001,1,2,40,30\n001,1,2,40,31\n', 'line 3: image "001" is 40×31 here but 40×30 at line 2'],
  ])('names the line of a bad value: %j', async (csv, message) => {
    await expect(readRecords(sourceFile('f.csv', csv), {}, registered)).rejects.toThrow(new SourceInputError(message));
  });

  it('refuses an image with no size in the file nor registered, naming it', async () => {
    await expect(readRecords(sourceFile('f.csv', 'image,x,y\n001.jpg,1,1\nnew.jpg,1,1\n'), {}, registered)).rejects.toThrow(
      new SourceInputError('image "new" has no size: give width and height in the file, or register the image first (masksearch images import)'),
    );
  });
});

describe('JSON and JSON Lines fixations', () => {
  it('reads a JSON array of flat records, grouping by image in order of first appearance', async () => {
    const json = JSON.stringify([
      { image: 'photos/002.png', x: 1, y: 2, observer: 1 },
      { key: '001', x: 3, y: 4, observer: 1 },
      { image: '002.jpg', x: 5, y: 6, observer: 2, duration: null },
    ]);
    const masks = masksOf(await readRecords(sourceFile('f.json', json), {}, registered));
    expect(masks.map((m) => [m.imageKey, m.metadata?.fixations, m.metadata?.observers])).toEqual([
      ['002', 2, 2],
      ['001', 1, 1],
    ]);
  });

  it('reads the nested per-image format of recorded datasets, observers numbered by position', async () => {
    const json = JSON.stringify([
      { image: 'a.jpg', width: 30, height: 20, subjects: [[[5, 5, 0.1, 0.3], [6, 5, 0.5, 0.2]], [], [[25.5, 15.2, 0.2, 0.4]]] },
      { image: 'b.jpg', width: 10, height: 10, subjects: [[[1, 1, 0, 0.1]]] },
    ]);
    const records = await readRecords(sourceFile('scene.json', json));
    expect(records.map((r) => (r.kind === 'image' ? `image ${r.key} ${r.width}×${r.height}` : `mask ${r.imageKey}`))).toEqual([
      'image a 30×20',
      'mask a',
      'image b 10×10',
      'mask b',
    ]);
    expect(masksOf(records)[0].metadata).toMatchObject({ fixations: 3, observers: 2, sigmaPx: 1 });
  });

  it.each([
    [[{ image: 'a.jpg', subjects: [[[1, 2]], [[1, '2']], [[1, 'n/a']]] }], 'element 1 (image "a.jpg"), observer 3, fixation 1: y must be a finite number, got "n/a"'],
    [[{ image: 'a.jpg', subjects: [[[1, 2], [null, 2]]] }], 'element 1 (image "a.jpg"), observer 1, fixation 2: x is missing'],
    [[{ key: '001', x: 1, y: 1 }, { image: 'a.jpg', subjects: [[[1, 2]], [5]] }], 'element 2 (image "a.jpg"), observer 2, fixation 1: expected [x, y, start, duration], got 5'],
    [[{ image: 'a.jpg', subjects: {} }], 'element 1 (image "a.jpg"): subjects must be an array of observers\' fixation lists, got {}'],
    [[{ key: '001', x: 1, y: 1 }, { image: 'b.jpg', key: 'b', x: 1, y: 1 }], 'element 2: give image or key, not both'],
    [[{ x: 1, y: 1 }], 'element 1: image (or key) is missing'],
    [[[1, 2]], 'element 1: expected a fixation record (an object with image or key, x, y), got [1,2]'],
    [{ image: 'a.jpg' }, 'expected a JSON array of fixation records or of images with subjects (for one record per line, name the file .jsonl)'],
  ])('names the element of a bad value: %j', async (value, message) => {
    await expect(readRecords(sourceFile('f.json', JSON.stringify(value)), {}, registered)).rejects.toThrow(new SourceInputError(message));
  });

  it('places a JSON syntax error by line and column', async () => {
    await expect(readRecords(sourceFile('f.json', '[\n  {"key": "001", "x": 1,, "y": 2}\n]'))).rejects.toThrow(/^is not valid JSON at line 2, column 25: /);
  });

  it('reads JSON Lines, one record (or nested image) per line, blank lines skipped', async () => {
    const jsonl = '{"key":"001","x":1,"y":1}\r\n\n{"image":"002.jpg","x":2,"y":3}\n{"image":"c.jpg","width":5,"height":5,"subjects":[[[1,1]]]}\n';
    const masks = masksOf(await readRecords(sourceFile('f.jsonl', jsonl), {}, registered));
    expect(masks.map((m) => m.imageKey)).toEqual(['001', '002', 'c']);
  });

  it('names the line of bad JSON Lines', async () => {
    const bad = '{"key":"001","x":1,"y":1}\n\n{"key":"001","x":1,"y":}\n';
    await expect(readRecords(sourceFile('f.jsonl', bad), {}, registered)).rejects.toThrow(/^line 3: is not valid JSON \(/);
    const missing = '{"key":"001","x":1,"y":1}\n{"key":"001","y":1}\n';
    await expect(readRecords(sourceFile('f.jsonl', missing), {}, registered)).rejects.toThrow(new SourceInputError('line 2: x is missing'));
  });

  it('refuses bytes that are not UTF-8', async () => {
    await expect(readRecords(sourceFile('f.json', new Uint8Array([0x5b, 0xff, 0x5d])))).rejects.toThrow(new SourceInputError('is not UTF-8 text'));
  });
});

describe('rendering', () => {
  const fixations = [
    { x: 5.5, y: 6.2, duration: 0.1 },
    { x: 30.9, y: 20.1, duration: 0.3 },
    { x: 31.2, y: 21.7, duration: 0.2 },
  ];
  const csv = (rows = fixations) => 'key,x,y,duration\n' + rows.map((f) => `001,${f.x},${f.y},${f.duration}`).join('\n');
  const render = async (options: Record<string, unknown>, rows = fixations) => masksOf(await readRecords(sourceFile('f.csv', csv(rows)), options, registered))[0];

  it.each([
    [{ sigma: 2.5 }, 2.5],
    [{ sigmaFraction: 0.1 }, 4], // of the longer side, 40
    [{}, 40 / 30], // the default: 1/30 of the longer side, about one degree of visual angle
  ])('uses σ from %j, records it, and renders the normalised Gaussian sum', async (options, sigma) => {
    const mask = await render({ ...options, precision: 'f32' });
    expect(mask.metadata?.sigmaPx).toBe(sigma);
    const direct = directGaussianSum(40, 30, fixations, sigma);
    const peak = peakOf(direct);
    expect(maxDifference(mask.mask.data, direct.map((v) => v / peak))).toBeLessThan(2e-6);
  });

  it('weights by duration when asked: the longer fixation outweighs the shorter, in proportion', async () => {
    const apart = [
      { x: 5, y: 5, duration: 0.1 },
      { x: 35, y: 25, duration: 0.4 },
    ];
    const plain = valuesOf(await render({ sigma: 2, precision: 'f32' }, apart));
    const weighted = await render({ sigma: 2, precision: 'f32', durationWeighted: true }, apart);
    const at = (values: ArrayLike<number>, f: { x: number; y: number }) => values[f.y * 40 + f.x];
    expect([at(plain, apart[0]), at(plain, apart[1])]).toEqual([1, 1]);
    expect(at(weighted.mask.data, apart[1])).toBe(1);
    expect(at(weighted.mask.data, apart[0])).toBeCloseTo(0.25, 6);
    expect(weighted.metadata?.durationWeighted).toBe(true);
  });

  it('needs a duration for every fixation when weighting by duration', async () => {
    const file = sourceFile('f.csv', 'key,x,y,duration\n001,1,1,0.2\n001,2,2,\n');
    await expect(readRecords(file, { durationWeighted: true }, registered)).rejects.toThrow(
      new SourceInputError('line 3: duration is missing, and durationWeighted needs one for every fixation'),
    );
    expect(masksOf(await readRecords(file, {}, registered))).toHaveLength(1);
  });

  it.each([
    ['u16', Uint16Array, 65535],
    ['u8', Uint8Array, 255],
    ['f32', Float32Array, 1],
  ] as const)('stores %s values: the peak exactly 1, all values in [0, 1]', async (precision, type, top) => {
    const { mask } = await render({ precision });
    expect(mask.data).toBeInstanceOf(type);
    expect(peakOf(mask.data)).toBe(top);
    expect(Math.min(...mask.data)).toBeGreaterThanOrEqual(0);
  });

  it('drops and counts fixations outside the image: pixel ⌊x⌋, ⌊y⌋ must exist', async () => {
    const rows = [
      { x: 39.99, y: 29.99, duration: 1 },
      { x: 0, y: 0, duration: 1 },
      { x: 40, y: 5, duration: 1 },
      { x: -0.01, y: 5, duration: 1 },
      { x: 5, y: 30, duration: 1 },
    ];
    const mask = await render({}, rows);
    expect(mask.metadata).toMatchObject({ fixations: 2, outside: 3 });
  });

  it('renders an image whose fixations all fall outside as an all-zero map marked empty', async () => {
    const mask = await render({}, [{ x: 100, y: 100, duration: 1 }]);
    expect(peakOf(mask.mask.data)).toBe(0);
    expect(mask.metadata).toMatchObject({ fixations: 0, outside: 1, empty: true });
  });
});

describe('precomputed PNG maps', () => {
  const gray = (depth: 8 | 16) => {
    const data = depth === 8 ? Uint8Array.from([0, 128, 255, 7, 9, 1]) : Uint16Array.from([0, 1000, 65535, 7, 9, 1]);
    return encode({ width: 3, height: 2, data, depth, channels: 1 });
  };

  it.each([8, 16] as const)('reads a %i-bit grayscale map keyed by the file name, image-aligned', async (depth) => {
    const records = await readRecords(sourceFile('maps/007.png', gray(depth)));
    expect(records).toHaveLength(1);
    const [mask] = masksOf(records);
    expect(mask).toMatchObject({ imageKey: '007', imageAligned: true, metadata: { precomputed: true }, mask: { width: 3, height: 2 } });
    expect(mask.mask.data).toBeInstanceOf(depth === 8 ? Uint8Array : Uint16Array);
    expect([...mask.mask.data]).toEqual(depth === 8 ? [0, 128, 255, 7, 9, 1] : [0, 1000, 65535, 7, 9, 1]);
  });

  it('refuses a colour PNG and a corrupt one', async () => {
    const colour = encode({ width: 1, height: 1, data: Uint8Array.from([255, 0, 0]), depth: 8, channels: 3 });
    await expect(readRecords(sourceFile('a.png', colour))).rejects.toThrow(/^is a colour PNG/);
    const corrupt = gray(8).slice(0, 40);
    await expect(readRecords(sourceFile('a.png', corrupt))).rejects.toThrow(/^is not a readable PNG/);
  });
});
