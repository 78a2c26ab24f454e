import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSourceRegistry } from '../../plugins/config.js';
import type { MaskSourceRegistry } from '../../plugins/registry.js';
import type { RunningService } from '../service/service-fixture.js';
import { startService } from '../service/service-fixture.js';
import { SCENE_FIXATIONS } from '../support/shared-data.js';
import { decodeWithSource, expectQueriesMatchBruteForce, ingestThroughGraphQL } from './e2e-support.js';


let registry: MaskSourceRegistry;
let running: RunningService;
beforeAll(async () => {
  registry = await loadSourceRegistry();
  running = await startService(undefined, undefined, { sources: registry, ingestWorkers: 1 });
});
afterAll(() => running?.stop());

describe.skipIf(!SCENE_FIXATIONS)('eyetracking: real recordings and CSV fixations over GraphQL, queries equal brute force', () => {
  // The 256×256 images of the real recordings: the first 12 of them, each with 12 observers.
  const recordings = SCENE_FIXATIONS ? (JSON.parse(readFileSync(SCENE_FIXATIONS, 'utf8')) as { width: number }[]).filter((r) => r.width === 256).slice(0, 12) : [];
  const csv = ['image,x,y,duration,observer', 'lab-a.png,10,12,0.3,1', 'lab-a.png,14,11,0.2,2', 'lab-a.png,40,30,0.5,1', 'lab-b.png,5,5,0.1,1', 'lab-b.png,45,8,0.9,2'].join('\n');
  const files = [
    { name: 'nus-subset.json', bytes: new TextEncoder().encode(JSON.stringify(recordings)) },
    { name: 'lab.csv', bytes: new TextEncoder().encode(csv) },
    { name: 'broken.csv', bytes: new TextEncoder().encode('image,x,y\nlab-a.png,3,oops\n') },
  ];
  const options = { sigma: 4, durationWeighted: true };

  it('renders and stores a map per image; a CSV image without a size needs it registered', async () => {
    const unregistered = await ingestThroughGraphQL(running, 'eyetracking', files.slice(1, 2), { sourceOptions: options });
    expect(unregistered.failures).toEqual([{ file: 'lab.csv', reason: expect.stringMatching(/lab-a/) }]);

    const res = await running.gql('mutation { upsertImages(images: [{ key: "lab-a", width: 48, height: 36, boxes: [{ name: "object", x: 8, y: 8, width: 12, height: 10 }] }, { key: "lab-b", width: 48, height: 36 }]) { id } }');
    expect(res.errors).toBeUndefined();
    const summary = await ingestThroughGraphQL(running, 'eyetracking', files, { sourceOptions: options });
    expect(summary).toMatchObject({ files: 3, ingestedFiles: 2, insertedMasks: 14, createdImages: 12 });
    expect(summary.failures).toEqual([{ file: 'broken.csv', reason: expect.stringMatching(/line 2/) }]);
  });

  it('answers queries exactly over the rendered maps', async () => {
    const sizes = new Map([['lab-a', { width: 48, height: 36 }], ['lab-b', { width: 48, height: 36 }]]);
    const expected = await decodeWithSource(registry.get('eyetracking')!, files.slice(0, 2), options, async (key) => sizes.get(key) ?? null);
    expect(expected).toHaveLength(14);
    await expectQueriesMatchBruteForce(running, expected, { maskTypes: ['human-attention'] }, { boxNames: ['object'], cases: 20, seed: 41 });
  });

  it('fails a file whose image size disagrees with the registered one', async () => {
    const wrongSize = [{ image: 'lab-b.jpg', width: 64, height: 64, subjects: [[[3, 3, 0, 0.2]]] }];
    const summary = await ingestThroughGraphQL(running, 'eyetracking', [{ name: 'wrong.json', bytes: new TextEncoder().encode(JSON.stringify(wrongSize)) }], { onDuplicate: 'REPLACE' });
    expect(summary.failures).toEqual([{ file: 'wrong.json', reason: "image 'lab-b' is 64×64 in this file but registered as 48×36" }]);
  });
});
