import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSourceRegistry } from '../../plugins/config.js';
import { createHttpServer } from '../../service/http.js';
import { seedStore, startService, TEST_OPERATOR_TOKEN, type RunningService } from './service-fixture.js';

/**
 * Property-based fuzzing of the HTTP handler over a real port: random documents, variables,
 * headers, multipart bodies and PNG routes. Whatever arrives, the server answers without a 5xx
 * and without stack text, and still answers a plain query afterwards. Run counts are fixed so
 * the suite takes well under a minute.
 */
/** Fixed for CI; FUZZ_SEED=N (and FUZZ_RUNS=M) explore further. */
const SEED = Number(process.env.FUZZ_SEED ?? 10);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1);

const STACK = /\bat [^\n]*\.(ts|js|mjs|cjs):\d+/;

let running: RunningService;
let port: number;
let close: () => Promise<void>;
let maskId = 1;

beforeAll(async () => {
  running = await startService(async (store) => void (maskId = (await seedStore(store, 12, 4)).masks[0].id), undefined, { sources: await loadSourceRegistry(), ingestWorkers: 0 });
  const server = createHttpServer(running.service, { log: () => {} });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  close = () => new Promise((resolve) => server.close(() => resolve()));
}, 60_000);
afterAll(async () => {
  await close?.();
  await running?.stop();
});

interface Raw {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** One request through node:http, so that headers a fetch client would refuse (a bad Host) get through too. */
function send(raw: Raw): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: raw.method, path: raw.path, headers: raw.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(raw.body);
  });
}

const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', 'object', '__proto__', 'img-001', '💥', 'a'.repeat(5000), "'; drop table masks; --", '\u0000'));
const number = fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constantFrom(0, -1, 1e9, 2 ** 31, 2 ** 53 + 1, 1e308), fc.double({ noNaN: false }).map((d) => (Number.isFinite(d) ? d : 0.5)));
const literal = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : JSON.stringify(value));

const roi = fc.oneof(
  fc.constant('{ full: true }'),
  fc.constant('{ full: false }'),
  text.map((t) => `{ imageBox: ${literal(t)} }`),
  fc.tuple(number, number, number, number).map(([x, y, w, h]) => `{ box: { x: ${x}, y: ${y}, width: ${w}, height: ${h} } }`),
  fc.constant('{ full: true, imageBox: "object" }'),
  fc.constant('{}'),
);
const range = fc.record({ gt: fc.option(number), gte: fc.option(number), lt: fc.option(number), lte: fc.option(number) }).map((r) =>
  `{ ${Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join(', ')} }`,
);
const id = fc.oneof(text, fc.constantFrom('TWFzazox', 'TWFzazo5OTk5OTk5OTk5OTk5OTk5OTk5', 'SW1hZ2U6MQ', Buffer.from(`Mask:${maskId}`).toString('base64'), '1', '99999999999999999999'));

const field = fc.oneof(
  fc.tuple(roi, range, number, fc.boolean(), fc.constantFrom('ASC', 'DESC', 'SIDEWAYS')).map(([r, g, k, useIndex, order]) => `topKByCP(roi: ${r}, range: ${g}, k: ${k}, order: ${order}, useIndex: ${useIndex}) { items { nodes { rank value mask { id width pngUrl } } } stats { verified } }`),
  fc.tuple(roi, range, number, number, fc.constantFrom('GT', 'LTE', 'EQ')).map(([r, g, t, first, op]) => `filterByCP(roi: ${r}, range: ${g}, op: ${op}, threshold: ${t}, first: ${first}, after: "x") { totalCount matches { edges { cursor node { value } } } }`),
  fc.tuple(number, number, fc.constantFrom('INTERSECT', 'UNION'), fc.constantFrom('COUNT', 'IOU', 'ROI_FRACTION')).map(([t, k, op, m]) => `aggregateMasks(op: ${op}, threshold: ${t}, measure: ${m}, k: ${k}) { groups { edges { node { value image { key } } } } }`),
  fc.tuple(number, fc.array(id, { maxLength: 3 })).map(([first, ids]) => `masks(first: ${first}, where: { ids: ${literal(ids)} }) { nodes { id histogram(bins: ${first}) cp(roi: { full: true }, range: { gt: 0.5 }) } }`),
  text.map((key) => `image(key: ${literal(key)}) { key uri width masks { id } }`),
  id.map((i) => `node(id: ${literal(i)}) { id }`),
  fc.array(id, { maxLength: 4 }).map((ids) => `nodes(ids: ${literal(ids)}) { id }`),
  fc.constant('maskSources { name options { name } }'),
  fc.constant('apiTokens { name }'),
  fc.constant('__typename'),
);
const mutation = fc.oneof(
  fc.tuple(text, number, number, text).map(([key, w, h, uri]) => `upsertImages(images: [{ key: ${literal(key)}, width: ${w}, height: ${h}, uri: ${literal(uri)} }]) { key }`),
  fc.array(id, { maxLength: 3 }).map((ids) => `deleteMasks(ids: ${literal(ids)}) { count }`),
  text.map((name) => `upsertModels(models: [{ name: ${literal(name)}, metadata: [1, 2] }]) { name }`),
  fc.tuple(text, fc.constantFrom('READ', 'ROOT')).map(([name, scope]) => `createApiToken(scope: ${scope}, name: ${literal(name)}) { token }`),
);

const document = fc.oneof(
  { weight: 5, arbitrary: fc.array(field, { minLength: 1, maxLength: 4 }).map((fs) => `{ ${fs.map((f, i) => `a${i}: ${f}`).join(' ')} }`) },
  { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }).map((ms) => `mutation { ${ms.map((m, i) => `m${i}: ${m}`).join(' ')} }`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => `{ ${'masks { nodes { image { masks '.repeat(Math.min(n, 400))}id${' } } }'.repeat(Math.min(n, 400))} }`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((n) => `{ image(key: ${'['.repeat(n)}"x"${']'.repeat(n)}) { key } }`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: topKByCP(roi: { full: true }, range: { gt: 0.1 }, k: 5, useIndex: false) { items { nodes { value } } }`).join(' ')} }`) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
);

const variables = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 }), fc.constant({ files: [null] }), fc.constant('not an object'));
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant(`Bearer ${TEST_OPERATOR_TOKEN}`),
  fc.string({ maxLength: 40 }).filter((s) => !/[\r\n\0]/.test(s) && /^[\x20-\x7e]*$/.test(s)),
  fc.constantFrom('Bearer', 'Bearer mst_', 'Basic Zm9vOmJhcg==', `Bearer ${'x'.repeat(20_000)}`),
);
const contentType = fc.constantFrom('application/json', 'application/graphql-response+json', 'application/graphql', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'garbage', undefined);
const host = fc.constantFrom('localhost', '127.0.0.1:1', '[::1', 'a b', '%zz', '', 'x'.repeat(300));

const jsonRequest = fc.record({ query: document, variables, auth: authorization, type: contentType, host, csrf: fc.boolean(), get: fc.boolean() }).map(({ query, variables, auth, type, host, csrf, get }): Raw => {
  const headers: Record<string, string> = { host };
  if (auth !== undefined) headers.authorization = auth;
  if (type !== undefined) headers['content-type'] = type;
  if (csrf) headers['x-graphql-yoga-csrf'] = '1';
  if (get) return { method: 'GET', path: `/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables) ?? '')}`, headers };
  return { method: 'POST', path: '/graphql', headers, body: Buffer.from(JSON.stringify({ query, variables }) ?? '') };
});

const multipartRequest = fc
  .record({
    operations: fc.oneof(fc.constant(JSON.stringify({ query: 'mutation ($files: [Upload!]!) { ingestMasks(source: "gradcam", files: $files) { ingestedFiles } }', variables: { files: [null] } })), fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))),
    map: fc.oneof(fc.constant('{"0":["variables.files.0"]}'), fc.constantFrom('[]', '"x"', '{"0":"variables.files.0"}', '{"0":["variables.__proto__.x"]}', '{"9":["variables.files.0"]}', 'null', '{'), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))),
    file: fc.uint8Array({ maxLength: 300 }),
    name: fc.constantFrom('a.npy', 'b.png', '../../etc/passwd', '', 'x'.repeat(500) + '.npy', 'c.json'),
    auth: authorization,
    boundaryBroken: fc.boolean(),
  })
  .map(({ operations, map, file, name, auth, boundaryBroken }): Raw => {
    const boundary = 'fuzzboundary';
    const part = (fieldName: string, content: Buffer, filename?: string) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${fieldName}"${filename !== undefined ? `; filename="${filename}"` : ''}\r\n\r\n`), content, Buffer.from('\r\n')]);
    const body = Buffer.concat([part('operations', Buffer.from(operations)), part('map', Buffer.from(map)), part('0', Buffer.from(file), name), Buffer.from(boundaryBroken ? `--${boundary}` : `--${boundary}--\r\n`)]);
    const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1' };
    if (auth !== undefined) headers.authorization = auth;
    return { method: 'POST', path: '/graphql', headers, body };
  });

const pngRequest = fc
  .record({
    route: fc.constantFrom('masks', 'image', 'overlay', 'other'),
    id: fc.oneof(fc.constant(String(maskId)), fc.constantFrom('0', '99999999999999999999', '1e3', '-1', '%ZZ', '%E0%A4%A'), fc.string({ maxLength: 10 }).map(encodeURIComponent)),
    colormap: fc.constantFrom('gray', 'turbo', 'VIRIDIS', 'rainbow', '', '__proto__', 'constructor'),
    opacity: fc.constantFrom('0', '1', '0.5', '-1', 'NaN', '1e400', ''),
    method: fc.constantFrom('GET', 'HEAD', 'GET'),
    ifNoneMatch: fc.option(fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s))),
  })
  .map(({ route, id, colormap, opacity, method, ifNoneMatch }): Raw => {
    const path =
      route === 'masks' ? `/masks/${id}.png?colormap=${colormap}`
      : route === 'image' ? `/images/${id}.png`
      : route === 'overlay' ? `/images/img-001/overlay.png?mask=${id}&colormap=${colormap}&opacity=${opacity}`
      : `/${id}/../..//x?y=%`;
    return { method, path, headers: ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {} };
  });

async function check(raw: Raw): Promise<void> {
  const { status, body } = await send(raw);
  expect(status, `${raw.method} ${raw.path.slice(0, 200)} → ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(body, `${raw.method} ${raw.path.slice(0, 200)}`).not.toMatch(STACK);
  expect(body.length).toBeLessThan(5_000_000);
}

describe('fuzzing the HTTP handler', () => {
  it('answers random GraphQL documents, variables and headers without a 5xx or a stack trace', async () => {
    await fc.assert(fc.asyncProperty(jsonRequest, check), { numRuns: 250 * RUNS, seed: SEED });
  }, 120_000);

  it('answers random multipart bodies without a 5xx or a stack trace', async () => {
    await fc.assert(fc.asyncProperty(multipartRequest, check), { numRuns: 120 * RUNS, seed: SEED + 1 });
  }, 120_000);

  it('answers random PNG routes without a 5xx or a stack trace', async () => {
    await fc.assert(fc.asyncProperty(pngRequest, check), { numRuns: 150 * RUNS, seed: SEED + 2 });
  }, 120_000);

  it('gives variable-coercion and document errors a code, and quotes only a short prefix of the input', async () => {
    const ask = async (query: string, variables?: unknown) =>
      JSON.parse((await send({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ query, variables })) })).body) as { errors: { message: string; extensions: { code: string } }[] };
    const coerced = await ask('query ($k: Int!) { topKByCP(roi: { full: true }, range: { gt: 0.5 }, k: $k) { items { nodes { value } } } }', { k: 'x'.repeat(1_000_000) });
    expect(coerced.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(coerced.errors[0].message.length).toBeLessThanOrEqual(300);
    expect((await ask('query ($k: Int!) { topKByCP(roi: { full: true }, range: { gt: 0.5 }, k: $k) { items { nodes { value } } } }', {})).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const deep = await ask(`{ image(key: ${'['.repeat(3000)}"x"${']'.repeat(3000)}) { key } }`);
    expect(deep.errors[0]).toMatchObject({ message: 'the document nests brackets deeper than 64 levels', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('still answers a plain query afterwards', async () => {
    const { status, body } = await send({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ query: '{ masks(first: 1) { nodes { id } } }' })) });
    expect(status).toBe(200);
    expect(JSON.parse(body).data.masks.nodes).toHaveLength(1);
  });
});
