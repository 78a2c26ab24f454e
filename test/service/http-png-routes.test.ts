import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { decode, encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertImages } from '../../db/repositories/images.js';
import { insertMasks } from '../../db/repositories/masks.js';
import { COLORMAPS } from '../../service/colormaps.js';
import { createHttpServer } from '../../service/http.js';
import { ImageRoots } from '../../ingest/image-roots.js';
import { startService, type RunningService } from './service-fixture.js';

/** An 8×6 RGB image whose pixel (x, y) is (10x, 20y, 7). */
const IMAGE = { width: 8, height: 6 };
const imagePixels = Uint8Array.from({ length: IMAGE.width * IMAGE.height * 3 }, (_, i) => {
  const pixel = Math.floor(i / 3);
  return [10 * (pixel % IMAGE.width), 20 * Math.floor(pixel / IMAGE.width), 7][i % 3];
});

describe('PNG routes', () => {
  let running: RunningService;
  let dir: string;
  let url: string;
  let close: () => Promise<void>;
  const maskIds: Record<string, number> = {};
  let imageFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-png-'));
    imageFile = join(dir, 'photo.png');
    await writeFile(imageFile, encode({ ...IMAGE, data: imagePixels, channels: 3, depth: 8 }));
    await writeFile(join(dir, 'notes.txt'), 'not a picture');
    running = await startService(async (store) => {
      const [photo, plain, text, other, large] = await upsertImages(store.db, [
        { key: 'photo/1', ...IMAGE, uri: pathToFileURL(imageFile).href },
        { key: 'plain', width: 6, height: 4 },
        { key: 'text', width: 4, height: 4, uri: join(dir, 'notes.txt') },
        { key: 'other', width: 4, height: 4 },
        { key: 'large', width: 400, height: 300 },
      ]);
      // A 4×3 mask at 200/255 everywhere: upsampled, every pixel keeps that level.
      const flat = (width: number, height: number) => ({ width, height, encoding: 'u8' as const, data: new Uint8Array(width * height).fill(200) });
      const inserted = await insertMasks(store.db, [
        { imageId: photo, maskType: 'saliency', source: 'test', mask: flat(4, 3) },
        { imageId: plain, maskType: 'saliency', source: 'test', mask: flat(3, 2) },
        { imageId: text, maskType: 'saliency', source: 'test', mask: flat(2, 2) },
        { imageId: other, maskType: 'saliency', source: 'test', mask: flat(2, 2) },
        // Past the inline limit: drawn in the renderer's worker thread.
        { imageId: large, maskType: 'saliency', source: 'test', mask: { width: 400, height: 300, encoding: 'u8' as const, data: Uint8Array.from({ length: 120_000 }, (_, i) => i % 251) } },
      ]);
      ['photo', 'plain', 'text', 'other', 'large'].forEach((name, i) => (maskIds[name] = inserted[i].id));
    });
    const server = createHttpServer(running.service, { imageRoots: new ImageRoots([dir]) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    await close?.();
    await running?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const png = async (response: Response) => decode(new Uint8Array(await response.arrayBuffer()));
  const turbo200 = Array.from(COLORMAPS.turbo.subarray(600, 603));

  it('serves an image\'s own PNG file, revalidated by ETag', async () => {
    const response = await fetch(`${url}/images/${encodeURIComponent('photo/1')}.png`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const etag = response.headers.get('etag')!;
    expect(Array.from((await png(response)).data)).toEqual(Array.from(imagePixels));
    const again = await fetch(`${url}/images/${encodeURIComponent('photo/1')}.png`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('says 404 for an image without a readable PNG file, and for an unknown key', async () => {
    for (const key of ['plain', 'text', 'nobody']) {
      const response = await fetch(`${url}/images/${key}.png`);
      expect(response.status, key).toBe(404);
    }
    expect(await (await fetch(`${url}/images/text.png`)).text()).toBe("image 'text' has no PNG file this service serves");
  });

  it('blends a mask over its image at the image\'s size', async () => {
    const opaque = await png(await fetch(`${url}/images/${encodeURIComponent('photo/1')}/overlay.png?mask=${maskIds.photo}&opacity=1`));
    expect([opaque.width, opaque.height, opaque.channels]).toEqual([IMAGE.width, IMAGE.height, 3]);
    expect(Array.from(opaque.data.subarray(0, 3))).toEqual(turbo200);
    expect(Array.from(opaque.data.subarray(-3))).toEqual(turbo200);
    const clear = await png(await fetch(`${url}/images/${encodeURIComponent('photo/1')}/overlay.png?mask=${maskIds.photo}&opacity=0`));
    expect(Array.from(clear.data)).toEqual(Array.from(imagePixels));
    const half = await png(await fetch(`${url}/images/${encodeURIComponent('photo/1')}/overlay.png?mask=${encodeGlobalID('Mask', maskIds.photo)}&colormap=gray`));
    expect(Array.from(half.data.subarray(0, 3))).toEqual([100, 100, 104]);
  });

  it('draws the overlay on mid-gray, at the registered size, when the image has no PNG file', async () => {
    for (const [key, size] of [['plain', [6, 4]], ['text', [4, 4]]] as const) {
      const overlay = await png(await fetch(`${url}/images/${key}/overlay.png?mask=${maskIds[key]}&opacity=0`));
      expect([overlay.width, overlay.height], key).toEqual(size);
      expect(new Set(overlay.data), key).toEqual(new Set([128]));
    }
  });

  it('revalidates overlays by an ETag that follows the image file', async () => {
    const path = `${url}/images/${encodeURIComponent('photo/1')}/overlay.png?mask=${maskIds.photo}`;
    const first = await fetch(path);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const etag = first.headers.get('etag')!;
    expect((await fetch(path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${path}&opacity=0.7`, { headers: { 'if-none-match': etag } })).status).toBe(200);
    const later = new Date(Date.now() + 5000);
    await utimes(imageFile, later, later);
    const changed = await fetch(path, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('rejects bad parameters with a message saying which', async () => {
    const cases: [string, number, RegExp][] = [
      [`/images/plain/overlay.png`, 400, /^mask is missing/],
      [`/images/plain/overlay.png?mask=abc`, 400, /^mask: 'abc' is not a mask id/],
      [`/images/plain/overlay.png?mask=${encodeGlobalID('Image', 1)}`, 400, /is not a mask id/],
      [`/images/plain/overlay.png?mask=${maskIds.other}`, 404, /^image 'plain' has no mask \d+/],
      [`/images/plain/overlay.png?mask=${maskIds.plain}&opacity=2`, 400, /^opacity must be a number from 0 to 1, got '2'/],
      [`/images/plain/overlay.png?mask=${maskIds.plain}&colormap=jet`, 400, /^colormap must be one of gray, viridis, turbo, got 'jet'/],
      [`/masks/${maskIds.plain}.png?colormap=constructor`, 400, /^colormap must be one of/],
      [`/images/nobody/overlay.png?mask=${maskIds.plain}`, 404, /^image 'nobody' does not exist/],
      [`/images/%E0%A4%A.png`, 400, /^malformed URL/],
    ];
    for (const [path, status, message] of cases) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(status);
      expect(await response.text(), path).toMatch(message);
    }
  });

  it('draws large masks and overlays in a worker thread, pixel for pixel the same', async () => {
    const gray = await png(await fetch(`${url}/masks/${maskIds.large}.png`));
    expect([gray.width, gray.height, gray.channels]).toEqual([400, 300, 1]);
    expect(Array.from(gray.data).every((v, i) => v === i % 251)).toBe(true);
    const turbo = await png(await fetch(`${url}/masks/${maskIds.large}.png?colormap=turbo`));
    expect(Array.from(turbo.data.subarray(3 * 250, 3 * 251))).toEqual(Array.from(COLORMAPS.turbo.subarray(3 * 250, 3 * 251)));
    const overlay = await png(await fetch(`${url}/images/large/overlay.png?mask=${maskIds.large}&opacity=1`));
    expect([overlay.width, overlay.height]).toEqual([400, 300]);
    expect(Array.from(overlay.data.subarray(0, 3))).toEqual(Array.from(COLORMAPS.turbo.subarray(0, 3)));
  });

  it('keeps serving masks as PNG, immutable by id', async () => {
    const response = await fetch(`${url}/masks/${maskIds.photo}.png?colormap=turbo`);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const mask = await png(response);
    expect([mask.width, mask.height]).toEqual([4, 3]);
    expect(Array.from(mask.data.subarray(0, 3))).toEqual(turbo200);
  });
});
