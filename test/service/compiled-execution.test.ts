import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedStore, startService, type GraphQLResult, type RunningService, type Seeded } from './service-fixture.js';

/**
 * Hot documents run compiled (service/compiled-execution.ts). The same service, once compiling
 * every document after its first run and once never, must answer every request alike: data,
 * errors with their paths and codes, refusals by scope and by cost.
 */
let compiled: RunningService;
let interpreted: RunningService;
let seeded: Seeded;
/** The execute function each request of the compiling service ran with, in order. */
const executors: unknown[] = [];
const observer: Plugin = { onExecute: ({ executeFn }) => void executors.push(executeFn) };

beforeAll(async () => {
  compiled = await startService(async (store) => void (seeded = await seedStore(store, 30, 3)), undefined, {}, { compileAfterRuns: 1, plugins: [observer], log: () => {} });
  interpreted = await startService(async (store) => void (await seedStore(store, 30, 3)), undefined, {}, { compileAfterRuns: 0 });
});
afterAll(async () => {
  await compiled?.stop();
  await interpreted?.stop();
});

// The engine's clock is the one field that differs between two runs of a query.
const withoutClock = (result: unknown) => JSON.parse(JSON.stringify(result, (key, value: unknown) => (key === 'elapsedMs' ? 0 : value)));

/**
 * Three runs on the compiling service (the first interpreted, the later ones compiled) answer as
 * the same runs on the interpreting one (a later run may verify fewer masks, found in the caches).
 */
async function answersAlike(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<Record<string, unknown>>> {
  let expected: GraphQLResult<Record<string, unknown>> = {};
  for (let run = 0; run < 3; run++) {
    expected = withoutClock(await interpreted.gql(query, variables));
    expect(withoutClock(await compiled.gql(query, variables)), `run ${run} of ${query.slice(0, 60)}`).toEqual(expected);
    // The compile runs between requests.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return expected;
}

/**
 * Whether the last answersAlike of a new document ran interpreted first (with yoga's own
 * executor, as the very first request did), then compiled.
 */
const ranCompiled = () => executors.at(-3) === executors[0] && executors.at(-2) !== executors[0] && executors.at(-1) !== executors[0];

const NESTED = 'id maskType image { id key label boxes { name x y width height } } model { name kind }';

describe('compiled execution answers as graphql-js does', () => {
  it('topKByCP with nested image, model and boxes, relay ids included', async () => {
    const res = await answersAlike(`{ topKByCP(where: { maskTypes: ["saliency"] }, roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, k: 10) {
      totalCount items { edges { cursor node { rank value mask { ${NESTED} } } } pageInfo { hasNextPage endCursor } } stats { candidates verified elapsedMs } } }`);
    expect(ranCompiled()).toBe(true);
    expect(res.errors).toBeUndefined();
    expect(JSON.stringify(res.data)).toContain(encodeGlobalID('Mask', seeded.masks[0].id).slice(0, 4));
  });

  it('filter pages through a variable cursor, and aggregation', async () => {
    const page = `query ($after: String) { filterByCP(roi: { full: true }, range: { gt: 0.3 }, op: GT, threshold: 10, first: 5, after: $after) {
      totalCount matches { edges { cursor node { value mask { ${NESTED} } } } pageInfo { endCursor hasNextPage } } } }`;
    const first = await answersAlike(page, { after: null });
    expect(ranCompiled()).toBe(true);
    const after = (first.data as { filterByCP: { matches: { pageInfo: { endCursor: string } } } }).filterByCP.matches.pageInfo.endCursor;
    await answersAlike(page, { after });
    await answersAlike(`{ aggregateMasks(op: UNION, threshold: 0.5, measure: IOU, k: 5) { groups { nodes { rank value image { key } masks { id maskType } } } } }`);
    expect(ranCompiled()).toBe(true);
  });

  it('federation _entities', async () => {
    const representations = [
      { __typename: 'Image', key: 'img-001' },
      { __typename: 'Mask', id: encodeGlobalID('Mask', seeded.masks[2].id) },
      { __typename: 'Model', name: 'resnet50' },
      { __typename: 'Image', key: 'no-such-image' },
    ];
    await answersAlike('query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Image { id key } ... on Mask { id maskType } ... on Model { name } } }', { r: representations });
    expect(ranCompiled()).toBe(true);
  });

  it('errors keep their path and code; bad variables and @oneOf misuse are refused alike', async () => {
    const fieldError = await answersAlike('{ masks(first: 2) { nodes { id histogram(bins: 0) } } }');
    expect(fieldError.errors?.[0]).toMatchObject({ path: ['masks', 'nodes', 0, 'histogram'], extensions: { code: 'BAD_USER_INPUT' } });
    const topK = 'query ($roi: MaskSearchRoiInput!, $k: Int!) { topKByCP(roi: $roi, range: { gt: 0.5 }, k: $k) { items { nodes { value mask { id } } } } }';
    await answersAlike(topK, { roi: { full: true }, k: 3 });
    expect(ranCompiled()).toBe(true);
    const twoKinds = await answersAlike(topK, { roi: { full: true, imageBox: 'object' }, k: 3 });
    expect(twoKinds.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const notAnInt = await answersAlike(topK, { roi: { full: true }, k: 'three' });
    expect(notAnInt.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('the cost limit and auth scopes hold', async () => {
    const costly = await answersAlike('{ masks(first: 10000) { nodes { histogram(bins: 256) } } }');
    expect(costly.errors?.[0]?.message).toMatch(/^query complexity \d+ exceeds the limit of 200000$/);
    const anonymous = async (service: RunningService) =>
      withoutClock(await (await service.fetch({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'mutation { upsertModels(models: [{ name: "m" }]) { name } }' }) })).json());
    const refused = await anonymous(interpreted);
    expect(JSON.stringify(refused)).toMatch(/needs a token with scope write/);
    for (let run = 0; run < 3; run++) {
      expect(await anonymous(compiled)).toEqual(refused);
      await new Promise((resolve) => setImmediate(resolve));
    }
  });

  it('masks internal errors, with the request id and nothing else', async () => {
    const broken = vi.spyOn(compiled.service, 'loadMask').mockRejectedValue(new Error('read failed at /srv/secret/pixels.bin'));
    try {
      for (let run = 0; run < 3; run++) {
        const res = await compiled.gql('{ masks(first: 1) { nodes { id histogram(bins: 4) } } }');
        const error = res.errors?.[0];
        expect(error?.extensions?.code, JSON.stringify(res)).toBe('INTERNAL_SERVER_ERROR');
        expect(error!.message).toBe(`internal error; the server's log has it under request id ${error!.extensions!.requestId}`);
        expect(error).toMatchObject({ path: ['masks', 'nodes', 0, 'histogram'] });
        expect(JSON.stringify(res)).not.toMatch(/\bat [^\n]*\.(ts|js):\d+|stack|originalError|secret/);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(ranCompiled()).toBe(true);
    } finally {
      broken.mockRestore();
    }
  });

  it("runs no code a string literal smuggles into graphql-jit's placeholders", async () => {
    const smuggled = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d0),globalThis.smuggled=42,(0';
    const res = await answersAlike(`{ topKByCP(where: { imageKeys: ["${smuggled}"] }, roi: { full: true }, range: { gt: 0.5 }, k: 3) { totalCount } }`);
    expect(res.data).toEqual({ topKByCP: { totalCount: 0 } });
    expect((globalThis as { smuggled?: unknown }).smuggled).toBeUndefined();
    expect(ranCompiled()).toBe(false);
  });
});
