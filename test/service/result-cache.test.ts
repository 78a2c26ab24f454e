import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChi, serializeChi } from '../../engine/index.js';
import { upsertImages } from '../../db/repositories/images.js';
import { deleteMasks, insertMasks } from '../../db/repositories/masks.js';
import { cursorOf } from '../../resolvers/pagination.js';
import { blobMask } from '../db/mask-fixtures.js';
import type { RunningService, Seeded } from './service-fixture.js';
import { CHI, seedStore, startService } from './service-fixture.js';

let running: RunningService;
let seeded: Seeded;

beforeAll(async () => {
  running = await startService(async (store) => {
    seeded = await seedStore(store);
  });
});
afterAll(() => running.stop());

interface Stats {
  verified: number;
  candidates: number;
  prunedByIndex: number;
  acceptedByIndex: number;
  reusedResult: boolean;
}
interface Connection {
  edges: { cursor: string; node: { mask?: { id: string }; image?: { key: string }; value: number } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

// Human-attention masks all have a stored CHI: a mask without one gets it built (and stored) when
// first verified, which would make a second service verify less.
const FILTER = `query($first: Int, $after: String, $threshold: Float!) {
  filterByCP(where: { maskTypes: ["human-attention"] }, roi: { box: { x: 3, y: 2, width: 13, height: 11 } }, range: { gt: 0.33, lte: 0.61 }, normalize: ROI_FRACTION, op: GT, threshold: $threshold, first: $first, after: $after) {
    totalCount
    matches { edges { cursor node { mask { id } value } } pageInfo { hasNextPage endCursor } }
    stats { verified candidates prunedByIndex acceptedByIndex reusedResult }
  }
}`;
const AGGREGATE = `query($first: Int, $after: String) {
  aggregateMasks(where: { maskTypes: ["human-attention"] }, op: UNION, threshold: 0.37, roi: { box: { x: 3, y: 2, width: 13, height: 11 } }, measure: COUNT, having: { op: GT, value: 20 }, first: $first, after: $after) {
    totalCount
    groups { edges { cursor node { image { key } value } } pageInfo { hasNextPage endCursor } }
    stats { verified candidates prunedByIndex acceptedByIndex reusedResult }
  }
}`;

type Filter = { filterByCP: { totalCount: number; matches: Connection; stats: Stats } };

async function filterPage(variables: Record<string, unknown>) {
  const res = await running.gql<Filter>(FILTER, { threshold: 0.1, ...variables });
  expect(res.errors).toBeUndefined();
  return res.data!.filterByCP;
}

async function filterPages(first: number, threshold = 0.1) {
  const pages: Filter['filterByCP'][] = [];
  let after: string | null = null;
  do {
    const page = await filterPage({ first, after, threshold });
    pages.push(page);
    after = page.matches.pageInfo.hasNextPage ? page.matches.pageInfo.endCursor : null;
  } while (after);
  return pages;
}

const matchesOf = (pages: { matches: Connection }[]) => pages.flatMap((p) => p.matches.edges.map((e) => [e.node.mask!.id, e.node.value]));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('later pages reuse the first page’s result', () => {
  it('loads no mask twice over all pages: as many as one request for everything, after a restart', async () => {
    const pages = await filterPages(4);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0].stats.verified).toBeGreaterThan(4);
    expect(pages.map((p) => p.stats.reusedResult)).toEqual([false, ...Array(pages.length - 1).fill(true)]);
    // totalCount and what the bounds decided come from the same result on every page.
    expect(new Set(pages.map((p) => p.totalCount)).size).toBe(1);
    expect(new Set(pages.map((p) => `${p.stats.candidates}/${p.stats.prunedByIndex}/${p.stats.acceptedByIndex}`)).size).toBe(1);
    for (const page of pages.slice(1)) expect(page.stats.verified).toBeLessThanOrEqual(4);
    // A page asked for again has every value known already.
    const again = await filterPage({ first: 4, after: pages[0].matches.pageInfo.endCursor });
    expect(again.stats).toMatchObject({ reusedResult: true, verified: 0 });
    expect(again.matches).toEqual(pages[1].matches);

    await running.restart();
    const [whole] = await filterPages(10_000);
    expect(whole.stats.reusedResult).toBe(false);
    expect(sum(pages.map((p) => p.stats.verified))).toBe(whole.stats.verified);
    expect(matchesOf(pages)).toEqual(matchesOf([whole]));
    expect(whole.totalCount).toBe(pages[0].totalCount);
  });

  it('pages aggregation the same way', async () => {
    type Aggregate = { aggregateMasks: { totalCount: number; groups: Connection; stats: Stats } };
    const run = async (first: number) => {
      const pages: Aggregate['aggregateMasks'][] = [];
      let after: string | null = null;
      do {
        const res: { data?: Aggregate; errors?: unknown } = await running.gql<Aggregate>(AGGREGATE, { first, after });
        expect(res.errors).toBeUndefined();
        pages.push(res.data!.aggregateMasks);
        after = res.data!.aggregateMasks.groups.pageInfo.hasNextPage ? res.data!.aggregateMasks.groups.pageInfo.endCursor : null;
      } while (after);
      return pages;
    };
    const pages = await run(3);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[0].stats.verified).toBeGreaterThan(0);
    expect(pages.map((p) => p.stats.reusedResult)).toEqual([false, ...Array(pages.length - 1).fill(true)]);
    await running.restart();
    const [whole] = await run(10_000);
    expect(sum(pages.map((p) => p.stats.verified))).toBe(whole.stats.verified);
    expect(pages.flatMap((p) => p.groups.edges.map((e) => [e.node.image!.key, e.node.value]))).toEqual(whole.groups.edges.map((e) => [e.node.image!.key, e.node.value]));
  });

  it('takes the cursors of earlier versions, and refuses a cursor of another query', async () => {
    const [first] = await filterPages(4);
    const lastKey = Number(decodeGlobalID(first.matches.edges[3].node.mask!.id).id);
    const plain = await filterPage({ first: 4, after: cursorOf(lastKey) });
    expect(plain.matches.edges.map((e) => e.node.mask!.id)).toEqual((await filterPage({ first: 4, after: first.matches.pageInfo.endCursor })).matches.edges.map((e) => e.node.mask!.id));
    const res = await running.gql(FILTER, { threshold: 0.3, first: 4, after: first.matches.pageInfo.endCursor });
    expect(res.errors?.[0]).toMatchObject({ message: expect.stringMatching(/is a cursor of another query/), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('a cached result is dropped when the masks it covers change', () => {
  const reusedNow = async () => (await filterPage({ first: 4 })).stats.reusedResult;

  it('by an inserted mask its where selects, by a deleted candidate, not by other masks', async () => {
    await filterPage({ first: 4 });
    expect(await reusedNow()).toBe(true);

    // A saliency mask is not among the candidates: the result stands.
    const image = [...seeded.images.values()].find((i) => i.width === 24)!;
    const mask = blobMask(24, 24, 99);
    const [saliency] = await insertMasks(running.store.db, [
      { imageId: image.id, modelId: null, maskType: 'saliency-extra', source: 'test', mask, chi: serializeChi(buildChi(mask, CHI)) },
    ]);
    await running.service.catchUp();
    expect(await reusedNow()).toBe(true);

    const [human] = await insertMasks(running.store.db, [
      { imageId: image.id, modelId: null, maskType: 'human-attention', source: 'test', mask, chi: serializeChi(buildChi(mask, CHI)), metadata: {} },
    ], { onConflict: 'replace' });
    await running.service.catchUp();
    const after = await filterPage({ first: 4 });
    expect(after.stats.reusedResult).toBe(false);
    expect(await reusedNow()).toBe(true);

    await deleteMasks(running.store.db, [human.id]);
    await running.service.catchUp();
    expect((await filterPage({ first: 4 })).stats.reusedResult).toBe(false);
    await deleteMasks(running.store.db, [saliency.id]);
    await running.service.catchUp();
  });

  it('by a changed image when the query depends on images, not otherwise', async () => {
    const byLabel = `query($after: String) {
      filterByCP(where: { imageLabels: ["cat"] }, roi: { full: true }, range: { gt: 0.2 }, op: GT, threshold: 3, first: 4, after: $after) {
        totalCount stats { reusedResult }
      }
    }`;
    type ByLabel = { filterByCP: { totalCount: number; stats: { reusedResult: boolean } } };
    await running.gql(byLabel);
    await filterPage({ first: 4 });
    const image = [...seeded.images.values()].find((i) => i.label === 'cat')!;
    await upsertImages(running.store.db, [{ key: image.key, width: image.width, height: image.height, label: 'lion', split: image.split, boxes: image.boxes }]);
    await running.service.catchUp();
    const relabelled = await running.gql<ByLabel>(byLabel);
    expect(relabelled.data!.filterByCP.stats.reusedResult).toBe(false);
    expect(await reusedNow()).toBe(true);
    await upsertImages(running.store.db, [{ key: image.key, width: image.width, height: image.height, label: 'cat', split: image.split, boxes: image.boxes }]);
    await running.service.catchUp();
  });

  it('never for useIndex: false, which does its work every time', async () => {
    const scan = `{ filterByCP(roi: { full: true }, range: { gt: 0.2 }, op: GT, threshold: 3, first: 2, useIndex: false) { stats { reusedResult verified candidates } } }`;
    type Scan = { filterByCP: { stats: { reusedResult: boolean; verified: number; candidates: number } } };
    for (let i = 0; i < 2; i++) {
      const res = await running.gql<Scan>(scan);
      expect(res.data!.filterByCP.stats).toMatchObject({ reusedResult: false });
      expect(res.data!.filterByCP.stats.verified).toBe(res.data!.filterByCP.stats.candidates);
    }
  });
});

describe('the canonical query', () => {
  it('is the same for lists in another order, with repeats', async () => {
    const ids = seeded.masks.filter((m) => m.maskType === 'human-attention').slice(0, 6).map((m) => m.id);
    const query = `query($ids: [ID!]) { filterByCP(where: { ids: $ids }, roi: { full: true }, range: { gt: 0.1 }, op: GT, threshold: 1, first: 2) { totalCount stats { reusedResult } } }`;
    type Q = { filterByCP: { totalCount: number; stats: { reusedResult: boolean } } };
    const a = await running.gql<Q>(query, { ids: ids.map((id) => encodeGlobalID('Mask', id)) });
    const b = await running.gql<Q>(query, { ids: [...ids, ids[0]].reverse().map((id) => encodeGlobalID('Mask', id)) });
    expect(a.data!.filterByCP.stats.reusedResult).toBe(false);
    expect(b.data!.filterByCP).toEqual({ totalCount: a.data!.filterByCP.totalCount, stats: { reusedResult: true } });
  });
});
