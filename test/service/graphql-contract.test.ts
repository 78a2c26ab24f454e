import type { AddressInfo } from 'node:net';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { decode } from 'fast-png';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../service/http.js';
import type { RunningService, Seeded } from './service-fixture.js';
import { seedStore, startService } from './service-fixture.js';

let running: RunningService;
let seeded: Seeded;
const statements: string[] = [];

beforeAll(async () => {
  running = await startService(
    async (store) => {
      seeded = await seedStore(store, 120, 5);
    },
    (sql) => statements.push(sql),
  );
});
afterAll(() => running?.stop());

async function expectBadInput(query: string, argumentName: RegExp, variables?: Record<string, unknown>) {
  const res = await running.gql(query, variables);
  expect(res.errors?.length).toBe(1);
  expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  expect(res.errors![0].message).toMatch(argumentName);
  expect(JSON.stringify(res.errors)).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

describe('bad input is a BAD_USER_INPUT error naming the argument', () => {
  const topK = (args: string) => `{ topKByCP(${args}) { items { nodes { value } } } }`;
  it.each([
    ['k ≤ 0', topK('roi: { full: true }, range: { gt: 0.5 }, k: 0'), /^k must be an integer between 1 and 10000, got 0/],
    ['k over the maximum', topK('roi: { full: true }, range: { gt: 0.5 }, k: 100000'), /^k must be an integer between/],
    ['a range with lower ≥ upper', topK('roi: { full: true }, range: { gt: 0.7, lt: 0.2 }, k: 3'), /^range: the lower end gt 0.7 must be below the upper end lt 0.2/],
    ['both gt and gte', topK('roi: { full: true }, range: { gt: 0.1, gte: 0.2 }, k: 3'), /^range: give at most one of gt and gte/],
    ['a negative box', topK('roi: { box: { x: 0, y: 0, width: -4, height: 3 } }, range: { gt: 0.5 }, k: 3'), /^roi.box.width must be a non-negative integer, got -4/],
    ['an unknown box name', topK('roi: { imageBox: "dog" }, range: { gt: 0.5 }, k: 3'), /^roi.imageBox: no image has a box named 'dog'/],
    ['a mask id that is not a mask id', topK(`where: { ids: ["${encodeGlobalID('Image', 1)}"] }, roi: { full: true }, range: { gt: 0.5 }, k: 3`), /^where.ids: '.*' is not a Mask id/],
    ['full: false', topK('roi: { full: false }, range: { gt: 0.5 }, k: 3'), /^roi.full must be true/],
    ['a malformed cursor', '{ filterByCP(roi: { full: true }, range: { gt: 0.5 }, op: GT, threshold: 1, after: "xyz") { totalCount } }', /^after: 'xyz' is not a cursor/],
    ['aggregation with both k and having', '{ aggregateMasks(threshold: 0.5, k: 3, having: { op: GT, value: 1 }) { totalCount } }', /^aggregateMasks: give either k/],
    ['a histogram with 0 bins', `{ node(id: "${encodeGlobalID('Mask', 1)}") { ... on Mask { histogram(bins: 0) } } }`, /^bins must be between 1 and 256/],
  ])('%s', async (_, query, message) => {
    await expectBadInput(query, message);
  });

  it.each([
    ['k', topK('roi: { full: true }, range: { gt: 0.5 }, k: 0'), 'k'],
    ['range', topK('roi: { full: true }, range: { gt: 0.7, lt: 0.2 }, k: 3'), 'range'],
    ['roi.box.height', topK('roi: { box: { x: 0, y: 0, width: 4, height: -3 } }, range: { gt: 0.5 }, k: 3'), 'roi.box.height'],
    ['roi.imageBox', topK('roi: { imageBox: "dog" }, range: { gt: 0.5 }, k: 3'), 'roi.imageBox'],
  ])('names the argument %s by its path in extensions', async (_, query, path) => {
    const res = await running.gql(query);
    expect(res.errors?.length).toBe(1);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: path });
  });

  it('an ROI with two kinds at once', async () => {
    const res = await running.gql(`{ topKByCP(roi: { full: true, imageBox: "object" }, range: { gt: 0.5 }, k: 3) { items { nodes { value } } } }`);
    expect(res.errors?.[0].message).toMatch(/RoiInput/);
  });

  it('an image without a positive size, naming the record', async () => {
    await expectBadInput(`mutation { upsertImages(images: [{ key: "a", width: 3, height: 3 }, { key: "b", width: 0, height: 3 }]) { key } }`, /^images\[1\].width must be a positive integer, got 0/);
    const res = await running.gql<{ image: null }>(`{ image(key: "a") { key } }`);
    expect(res.data!.image).toBeNull();
  });

  it('an over-deep query is refused', async () => {
    const deep = `{ images(first: 1) { edges { node { masks { image { masks { image { masks { image { masks { image { masks { image { key } } } } } } } } } } } } } }`;
    const res = await running.gql(deep);
    expect(res.errors?.[0].message).toMatch(/query depth \d+ exceeds the limit of 12/);
  });
});

describe('nested fields load in a constant number of statements', () => {
  it('topKByCP(k: 100) with image, boxes and model runs the same few statements as k: 5', async () => {
    const count = async (k: number) => {
      await running.gql(`{ topKByCP(roi: { imageBox: "object" }, range: { gt: 0.5 }, normalize: ROI_FRACTION, k: 1, useIndex: false) { items { nodes { value } } } }`);
      statements.length = 0;
      const res = await running.gql<{ topKByCP: { items: { nodes: unknown[] } } }>(
        `query($k: Int!) { topKByCP(roi: { full: true }, range: { gt: 0.3 }, k: $k) {
          items { nodes { rank value mask { id maskType image { key label boxes { name x y width height } } model { name } } } }
        } }`,
        { k },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.topKByCP.items.nodes).toHaveLength(k);
      // Pixel reads, and CHIs stored in the background for masks loaded for the first time, are not the nested fields' statements.
      return statements.filter((s) => !/mask_pixels|mask_chi/.test(s)).length;
    };
    const small = await count(5);
    const large = await count(100);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(3);
  });
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

  it('passes every graphql-http server audit', async () => {
    const results = await Promise.all(serverAudits({ url: `${url}/graphql` }).map(async (audit) => ({ name: audit.name, result: await audit.fn() })));
    const failed = results.filter((r) => r.result.status === 'error').map((r) => `${r.name}: ${"reason" in r.result ? r.result.reason : ""}`);
    expect(failed).toEqual([]);
    const warned = results.filter((r) => r.result.status === 'warn').map((r) => r.name);
    expect(warned).toEqual([]);
  });

  it('serves a mask as a grayscale PNG and through a colormap, with caching headers', async () => {
    const m = seeded.masks[2];
    const gray = await fetch(`${url}/masks/${m.id}.png`);
    expect(gray.status).toBe(200);
    expect(gray.headers.get('cache-control')).toMatch(/max-age/);
    const png = decode(new Uint8Array(await gray.arrayBuffer()));
    expect([png.width, png.height, png.channels]).toEqual([m.mask.width, m.mask.height, 1]);
    expect(Array.from(png.data)).toEqual(Array.from(m.mask.data));
    const turbo = decode(new Uint8Array(await (await fetch(`${url}/masks/${m.id}.png?colormap=turbo`)).arrayBuffer()));
    expect(turbo.channels).toBe(3);
    expect((await fetch(`${url}/masks/999999.png`)).status).toBe(404);
    expect((await fetch(`${url}/masks/${m.id}.png?colormap=rainbow`)).status).toBe(400);
  });

  it('serves GraphiQL without any CDN', async () => {
    const page = await (await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(page).toMatch(/GraphiQL|graphiql/);
    expect(page).not.toMatch(/https?:\/\/(unpkg|cdn|esm\.sh)/);
  });
});
