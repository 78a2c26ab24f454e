import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSourceRegistry } from '../../plugins/config.js';
import { encodeNpy } from '../../plugins/kit/npy.js';
import { startService, type RunningService } from '../service/service-fixture.js';

/** A valid 2×2 PNG whose header then claims another size: the declared size is what must be refused, before decoding. */
function pngClaiming(width: number, height: number): Uint8Array {
  const png = encode({ width: 2, height: 2, depth: 8, channels: 1, data: new Uint8Array(4) });
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return png;
}

const INGEST = (source: string) => `mutation ($files: [Upload!]!) { ingestMasks(source: "${source}", files: $files) { ingestedFiles failures { file reason } } }`;
type Summary = { ingestMasks: { ingestedFiles: number; failures: { file: string; reason: string }[] } };

describe('sizes a file declares are checked against the limit before anything is allocated', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startService(undefined, undefined, { sources: await loadSourceRegistry(), ingestWorkers: 0 }, { maxPixels: 100 * 100 });
  });
  afterAll(() => running?.stop());

  it('refuses a PNG whose header declares 40000×40000, naming the file and the limit', async () => {
    for (const source of ['segmentation', 'gradcam', 'eyetracking']) {
      const res = await running.upload<Summary>(INGEST(source), {}, [{ name: 'huge.png', bytes: pngClaiming(40_000, 40_000) }]);
      expect(res.errors, source).toBeUndefined();
      expect(res.data!.ingestMasks.failures, source).toEqual([
        { file: 'huge.png', reason: expect.stringContaining('its PNG header says the image is 40000×40000 = 1600000000 pixels, more than the limit of 10000') },
      ]);
    }
  });

  it('refuses a COCO file whose images declare a 900-megapixel size', async () => {
    const coco = { images: [{ id: 1, file_name: 'a.jpg', width: 30_000, height: 30_000 }], annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: [[0, 0, 10, 0, 10, 10]] }], categories: [{ id: 1, name: 'cat' }] };
    const bytes = new TextEncoder().encode(JSON.stringify(coco));
    expect(bytes.length).toBeLessThan(300);
    const res = await running.upload<Summary>(INGEST('segmentation'), {}, [{ name: 'instances.json', bytes }]);
    expect(res.data!.ingestMasks.failures).toEqual([{ file: 'instances.json', reason: expect.stringContaining('images[0] (id 1) has a size that is 30000×30000 = 900000000 pixels, more than the limit of 10000') }]);
  });

  it('refuses an array whose masks are larger than the limit, and keeps masks within it', async () => {
    const npy = (side: number) => encodeNpy({ descr: '<f4', shape: [side, side], data: new Uint8Array(side * side * 4) });
    const res = await running.upload<Summary>(INGEST('gradcam'), {}, [
      { name: 'big.npy', bytes: npy(101) },
      { name: 'fine.npy', bytes: npy(100) },
    ]);
    expect(res.data!.ingestMasks.ingestedFiles).toBe(1);
    expect(res.data!.ingestMasks.failures).toEqual([{ file: 'big.npy', reason: expect.stringContaining('each mask of shape (101, 101) is 101×101 = 10201 pixels, more than the limit of 10000') }]);
  });
});
