import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deserializeChi, serializeChi, buildChi, sameConfig } from '../../engine/index.js';
import { getMaskIndexRows, updateMaskChi } from '../../db/repositories/masks.js';
import { bruteFilter, cpValues } from '../support/brute-force.js';
import { CHI, seedStore, startService } from './service-fixture.js';
import type { RunningService, Seeded } from './service-fixture.js';

/** The one-level "CHI1" layout the first version stored: header, then G8·B16 counts (their values do not matter here). */
function chi1Bytes(width: number, height: number): Uint8Array {
  const countBytes = width * height <= 0xff ? 1 : width * height <= 0xffff ? 2 : 4;
  const bytes = new Uint8Array(16 + 8 * 8 * 15 * countBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x31494843, true);
  view.setUint32(4, width, true);
  view.setUint32(8, height, true);
  view.setUint8(12, 7);
  view.setUint8(13, 4);
  view.setUint8(14, countBytes);
  return bytes;
}

describe('a store written with the one-level CHI format', () => {
  let running: RunningService;
  let seeded: Seeded;

  beforeAll(async () => {
    running = await startService(async (store) => {
      seeded = await seedStore(store, 24, 3);
      // As the first version left it: every stored CHI in the old format.
      for (const m of seeded.masks) await updateMaskChi(store.db, m.id, chi1Bytes(m.mask.width, m.mask.height));
    });
  });
  afterAll(() => running.stop());

  it('opens with those masks unindexed, answers exactly by verifying them, and indexes them as they are loaded', async () => {
    const { table } = running.service;
    expect(seeded.masks.every((m) => !table.isIndexed(table.slotOf(m.id)))).toBe(true);
    const q = { roi: { kind: 'full' as const }, range: { gt: 0.4 }, normalize: 'ROI_FRACTION' as const };
    const res = await running.gql<{ filterByCP: { totalCount: number; matches: { nodes: { value: number }[] }; stats: { verified: number; prunedByIndex: number; acceptedByIndex: number } } }>(
      `{ filterByCP(roi: { full: true }, range: { gt: 0.4 }, normalize: ROI_FRACTION, op: GT, threshold: 0.1, first: 1000) { totalCount matches { nodes { value } } stats { verified prunedByIndex acceptedByIndex } } }`,
    );
    expect(res.errors).toBeUndefined();
    const expected = bruteFilter(cpValues(seeded.masks, seeded.images, q), 'GT', 0.1);
    expect(res.data!.filterByCP.totalCount).toBe(expected.length);
    expect(res.data!.filterByCP.matches.nodes.map((n) => n.value)).toEqual(expected.map((e) => e.value));
    // Nothing was decided by an index it could not read: every mask was loaded (matches again for their values).
    expect(res.data!.filterByCP.stats).toMatchObject({ prunedByIndex: 0, acceptedByIndex: 0 });
    expect(res.data!.filterByCP.stats.verified).toBeGreaterThanOrEqual(seeded.masks.length);
    // Loading indexed every mask in memory and stored its CHI in the current format.
    expect(seeded.masks.every((m) => table.isIndexed(table.slotOf(m.id)))).toBe(true);
    await running.service.close();
    const rows = await getMaskIndexRows(running.store.db, seeded.masks.map((m) => m.id));
    for (const row of rows) {
      const chi = deserializeChi(row.chi!);
      expect(sameConfig(chi, CHI)).toBe(true);
      const mask = seeded.masks.find((m) => m.id === row.id)!.mask;
      expect(row.chi).toEqual(serializeChi(buildChi(mask, CHI)));
    }
    await running.restart();
    expect(seeded.masks.every((m) => running.service.table.isIndexed(running.service.table.slotOf(m.id)))).toBe(true);
  });
});
