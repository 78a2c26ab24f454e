import type { AddressInfo } from 'node:net';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../schema/index.js';
import { createGraphQLHandler, createHttpServer } from '../../service/http.js';
import { aggregateValues, bruteFilter, bruteTopK, cpValues } from '../support/brute-force.js';
import type { RunningService, Seeded } from './service-fixture.js';
import { seedStore, startService } from './service-fixture.js';

let running: RunningService;
let seeded: Seeded;

beforeAll(async () => {
  running = await startService(async (store) => {
    seeded = await seedStore(store, 40, 9);
  });
});
afterAll(() => running?.stop());

const localId = (id: string) => Number(decodeGlobalID(id).id);

describe('node and nodes', () => {
  const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on Mask { maskType } ... on Image { key } ... on Model { name } } }`;

  it('resolve each node type by its global id', async () => {
    const mask = seeded.masks[3];
    const image = seeded.images.get(mask.imageId)!;
    const res = await running.gql<{ nodes: unknown[] }>(`query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Mask { maskType } ... on Image { key } } }`, {
      ids: [encodeGlobalID('Mask', mask.id), encodeGlobalID('Image', image.id)],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes).toEqual([
      { __typename: 'Mask', id: encodeGlobalID('Mask', mask.id), maskType: mask.maskType },
      { __typename: 'Image', id: encodeGlobalID('Image', image.id), key: image.key },
    ]);
    const models = await running.gql<{ models: { id: string; name: string }[] }>('{ models { id name } }');
    const model = models.data!.models[0];
    expect((await running.gql(NODE, { id: model.id })).data).toEqual({ node: { __typename: 'Model', id: model.id, name: model.name } });
  });

  it.each([
    ['a missing mask', encodeGlobalID('Mask', 999_999)],
    ['a missing image', encodeGlobalID('Image', 999_999)],
    ['a type of another subgraph', encodeGlobalID('DatasetImage', 1)],
    ['a type of ours that is no node', encodeGlobalID('MaskSearchQueryStats', 1)],
    ['a non-numeric id of a node type', encodeGlobalID('Mask', 'abc')],
  ])('node(id:) is null for %s', async (_, id) => {
    const res = await running.gql(NODE, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ node: null });
  });

  it('nodes(ids:) is null exactly where an id names nothing of ours', async () => {
    const mask = seeded.masks[0];
    const res = await running.gql<{ nodes: ({ id: string } | null)[] }>(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: [encodeGlobalID('Mask', 999_999), encodeGlobalID('Mask', mask.id), encodeGlobalID('Other', 5)],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes).toEqual([null, { id: encodeGlobalID('Mask', mask.id) }, null]);
  });

  it('a malformed id is BAD_USER_INPUT naming the argument', async () => {
    for (const [query, variables, argument] of [
      [NODE, { id: 'not base64 at all!' }, 'id'],
      [`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [encodeGlobalID('Mask', 1), 'bm9jb2xvbg=='] }, 'ids'],
    ] as const) {
      const res = await running.gql(query, variables);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors![0].message).toMatch(new RegExp(`^${argument}: '.*' is not a global id`));
    }
  });
});

describe('connections', () => {
  it('every connection type has totalCount, edges, nodes and a pageInfo of type PageInfo', () => {
    const connections = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && t.name.endsWith('Connection'));
    expect(connections.map((c) => c.name).sort()).toEqual([
      'MaskConnection',
      'MaskSearchAggregateGroupConnection',
      'MaskSearchCPMatchConnection',
      'MaskSearchImageConnection',
      'MaskSearchRankedMaskConnection',
    ]);
    for (const connection of connections) {
      if (!isObjectType(connection)) continue;
      const fields = connection.getFields();
      expect(Object.keys(fields).sort()).toEqual(['edges', 'nodes', 'pageInfo', 'totalCount']);
      expect(String(fields.totalCount.type)).toBe('Int!');
      expect(String(fields.pageInfo.type)).toBe('PageInfo!');
    }
  });

  it('totalCount counts every page of masks, images, filter matches and aggregate groups', async () => {
    const res = await running.gql<{
      masks: { totalCount: number; nodes: unknown[] };
      saliency: { totalCount: number };
      images: { totalCount: number; pageInfo: { hasNextPage: boolean } };
      filterByCP: { totalCount: number; matches: { totalCount: number; edges: unknown[] } };
      aggregateMasks: { totalCount: number; groups: { totalCount: number; edges: unknown[] } };
    }>(`{
      masks(first: 2) { totalCount nodes { id } }
      saliency: masks(where: { maskTypes: ["saliency"] }, first: 1) { totalCount }
      images(first: 3) { totalCount pageInfo { hasNextPage } }
      filterByCP(roi: { full: true }, range: { gt: 0.5 }, op: GT, threshold: 10, first: 2) { totalCount matches { totalCount edges { cursor } } }
      aggregateMasks(threshold: 0.5, having: { op: GTE, value: 0 }, first: 1) { totalCount groups { totalCount edges { cursor } } }
    }`);
    expect(res.errors).toBeUndefined();
    const d = res.data!;
    expect(d.masks).toMatchObject({ totalCount: seeded.masks.length });
    expect(d.masks.nodes).toHaveLength(2);
    expect(d.saliency.totalCount).toBe(seeded.masks.filter((m) => m.maskType === 'saliency').length);
    expect(d.images).toEqual({ totalCount: seeded.images.size, pageInfo: { hasNextPage: true } });
    const filtered = bruteFilter(cpValues(seeded.masks, seeded.images, { roi: { kind: 'full' }, range: { gt: 0.5 }, normalize: 'COUNT' }), 'GT', 10);
    expect(d.filterByCP.totalCount).toBe(filtered.length);
    expect(d.filterByCP.matches.totalCount).toBe(filtered.length);
    expect(d.filterByCP.matches.edges).toHaveLength(2);
    const groups = aggregateValues(seeded.masks, seeded.images, { op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'COUNT' });
    expect(d.aggregateMasks.totalCount).toBe(groups.length);
    expect(d.aggregateMasks.groups.totalCount).toBe(groups.length);
    expect(d.aggregateMasks.groups.edges).toHaveLength(1);
  });

  it('ranked results of topKByCP and aggregateMasks share one shape and page by rank', async () => {
    type Ranked<N> = { totalCount: number; edges: { cursor: string; node: N }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    type Node = { rank: number; value: number };
    const pageOf = async (after: string | null) => {
      const res = await running.gql<{ topKByCP: { totalCount: number; items: Ranked<Node & { mask: { id: string } }> }; aggregateMasks: { groups: Ranked<Node> } }>(
        `query ($after: String) {
          topKByCP(roi: { full: true }, range: { gt: 0.3 }, k: 11, order: ASC, first: 4, after: $after) {
            totalCount items { totalCount edges { cursor node { rank value mask { id } } } pageInfo { hasNextPage endCursor } }
          }
          aggregateMasks(threshold: 0.5, measure: IOU, k: 11, first: 4, after: $after) {
            groups { totalCount edges { cursor node { rank value } } pageInfo { hasNextPage endCursor } }
          }
        }`,
        { after },
      );
      expect(res.errors).toBeUndefined();
      return res.data!;
    };
    const topK: { rank: number; id: number; value: number }[] = [];
    const aggregate: { rank: number; value: number }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const data = await pageOf(after);
      expect(data.topKByCP.totalCount).toBe(11);
      expect(data.topKByCP.items.totalCount).toBe(11);
      expect(data.aggregateMasks.groups.totalCount).toBe(11);
      topK.push(...data.topKByCP.items.edges.map((e) => ({ rank: e.node.rank, id: localId(e.node.mask.id), value: e.node.value })));
      aggregate.push(...data.aggregateMasks.groups.edges.map((e) => e.node));
      expect(data.topKByCP.items.pageInfo.hasNextPage).toBe(page < 2);
      expect(data.aggregateMasks.groups.pageInfo.hasNextPage).toBe(page < 2);
      expect(data.aggregateMasks.groups.pageInfo.endCursor).toBe(data.topKByCP.items.pageInfo.endCursor);
      after = data.topKByCP.items.pageInfo.endCursor;
    }
    const expected = bruteTopK(cpValues(seeded.masks, seeded.images, { roi: { kind: 'full' }, range: { gt: 0.3 }, normalize: 'COUNT' }), 11, 'ASC');
    expect(topK).toEqual(expected.map((e, i) => ({ rank: i + 1, id: e.id, value: e.value })));
    const groups = bruteTopK(aggregateValues(seeded.masks, seeded.images, { op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'IOU' }), 11, 'DESC');
    expect(aggregate).toEqual(groups.map((g, i) => ({ rank: i + 1, value: g.value })));
  });
});

describe('unknown names in where match nothing, everywhere', () => {
  const WHERES = [
    { modelNames: ['no-such-model'] },
    { maskTypes: ['no-such-type'] },
    { sources: ['no-such-source'] },
    { imageLabels: ['no-such-label'] },
    { imageSplits: ['no-such-split'] },
    { imageKeys: ['no-such-key'] },
    { modelNames: ['resnet50', 'no-such-model'], maskTypes: ['saliency'] },
  ];
  it.each(WHERES.map((where) => [JSON.stringify(where), where]))('where %s', async (_, where) => {
    const res = await running.gql<{
      masks: { totalCount: number };
      filterByCP: { totalCount: number; stats: { candidates: number } };
      topKByCP: { totalCount: number };
      aggregateMasks: { totalCount: number };
    }>(
      `query ($where: MaskWhere) {
        masks(where: $where) { totalCount }
        filterByCP(where: $where, roi: { full: true }, range: { gt: 0.5 }, op: GTE, threshold: 0) { totalCount stats { candidates } }
        topKByCP(where: $where, roi: { full: true }, range: { gt: 0.5 }, k: 5) { totalCount }
        aggregateMasks(where: $where, threshold: 0.5, k: 5) { totalCount }
      }`,
      { where },
    );
    expect(res.errors).toBeUndefined();
    const mixed = 'maskTypes' in where && where.modelNames?.includes('resnet50');
    const expected = mixed ? seeded.masks.filter((m) => m.modelName === 'resnet50').length : 0;
    expect(res.data!.masks.totalCount).toBe(expected);
    expect(res.data!.filterByCP).toEqual({ totalCount: expected, stats: { candidates: expected } });
    expect(res.data!.topKByCP.totalCount).toBe(Math.min(5, expected));
    if (!mixed) expect(res.data!.aggregateMasks.totalCount).toBe(0);
  });
});

describe('URLs and the PNG routes speak global ids', () => {
  const PNG_URL = `query ($id: ID!) { node(id: $id) { ... on Mask { pngUrl(colormap: TURBO) } } }`;

  it('pngUrl is at the origin the client reached, behind a proxy too', async () => {
    const yoga = createGraphQLHandler(running.service);
    const mask = seeded.masks[1];
    const ask = async (headers: Record<string, string>) => {
      const response = await yoga.fetch('http://10.0.0.5:4000/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: PNG_URL, variables: { id: encodeGlobalID('Mask', mask.id) } }),
      });
      return ((await response.json()) as { data: { node: { pngUrl: string } } }).data.node.pngUrl;
    };
    const path = `/masks/${encodeGlobalID('Mask', mask.id)}.png?colormap=turbo`;
    expect(await ask({})).toBe(`http://10.0.0.5:4000${path}`);
    expect(await ask({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'masks.example.org' })).toBe(`https://masks.example.org${path}`);
    expect(await ask({ 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'masks.example.org:8443, proxy.internal' })).toBe(`https://masks.example.org:8443${path}`);
    expect(await ask({ 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil.example/<script>' })).toBe(`http://10.0.0.5:4000${path}`);
  });

  describe('over a real port', () => {
    let url: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const server = createHttpServer(running.service);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise((resolve) => server.close(() => resolve()));
    });
    afterAll(() => close());

    it('serves /masks/GLOBAL_ID.png, the pngUrl itself, and the database id as an alias', async () => {
      const mask = seeded.masks[5];
      const res = await running.gql<{ node: { pngUrl: string } }>(PNG_URL, { id: encodeGlobalID('Mask', mask.id) });
      const fromApi = new URL(res.data!.node.pngUrl);
      const byUrl = await fetch(`${url}${fromApi.pathname}${fromApi.search}`);
      const byGlobal = await fetch(`${url}/masks/${encodeURIComponent(encodeGlobalID('Mask', mask.id))}.png?colormap=turbo`);
      const byNumber = await fetch(`${url}/masks/${mask.id}.png?colormap=turbo`);
      for (const response of [byUrl, byGlobal, byNumber]) {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/png');
      }
      const bytes = await Promise.all([byUrl, byGlobal, byNumber].map(async (r) => Buffer.from(await r.arrayBuffer()).toString('base64')));
      expect(new Set(bytes).size).toBe(1);
    });

    it('answers 400 for an id of another type and 404 for a missing mask', async () => {
      const image = [...seeded.images.values()][0];
      const foreign = await fetch(`${url}/masks/${encodeGlobalID('Image', image.id)}.png`);
      expect(foreign.status).toBe(400);
      expect(await foreign.text()).toMatch(/is not a mask id/);
      expect((await fetch(`${url}/masks/${encodeGlobalID('Mask', 999_999)}.png`)).status).toBe(404);
      const overlay = await fetch(`${url}/images/${encodeURIComponent(image.key)}/overlay.png?mask=${encodeURIComponent(encodeGlobalID('Image', image.id))}`);
      expect(overlay.status).toBe(400);
    });
  });
});
