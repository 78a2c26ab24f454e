import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMask } from '../../engine/index.js';
import { loadSourceRegistry } from '../../plugins/config.js';
import { encodeNpy } from '../../plugins/kit/npy.js';
import { gradCamF32 } from '../../bench/grad-cam-f32.js';
import { seededRandom } from '../db/mask-fixtures.js';
import type { RunningService } from '../service/service-fixture.js';
import { startService } from '../service/service-fixture.js';
import { expectQueriesMatchBruteForce, ingestThroughGraphQL, type ExpectedMask } from './e2e-support.js';

const W = 24;
const H = 20;

let running: RunningService;
beforeAll(async () => {
  running = await startService(undefined, undefined, { sources: await loadSourceRegistry(), ingestWorkers: 1 });
});
afterAll(() => running?.stop());

/** A float32 map of W×H with values spread over [0, 1]. */
const floatMap = (seed: number) => gradCamF32(Math.max(W, H), 4, seed).subarray(0, W * H);

describe('gradcam: ingest over GraphQL, then queries equal brute force on the decoded files', () => {
  const expected: ExpectedMask[] = [];
  const files: { name: string; bytes: Uint8Array }[] = [];

  beforeAll(async () => {
    // Half the images are registered first, with object boxes; the rest are created by the ingest.
    const random = seededRandom(5);
    const registered = Array.from({ length: 6 }, (_, i) => ({
      key: `cam-${i}`,
      width: W * 2,
      height: H * 2,
      boxes: [{ name: 'object', x: Math.floor(random() * W), y: Math.floor(random() * H), width: 4 + Math.floor(random() * W), height: 4 + Math.floor(random() * H) }],
    }));
    const res = await running.gql('mutation ($images: [MaskSearchImageInput!]!) { upsertImages(images: $images) { id } }', { images: registered });
    expect(res.errors).toBeUndefined();

    for (let i = 0; i < 10; i++) {
      const data = floatMap(i + 1);
      files.push({ name: `cam-${i}.npy`, bytes: encodeNpy({ descr: '<f4', shape: [H, W], data: new Uint8Array(data.slice().buffer) }) });
      expected.push({ key: `cam-${i}`, maskType: 'saliency', mask: createMask(W, H, data.slice()) });
    }
    const u8 = Uint8Array.from({ length: W * H }, () => Math.floor(random() * 256));
    files.push({ name: 'cam-u8.npy', bytes: encodeNpy({ descr: '|u1', shape: [H, W], data: u8 }) });
    expected.push({ key: 'cam-u8', maskType: 'saliency', mask: createMask(W, H, u8) });
    const u16 = Uint16Array.from({ length: W * H }, () => Math.floor(random() * 65536));
    files.push({ name: 'cam-png16.png', bytes: encode({ width: W, height: H, data: u16, depth: 16, channels: 1 }) });
    expected.push({ key: 'cam-png16', maskType: 'saliency', mask: createMask(W, H, u16) });
    const batch = [floatMap(50), floatMap(51), floatMap(52)];
    const stacked = new Float32Array(3 * W * H);
    batch.forEach((m, i) => stacked.set(m, i * W * H));
    files.push({ name: 'batch.npy', bytes: encodeNpy({ descr: '<f4', shape: [3, H, W], data: new Uint8Array(stacked.buffer) }) });
    files.push({ name: 'batch.keys.txt', bytes: new TextEncoder().encode('b-0\nb-1\nb-2\n') });
    batch.forEach((m, i) => expected.push({ key: `b-${i}`, maskType: 'saliency', mask: createMask(W, H, m.slice()) }));
    const broken = floatMap(99).slice();
    broken[7] = Number.NaN;
    files.push({ name: 'broken.npy', bytes: encodeNpy({ descr: '<f4', shape: [H, W], data: new Uint8Array(broken.buffer) }) });
  });

  it('stores every good file, reports the bad one by name, and leaves nothing of it', async () => {
    const summary = await ingestThroughGraphQL(running, 'gradcam', files, { model: 'resnet50' });
    expect(summary).toMatchObject({ files: 14, ingestedFiles: 13, insertedMasks: 15, replacedMasks: 0, skippedMasks: 0, createdImages: 9 });
    expect(summary.failures).toEqual([{ file: 'broken.npy', reason: 'value NaN at row 0, column 7 is not a finite number' }]);
    const broken = await running.gql<{ image: unknown }>('{ image(key: "broken") { id } }');
    expect(broken.data!.image).toBeNull();
  });

  it('answers filter and top-k queries exactly', async () => {
    await expectQueriesMatchBruteForce(running, expected, { modelNames: ['resnet50'] }, { boxNames: ['object'], cases: 30, seed: 17 });
  });

  it('a second ingest of the same files fails them as duplicates unless told to skip or replace', async () => {
    const again = await ingestThroughGraphQL(running, 'gradcam', files.slice(0, 2), { model: 'resnet50' });
    expect(again.ingestedFiles).toBe(0);
    expect(again.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/already exist/), expect.stringMatching(/already exist/)]);
    const replaced = await ingestThroughGraphQL(running, 'gradcam', files.slice(0, 2), { model: 'resnet50', onDuplicate: 'REPLACE' });
    expect(replaced).toMatchObject({ ingestedFiles: 2, replacedMasks: 2 });
    await expectQueriesMatchBruteForce(running, expected, { modelNames: ['resnet50'] }, { boxNames: ['object'], cases: 5, seed: 18 });
  });

  it('rejects bad arguments as BAD_USER_INPUT naming them, before touching any file', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['nope', {}, /source: no source named 'nope'; installed: gradcam, eyetracking, segmentation/],
      ['gradcam', { sourceOptions: { normalise: true } }, /options.sourceOptions: source 'gradcam': options: Unrecognized key: "normalise"/],
      ['gradcam', { sourceOptions: { resize: 'yes' } }, /option 'resize'/],
      ['gradcam', { keyRegex: '(' }, /options.keyRegex: not a regular expression/],
    ];
    for (const [source, options, message] of cases) {
      const res = await running.upload(
        'mutation ($source: String!, $files: [Upload!]!, $options: MaskSearchIngestOptions) { ingestMasks(source: $source, files: $files, options: $options) { files } }',
        { source, options },
        files.slice(0, 1),
      );
      expect(res.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('lists the installed sources with their inputs and options', async () => {
    const res = await running.gql<{ maskSources: { name: string; builtin: boolean; defaultMaskType: string; inputs: { extensions: string[] }[]; options: { name: string; type: string; default: unknown }[] }[] }>(
      '{ maskSources { name builtin defaultMaskType inputs { extensions } options { name type default required } optionsSchema } }',
    );
    expect(res.errors).toBeUndefined();
    const sources = res.data!.maskSources;
    expect(sources.map((s) => [s.name, s.builtin, s.defaultMaskType])).toEqual([
      ['gradcam', true, 'saliency'],
      ['eyetracking', true, 'human-attention'],
      ['segmentation', true, 'segmentation'],
    ]);
    const gradcam = sources[0];
    expect(gradcam.inputs.flatMap((i) => i.extensions)).toEqual(['.npy', '.png']);
    expect(gradcam.options).toEqual(
      expect.arrayContaining([
        { name: 'normalize', type: 'boolean', default: false, required: false },
        { name: 'resize', type: 'boolean', default: false, required: false },
      ]),
    );
  });
});
