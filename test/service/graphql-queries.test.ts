import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cursorOf } from '../../resolvers/pagination.js';
import { seededRandom } from '../db/mask-fixtures.js';
import type { AggCase, CpCase, RefRoi } from '../support/brute-force.js';
import { aggregateValues, bruteFilter, bruteTopK, cpValues, memberAggregateValues } from '../support/brute-force.js';
import type { RunningService, Seeded } from './service-fixture.js';
import { seedStore, startService } from './service-fixture.js';

let running: RunningService;
let seeded: Seeded;

beforeAll(async () => {
  running = await startService(async (store) => {
    seeded = await seedStore(store);
  });
});
afterAll(() => running?.stop());

const localId = (id: string) => Number(decodeGlobalID(id).id);

interface Where {
  modelNames?: string[];
  maskTypes?: string[];
  imageLabels?: string[];
  imageSplits?: string[];
}

function candidatesFor(where: Where | undefined) {
  return seeded.masks.filter((m) => {
    const image = seeded.images.get(m.imageId)!;
    return (
      (!where?.modelNames || (m.modelName !== null && where.modelNames.includes(m.modelName))) &&
      (!where?.maskTypes || where.maskTypes.includes(m.maskType)) &&
      (!where?.imageLabels || where.imageLabels.includes(image.label)) &&
      (!where?.imageSplits || where.imageSplits.includes(image.split))
    );
  });
}

const roiArg = (roi: RefRoi) => (roi.kind === 'full' ? { full: true } : roi.kind === 'box' ? { box: { x: roi.x, y: roi.y, width: roi.width, height: roi.height } } : { imageBox: roi.name });

/** Seeded random query cases over every argument kind. */
function cases(n: number, seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  return Array.from({ length: n }, () => {
    const roi: RefRoi = pick([
      { kind: 'full' as const },
      { kind: 'imageBox' as const, name: 'object' },
      { kind: 'box' as const, x: Math.floor(random() * 20) - 3, y: Math.floor(random() * 20) - 3, width: Math.floor(random() * 20), height: Math.floor(random() * 20) },
    ]);
    // Up to 0.9: a range {gt: 1, lte: 1} is empty, which the API rejects (tested with bad inputs).
    const lo = Math.round(random() * 9) / 10;
    const range = pick([{ gt: lo, lte: 1 }, { gte: lo }, { lt: lo + 0.05 }, { gt: lo / 2, lt: lo / 2 + 0.3 }]);
    const where: Where | undefined = pick([undefined, { modelNames: ['resnet50'] }, { maskTypes: ['saliency'] }, { imageLabels: ['cat', 'bird'], imageSplits: ['train'] }]);
    const normalize = pick(['COUNT', 'ROI_FRACTION'] as const);
    return { roi, range, where, normalize };
  });
}

const STATS = 'stats { candidates skipped prunedByIndex acceptedByIndex verified elapsedMs usedIndex }';

describe('filterByCP over HTTP equals brute force over the stored masks', () => {
  it.each(cases(24, 11).map((c, i) => [i, c] as const))('case %i', async (_, c) => {
    const threshold = c.normalize === 'COUNT' ? 40 : 0.3;
    const op = 'GT';
    const res = await running.gql<{ filterByCP: { totalCount: number; matches: { edges: { node: { mask: { id: string }; value: number } }[] }; stats: { candidates: number } } }>(
      `query($where: MaskWhere, $roi: MaskSearchRoiInput!, $range: MaskSearchValueRangeInput!, $normalize: MaskSearchNormalize, $threshold: Float!) {
        filterByCP(where: $where, roi: $roi, range: $range, normalize: $normalize, op: GT, threshold: $threshold, first: 10000) {
          totalCount matches { edges { node { mask { id } value } } } ${STATS}
        }
      }`,
      { where: c.where, roi: roiArg(c.roi), range: c.range, normalize: c.normalize, threshold },
    );
    expect(res.errors).toBeUndefined();
    const expected = bruteFilter(cpValues(candidatesFor(c.where), seeded.images, c as CpCase), op, threshold);
    const got = res.data!.filterByCP;
    expect(got.matches.edges.map((e) => [localId(e.node.mask.id), e.node.value])).toEqual(expected.map((e) => [e.id, e.value]));
    expect(got.totalCount).toBe(expected.length);
    expect(got.stats.candidates).toBe(candidatesFor(c.where).length);
  });
});

describe('topKByCP over HTTP equals brute force, with and without the index', () => {
  it.each(cases(16, 12).map((c, i) => [i, c] as const))('case %i', async (_, c) => {
    const k = 1 + (_ % 9) * 3;
    const order = _ % 2 ? 'ASC' : 'DESC';
    const expected = bruteTopK(cpValues(candidatesFor(c.where), seeded.images, c as CpCase), k, order);
    for (const useIndex of [true, false]) {
      const res = await running.gql<{ topKByCP: { items: { nodes: { rank: number; mask: { id: string }; value: number }[] }; stats: { verified: number; usedIndex: boolean } } }>(
        `query($where: MaskWhere, $roi: MaskSearchRoiInput!, $range: MaskSearchValueRangeInput!, $normalize: MaskSearchNormalize, $k: Int!, $order: MaskSearchOrder, $useIndex: Boolean) {
          topKByCP(where: $where, roi: $roi, range: $range, normalize: $normalize, k: $k, order: $order, useIndex: $useIndex) {
            items { nodes { rank mask { id } value } } ${STATS}
          }
        }`,
        { where: c.where, roi: roiArg(c.roi), range: c.range, normalize: c.normalize, k, order, useIndex },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.topKByCP.items.nodes.map((i) => [i.rank, localId(i.mask.id), i.value])).toEqual(expected.map((e, r) => [r + 1, e.id, e.value]));
      expect(res.data!.topKByCP.stats.usedIndex).toBe(useIndex);
    }
  });
});

describe('aggregateMasks over HTTP equals brute force', () => {
  const aggCases: (AggCase & { having?: { op: 'LT' | 'GTE'; value: number }; k?: number; order?: 'ASC' | 'DESC' })[] = [
    { op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'IOU', k: 5, order: 'ASC' },
    { op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'IOU', having: { op: 'LT', value: 0.2 } },
    { op: 'UNION', threshold: 0.3, roi: { kind: 'imageBox', name: 'object' }, measure: 'ROI_FRACTION', k: 7, order: 'DESC' },
    { op: 'INTERSECT', threshold: 0.7, roi: { kind: 'box', x: 2, y: 2, width: 10, height: 9 }, measure: 'COUNT', having: { op: 'GTE', value: 3 } },
  ];
  it.each(aggCases.map((c, i) => [i, c] as const))('case %i', async (_, c) => {
    const res = await running.gql<{ aggregateMasks: { totalCount: number; groups: { edges: { node: { rank: number | null; image: { key: string }; masks: { id: string }[]; value: number } }[] } } }>(
      `query($op: MaskSearchAggregateOp, $threshold: Float!, $roi: MaskSearchRoiInput, $measure: MaskSearchAggregateMeasure, $k: Int, $order: MaskSearchOrder, $having: MaskSearchHavingInput) {
        aggregateMasks(op: $op, threshold: $threshold, roi: $roi, measure: $measure, k: $k, order: $order, having: $having) {
          totalCount groups { edges { node { rank image { key } masks { id } value } } } ${STATS}
        }
      }`,
      { op: c.op, threshold: c.threshold, roi: roiArg(c.roi), measure: c.measure, k: c.k, order: c.order, having: c.having },
    );
    expect(res.errors).toBeUndefined();
    const all = aggregateValues(seeded.masks, seeded.images, c);
    const expected = c.k ? bruteTopK(all, c.k, c.order!) : bruteFilter(all, c.having!.op, c.having!.value);
    const got = res.data!.aggregateMasks.groups.edges.map((e) => e.node);
    expect(got.map((g) => [g.image.key, g.masks.map((m) => localId(m.id)).sort((a, b) => a - b), g.value])).toEqual(
      (expected as { id: number; members: number[]; value: number }[]).map((e) => [seeded.images.get(e.id)!.key, e.members, e.value]),
    );
  });
});

describe('aggregateMasks with member selectors', () => {
  it("intersects one model's saliency with the human attention map, each at its own threshold, and counts images lacking a member", async () => {
    const res = await running.gql<{ aggregateMasks: { groups: { edges: { node: { image: { key: string }; masks: { id: string }[]; value: number } }[] }; stats: { skipped: number } } }>(
      `{ aggregateMasks(
          members: [{ where: { modelNames: ["resnet50"] } }, { where: { maskTypes: ["human-attention"] }, threshold: 0.3 }],
          threshold: 0.5, measure: IOU, k: 1000, order: ASC
        ) { groups { edges { node { image { key } masks { id } value } } } stats { skipped } } }`,
    );
    expect(res.errors).toBeUndefined();
    const resnet = seeded.masks.filter((m) => m.modelName === 'resnet50').map((m) => m.id);
    const human = seeded.masks.filter((m) => m.maskType === 'human-attention').map((m) => m.id);
    const q: AggCase = { op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'IOU' };
    const expected = bruteTopK(memberAggregateValues(seeded.masks, seeded.images, q, [{ ids: resnet }, { ids: human, threshold: 0.3 }]), 1000, 'ASC');
    expect(expected.length).toBeGreaterThan(3);
    const got = res.data!.aggregateMasks.groups.edges.map((e) => e.node);
    expect(got.map((g) => [g.image.key, g.masks.map((m) => localId(m.id)).sort((a, b) => a - b), g.value])).toEqual(
      expected.map((e) => [seeded.images.get(e.id)!.key, e.members, e.value]),
    );
    // Images with a resnet50 mask but no human one, and human masks of vit-b16 images, are skipped.
    expect(res.data!.aggregateMasks.stats.skipped).toBeGreaterThan(0);
  });
});

describe('pagination and single-mask fields', () => {
  it('pages through filter matches stably, in mask id order', async () => {
    const query = `query($after: String) {
      filterByCP(roi: { full: true }, range: { gt: 0.2 }, normalize: ROI_FRACTION, op: GT, threshold: 0.1, first: 7, after: $after) {
        totalCount matches { edges { cursor node { mask { id } value } } pageInfo { hasNextPage endCursor } }
      }
    }`;
    type Page = { filterByCP: { totalCount: number; matches: { edges: { node: { mask: { id: string } } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };
    const seen: number[] = [];
    let after: string | null = null;
    let total = 0;
    for (let pages = 0; pages < 100; pages++) {
      const res: { data?: Page } = await running.gql<Page>(query, { after });
      const r: Page['filterByCP'] = res.data!.filterByCP;
      total = r.totalCount;
      seen.push(...r.matches.edges.map((e) => localId(e.node.mask.id)));
      if (!r.matches.pageInfo.hasNextPage) break;
      after = r.matches.pageInfo.endCursor;
    }
    expect(seen.length).toBe(total);
    const last: { data?: Page } = await running.gql<Page>(query.replace('pageInfo { hasNextPage endCursor }', 'pageInfo { hasNextPage endCursor hasPreviousPage startCursor }'), { after });
    expect(last.data!.filterByCP.matches.pageInfo).toMatchObject({ hasPreviousPage: after !== null });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    const expected = bruteFilter(cpValues(seeded.masks, seeded.images, { roi: { kind: 'full' }, range: { gt: 0.2 }, normalize: 'ROI_FRACTION' }), 'GT', 0.1);
    expect(seen).toEqual(expected.map((e) => e.id));
  });

  it('answers Mask.cp and Mask.histogram exactly for a node', async () => {
    const m = seeded.masks[3];
    const res = await running.gql<{ node: { cp: number; histogram: number[]; width: number; pngUrl: string } }>(
      `query($id: ID!) { node(id: $id) { ... on Mask { width cp(roi: { box: { x: 1, y: 2, width: 9, height: 5 } }, range: { gt: 0.25, lte: 0.75 }) histogram(bins: 4) pngUrl } } }`,
      { id: encodeGlobalID('Mask', m.id) },
    );
    expect(res.errors).toBeUndefined();
    const [value] = cpValues([m], seeded.images, { roi: { kind: 'box', x: 1, y: 2, width: 9, height: 5 }, range: { gt: 0.25, lte: 0.75 }, normalize: 'COUNT' });
    expect(res.data!.node.cp).toBe(value.value);
    const hist = [0, 0, 0, 0];
    for (const code of m.mask.data) hist[Math.min(3, Math.floor((code / 255) * 4))]++;
    expect(res.data!.node.histogram).toEqual(hist);
    expect(res.data!.node.pngUrl).toBe(`http://masksearch.test/masks/${encodeGlobalID('Mask', m.id)}.png`);
  });

  it('lists masks, leaving out one the in-memory table still holds after another process deleted it', async () => {
    // Until its delete is applied, such a mask is in the in-memory table but has no row.
    const gone = 0;
    const real = seeded.masks.map((m) => m.id).sort((a, b) => a - b);
    running.service.table.putMask({ id: gone, imageId: seeded.masks[0].imageId, width: 1, height: 1, modelId: null, maskType: 'gone', source: 'test' });
    try {
      type Masks = { masks: { nodes: { id: string; maskType: string }[]; edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      const query = `query($first: Int, $after: String) {
        masks(first: $first, after: $after) { nodes { id maskType } edges { cursor } pageInfo { hasNextPage endCursor } }
      }`;
      // Among others: the page comes back shorter.
      const page = await running.gql<Masks>(query, { first: 4 });
      expect(page.errors).toBeUndefined();
      expect(page.data!.masks.nodes.map((n) => localId(n.id))).toEqual(real.slice(0, 3));
      expect(page.data!.masks.edges.map((e) => e.cursor)).toEqual(real.slice(0, 3).map((id) => cursorOf(id)));
      expect(page.data!.masks.pageInfo).toEqual({ hasNextPage: true, endCursor: cursorOf(real[2]) });
      // Alone: an empty page whose cursor still moves past it.
      const empty = await running.gql<Masks>(query, { first: 1 });
      expect(empty.errors).toBeUndefined();
      expect(empty.data!.masks).toEqual({ nodes: [], edges: [], pageInfo: { hasNextPage: true, endCursor: cursorOf(gone) } });
      const next = await running.gql<Masks>(query, { first: 2, after: empty.data!.masks.pageInfo.endCursor });
      expect(next.data!.masks.nodes.map((n) => localId(n.id))).toEqual(real.slice(0, 2));
    } finally {
      running.service.table.removeMask(gone);
    }
  });

  it('keeps data and answers across a restart', async () => {
    const query = `{ topKByCP(roi: { imageBox: "object" }, range: { gt: 0.5 }, normalize: ROI_FRACTION, k: 10) { items { nodes { mask { id } value } } } images(first: 1000) { edges { node { key } } } }`;
    const before = await running.gql(query);
    await running.restart();
    const after = await running.gql(query);
    expect(after.errors).toBeUndefined();
    expect(after.data).toEqual(before.data);
  });
});
