import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../service/http.js';
import type { RunningService, Seeded } from '../service/service-fixture.js';
import { seedStore, startService } from '../service/service-fixture.js';

/**
 * A dataset tool's own subgraph, as a third party would write it with @apollo/subgraph: it owns
 * images by key and adds its annotations, and it uses value-type names (QueryStats, Order,
 * BoxInput, a Relay connection with PageInfo) that would have clashed with ours.
 */
const TOOL_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable"])

  type Image @key(fields: "key") {
    key: String!
    annotator: String!
    reviewed: Boolean!
  }
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type ImageConnection { edges: [ImageEdge!]! pageInfo: PageInfo! totalCount: Int! }
  type ImageEdge { cursor: String! node: Image! }
  type QueryStats { reviewed: Int! }
  enum Order { NEWEST OLDEST }
  input BoxInput { left: Float! top: Float! right: Float! bottom: Float! }
  type Query {
    datasetImages(first: Int!, order: Order): ImageConnection!
    datasetStats(box: BoxInput): QueryStats!
  }
`;

const annotatorOf = (key: string) => `annotator-${key.length % 2 === 0 ? 'a' : 'b'}${key.slice(-1)}`;

function toolSubgraph(keys: readonly string[]) {
  const image = (key: string) => ({ key, annotator: annotatorOf(key), reviewed: key.endsWith('0') });
  const schema = buildSubgraphSchema({
    typeDefs: parse(TOOL_SDL),
    resolvers: {
      Query: {
        datasetImages: (_: unknown, args: { first: number }) => {
          const page = keys.slice(0, args.first);
          return {
            edges: page.map((key) => ({ cursor: key, node: image(key) })),
            pageInfo: { hasNextPage: page.length < keys.length, hasPreviousPage: false, startCursor: page[0] ?? null, endCursor: page.at(-1) ?? null },
            totalCount: keys.length,
          };
        },
        datasetStats: () => ({ reviewed: keys.filter((k) => k.endsWith('0')).length }),
      },
      Image: { __resolveReference: (ref: { key: string }) => (keys.includes(ref.key) ? image(ref.key) : null) },
    } as never,
  });
  return createYoga({ schema, logging: false });
}

async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let running: RunningService;
let seeded: Seeded;
const statements: string[] = [];

beforeAll(async () => {
  running = await startService(
    async (store) => {
      seeded = await seedStore(store, 400, 3);
    },
    (sql) => statements.push(sql),
  );
});
afterAll(() => running?.stop());

type Result<T> = { data?: T; errors?: { message: string }[] };

describe('_entities', () => {
  const ENTITIES = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Image { id key }
      ... on Mask { id maskType }
      ... on Model { name }
    }
  }`;

  it('resolves 1,000 representations of every entity type and key in at most 3 SQL statements', async () => {
    const images = [...seeded.images.values()];
    const representations = [
      ...images.slice(0, 300).map((i) => ({ __typename: 'Image', id: encodeGlobalID('Image', i.id) })),
      ...images.slice(100, 400).map((i) => ({ __typename: 'Image', key: i.key })),
      ...seeded.masks.slice(0, 398).map((m) => ({ __typename: 'Mask', id: encodeGlobalID('Mask', m.id) })),
      { __typename: 'Model', name: 'resnet50' },
      { __typename: 'Model', name: 'vit-b16' },
    ];
    expect(representations).toHaveLength(1000);
    statements.length = 0;
    const res = await running.gql<{ _entities: ({ __typename: string; id?: string; key?: string; maskType?: string; name?: string } | null)[] }>(ENTITIES, { representations });
    expect(res.errors).toBeUndefined();
    // One statement per entity type: images by id and by key together, masks, models.
    expect(statements.map((sql) => /from "(\w+)"/.exec(sql)?.[1]).sort()).toEqual(['images', 'masks', 'models']);

    const entities = res.data!._entities;
    expect(entities).toHaveLength(1000);
    images.slice(0, 300).forEach((image, i) => expect(entities[i]).toEqual({ __typename: 'Image', id: encodeGlobalID('Image', image.id), key: image.key }));
    images.slice(100, 400).forEach((image, i) => expect(entities[300 + i]).toEqual({ __typename: 'Image', id: encodeGlobalID('Image', image.id), key: image.key }));
    seeded.masks.slice(0, 398).forEach((mask, i) => expect(entities[600 + i]).toEqual({ __typename: 'Mask', id: encodeGlobalID('Mask', mask.id), maskType: mask.maskType }));
    expect(entities.slice(998)).toEqual([{ __typename: 'Model', name: 'resnet50' }, { __typename: 'Model', name: 'vit-b16' }]);
  });

  it('answers null for representations that name nothing of ours', async () => {
    const res = await running.gql<{ _entities: unknown[] }>(ENTITIES, {
      representations: [
        { __typename: 'Image', key: 'no-such-image' },
        { __typename: 'Image', id: encodeGlobalID('Mask', seeded.masks[0].id) },
        { __typename: 'Image', id: 'not a global id' },
        { __typename: 'Mask', id: encodeGlobalID('Mask', 987654) },
        { __typename: 'Model', name: 'no-such-model' },
        { __typename: 'Model', name: 'resnet50' },
      ],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([null, null, null, null, null, { __typename: 'Model', name: 'resnet50' }]);
  });

  it('publishes its keys in _service.sdl', async () => {
    const res = await running.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const sdl = res.data!._service.sdl;
    expect(sdl).toMatch(/type Image implements Node\s+@key\(fields: "id"\)\s+@key\(fields: "key"\)/);
    expect(sdl).toMatch(/type Mask implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Model implements Node\s+@key\(fields: "name"\)/);
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
  });
});

describe('composed with a dataset tool through an in-process gateway', () => {
  let ours: { url: string; close: () => Promise<void> };
  let tool: { url: string; close: () => Promise<void> };
  let toolKeys: string[];
  let gateway: ReturnType<typeof createGatewayRuntime>;
  /** Every request the gateway sends: only ever to the two subgraphs on this machine. */
  const fetched: string[] = [];

  beforeAll(async () => {
    ours = await listen(createHttpServer(running.service));
    toolKeys = [...seeded.images.values()].slice(10, 16).map((i) => i.key);
    tool = await listen(createServer(toolSubgraph(toolKeys)));
    const ourSdl = (await running.gql<{ _service: { sdl: string } }>('{ _service { sdl } }')).data!._service.sdl;
    const composed = composeServices([
      { name: 'masksearch', typeDefs: parse(ourSdl), url: ours.url },
      { name: 'dataset', typeDefs: parse(TOOL_SDL), url: tool.url },
    ]);
    expect(composed.errors ?? []).toEqual([]);
    gateway = createGatewayRuntime({
      supergraph: composed.supergraphSdl!,
      logging: false,
      plugins: () => [{ onFetch: ({ url }) => void fetched.push(url) }],
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await tool?.close();
    await ours?.close();
  });

  async function viaGateway<T>(query: string): Promise<Result<T>> {
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return response.json() as Promise<Result<T>>;
  }

  const CP = 'cp(roi: { imageBox: "object" }, range: { gt: 0.5 }, normalize: ROI_FRACTION)';
  const TOP_K = 'topKByCP(where: { maskTypes: ["saliency"] }, roi: { full: true }, range: { gt: 0.4, lte: 0.9 }, k: 8)';

  it("answers one query across both subgraphs with our endpoint's values", async () => {
    interface Crossed {
      datasetImages: { totalCount: number; edges: { node: { key: string; annotator: string; label: string; masks: { id: string; maskType: string; cp: number | null }[] } }[] };
      topKByCP: { totalCount: number; items: { nodes: { rank: number; value: number; mask: { id: string; image: { key: string; annotator: string | null } } }[] } };
      datasetStats: { reviewed: number };
    }
    const res = await viaGateway<Crossed>(`{
      datasetImages(first: 4, order: NEWEST) { totalCount edges { node { key annotator label masks { id maskType ${CP} } } } }
      ${TOP_K} { totalCount items { nodes { rank value mask { id image { key } } } } }
      datasetStats(box: { left: 0, top: 0, right: 1, bottom: 1 }) { reviewed }
    }`);
    expect(res.errors).toBeUndefined();
    const crossed = res.data!;
    expect(crossed.datasetImages.edges.map((e) => e.node.key)).toEqual(toolKeys.slice(0, 4));

    for (const { node } of crossed.datasetImages.edges) {
      const direct = await running.gql<{ image: { label: string; masks: { id: string; maskType: string; cp: number | null }[] } }>(
        `{ image(key: "${node.key}") { label masks { id maskType ${CP} } } }`,
      );
      expect(node.annotator).toBe(annotatorOf(node.key));
      expect({ label: node.label, masks: node.masks }).toEqual(direct.data!.image);
      expect(node.masks.length).toBeGreaterThan(0);
    }

    const direct = await running.gql<Crossed>(`{ ${TOP_K} { totalCount items { nodes { rank value mask { id image { key } } } } } }`);
    expect(crossed.topKByCP).toEqual(direct.data!.topKByCP);
    expect(crossed.topKByCP.items.nodes).toHaveLength(8);
    expect(crossed.datasetStats.reviewed).toBe(toolKeys.filter((k) => k.endsWith('0')).length);
  });

  it("adds the tool's fields to our ranked results", async () => {
    const res = await viaGateway<{ topKByCP: { items: { nodes: { mask: { image: { key: string; annotator: string | null } } }[] } } }>(
      `{ topKByCP(where: { imageKeys: ${JSON.stringify(toolKeys)} }, roi: { full: true }, range: { gt: 0.5 }, k: 3) {
        items { nodes { mask { image { key annotator reviewed } } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const images = res.data!.topKByCP.items.nodes.map((n) => n.mask.image);
    expect(images).toHaveLength(3);
    for (const image of images) expect(image).toEqual({ key: image.key, annotator: annotatorOf(image.key), reviewed: image.key.endsWith('0') });
  });

  it('sent requests to the two subgraphs on this machine and nowhere else', () => {
    expect(fetched.length).toBeGreaterThan(0);
    expect(new Set(fetched)).toEqual(new Set([ours.url, tool.url]));
  });
});
