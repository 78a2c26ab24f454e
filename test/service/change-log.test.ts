import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertImages } from '../../db/repositories/images.js';
import { insertMasks } from '../../db/repositories/masks.js';
import { testDriver } from '../db/fresh-store.js';
import { blobMask } from '../db/mask-fixtures.js';
import type { RunningService, Seeded } from './service-fixture.js';
import { seedStore, startService } from './service-fixture.js';

let running: RunningService;
let seeded: Seeded;

beforeAll(async () => {
  running = await startService(async (store) => {
    seeded = await seedStore(store, 6, 3);
  });
});
afterAll(() => running?.stop());

const localId = (id: string) => Number(decodeGlobalID(id).id);

type Masks = { masks: { nodes: { id: string; cp: number | null }[] } };
const BY_LABEL = `query($labels: [String!]) {
  masks(where: { imageLabels: $labels }) { nodes { id cp(roi: { imageBox: "object" }, range: { gte: 0 }) } }
}`;

describe(`the service follows image changes written outside it, on ${testDriver}`, () => {
  it('applies an image change and the mask inserts that follow it in one batch', async () => {
    const [imageId, image] = [...seeded.images].find(([, i]) => i.width === 24)!;
    const before = seeded.masks.filter((m) => m.imageId === imageId).map((m) => m.id);
    // Written with the store handle, as another process would (no GraphQL mutation, no putImages).
    await upsertImages(running.store.db, [{ key: image.key, width: 24, height: 24, label: 'relabelled', boxes: { object: [0, 0, 10, 5] } }]);
    const [added] = await insertMasks(running.store.db, [{ imageId, maskType: 'late', source: 'test', mask: blobMask(24, 24, 99) }]);
    const [lateImage] = await upsertImages(running.store.db, [{ key: 'late-image', width: 12, height: 12, label: 'relabelled', boxes: { object: [0, 0, 2, 3] } }]);
    const [lateMask] = await insertMasks(running.store.db, [{ imageId: lateImage, maskType: 'late', source: 'test', mask: blobMask(12, 12, 7) }]);
    await running.service.catchUp();

    const res = await running.gql<Masks>(BY_LABEL, { labels: ['relabelled'] });
    expect(res.errors).toBeUndefined();
    expect(res.data!.masks.nodes.map((n) => [localId(n.id), n.cp])).toEqual([
      ...[...before, added.id].sort((a, b) => a - b).map((id) => [id, 50]),
      [lateMask.id, 6],
    ]);
    const old = await running.gql<Masks>(BY_LABEL, { labels: [image.label] });
    expect(old.data!.masks.nodes.map((n) => localId(n.id))).not.toContain(added.id);
    expect(old.data!.masks.nodes.map((n) => localId(n.id))).not.toContain(before[0]);
  });
});
