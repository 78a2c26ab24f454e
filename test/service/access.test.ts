import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertImages } from '../../db/repositories/images.js';
import { createApiToken, revokeApiToken } from '../../db/repositories/tokens.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { createHttpServer } from '../../service/http.js';
import { ImageRoots } from '../../ingest/image-roots.js';
import { seedStore, startService, type GraphQLResult, type RunningService, type Seeded } from './service-fixture.js';

const MASK_IDS = '{ masks(first: 3) { nodes { id } } }';
const UPSERT_MODEL = 'mutation { upsertModels(models: [{ name: "probe" }]) { name } }';

type Json = GraphQLResult<Record<string, unknown>>;

describe('access: tokens and scopes', () => {
  let running: RunningService;
  let seeded: Seeded;
  const tokens: Record<string, string> = {};
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-access-'));
    running = await startService(
      async (store) => {
        seeded = await seedStore(store, 12, 3);
        for (const scope of ['read', 'write', 'admin'] as const) tokens[scope] = (await createApiToken(store.db, scope, `${scope}-token`)).token;
        tokens.revoked = (await createApiToken(store.db, 'admin', 'gone')).token;
        await revokeApiToken(store.db, 'gone');
        await upsertImages(store.db, [{ key: 'located', width: 4, height: 4, uri: join(dir, 'located.png') }]);
      },
      undefined,
      {},
      { imageRoots: new ImageRoots([dir]) },
    );
  });
  afterAll(async () => {
    await running?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const as = async (token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: Json }> => {
    const response = await running.fetch({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const code = (body: Json) => body.errors?.[0]?.extensions?.code;

  it('lets anonymous clients read, and never write', async () => {
    const read = await as(undefined, MASK_IDS);
    expect(read.body.errors).toBeUndefined();
    const write = await as(undefined, UPSERT_MODEL);
    expect(code(write.body)).toBe('UNAUTHENTICATED');
    expect(write.body.errors![0].message).toMatch(/Mutation.upsertModels needs a token with scope write/);
    expect(write.body.data ?? null).toBeNull();
    const del = await as(undefined, `mutation { deleteMasks(ids: ["${encodeGlobalID('Mask', seeded.masks[0].id)}"]) { count } }`);
    expect(code(del.body)).toBe('UNAUTHENTICATED');
    expect((await as(undefined, `{ mask: masks(where: { ids: ["${encodeGlobalID('Mask', seeded.masks[0].id)}"] }) { nodes { id } } }`)).body.data).toEqual({ mask: { nodes: [{ id: encodeGlobalID('Mask', seeded.masks[0].id) }] } });
  });

  it('gives each scope what it names and no more', async () => {
    expect(code((await as(tokens.read, UPSERT_MODEL)).body)).toBe('FORBIDDEN');
    expect((await as(tokens.write, UPSERT_MODEL)).body.errors).toBeUndefined();
    const deleteQuery = `mutation { deleteMasks(ids: ["${encodeGlobalID('Mask', seeded.masks[1].id)}"]) { count } }`;
    const byWriter = await as(tokens.write, deleteQuery);
    expect(code(byWriter.body)).toBe('FORBIDDEN');
    expect(byWriter.body.errors![0].message).toMatch(/scope admin; token 'write-token' does not have it/);
    expect(running.service.table.hasMask(seeded.masks[1].id)).toBe(true);
    expect((await as(tokens.admin, deleteQuery)).body).toEqual({ data: { deleteMasks: { count: 1 } } });
    expect(code((await as(tokens.write, '{ apiTokens { name } }')).body)).toBe('FORBIDDEN');
    const listed = await as(tokens.admin, '{ apiTokens(includeRevoked: true) { name scope revokedAt } }');
    expect((listed.body.data!.apiTokens as { name: string }[]).map((t) => t.name)).toEqual(['read-token', 'write-token', 'admin-token', 'gone']);
  });

  it('answers 401 to an unknown, revoked or malformed credential', async () => {
    for (const header of [`Bearer ${tokens.revoked}`, 'Bearer mst_nothing', 'Basic dXNlcjpwdw==', `Bearer ${'x'.repeat(100_000)}`]) {
      const response = await running.fetch({ method: 'POST', headers: { 'content-type': 'application/json', authorization: header }, body: JSON.stringify({ query: MASK_IDS }) });
      expect(response.status, header.slice(0, 20)).toBe(401);
      const body = (await response.json()) as Json;
      expect(code(body)).toBe('UNAUTHENTICATED');
      expect(body.errors![0].message.length).toBeLessThan(200);
    }
  });

  it('creates and revokes tokens over the API with admin scope, effective at once', async () => {
    const created = await as(tokens.admin, 'mutation { createApiToken(scope: WRITE, name: "temp") { token apiToken { name scope } } }');
    const { token, apiToken } = created.body.data!.createApiToken as { token: string; apiToken: unknown };
    expect(apiToken).toEqual({ name: 'temp', scope: 'WRITE' });
    expect((await as(token, UPSERT_MODEL)).body.errors).toBeUndefined();
    expect((await as(tokens.admin, 'mutation { revokeApiToken(name: "temp") { name } }')).body.errors).toBeUndefined();
    expect((await as(token, UPSERT_MODEL)).status).toBe(401);
    expect(code((await as(tokens.admin, 'mutation { revokeApiToken(name: "temp") { name } }')).body)).toBe('NOT_FOUND');
    expect(code((await as(tokens.admin, 'mutation { createApiToken(scope: READ, name: "read-token") { token } }')).body)).toBe('BAD_USER_INPUT');
  });

  it('hides Image.uri from clients without write scope', async () => {
    const query = '{ image(key: "located") { key uri } }';
    expect((await as(undefined, query)).body).toEqual({ data: { image: { key: 'located', uri: null } } });
    expect((await as(tokens.read, query)).body).toEqual({ data: { image: { key: 'located', uri: null } } });
    expect((await as(tokens.write, query)).body).toEqual({ data: { image: { key: 'located', uri: join(dir, 'located.png') } } });
  });

  it('refuses uris outside the image roots, naming the argument', async () => {
    const upsert = (uri: string) => as(tokens.write, 'mutation ($uri: String) { upsertImages(images: [{ key: "x", width: 2, height: 2, uri: $uri }]) { key } }', { uri });
    for (const uri of ['/etc/passwd', `${dir}/../secret.png`, 'file:///etc/shadow', 'relative/elsewhere.png']) {
      const { body } = await upsert(uri);
      expect(code(body), uri).toBe('BAD_USER_INPUT');
      expect(body.errors![0].extensions?.argumentPath).toBe('images[0].uri');
    }
    expect((await upsert(join(dir, 'sub', 'ok.png'))).body.errors).toBeUndefined();
    expect((await upsert(`file://${dir}/ok.png`)).body.errors).toBeUndefined();
  });

  it('bounds the registered size of an image', async () => {
    const { body } = await as(tokens.write, 'mutation { upsertImages(images: [{ key: "huge", width: 40000, height: 40000 }]) { key } }');
    expect(code(body)).toBe('BAD_USER_INPUT');
    expect(body.errors![0].message).toMatch(/40000×40000 is more than the limit of 16777216 pixels/);
  });
});

describe('access: operator choices', () => {
  it('--require-token-for-reads refuses anonymous queries; --allow-anonymous-writes lets them write but not delete', async () => {
    const closed = await startService(async (store) => void (await seedStore(store, 3, 1)), undefined, {}, { access: { anonymous: 'none' }, token: null });
    try {
      const res = await closed.gql(MASK_IDS);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.data ?? null).toBeNull();
    } finally {
      await closed.stop();
    }
    let maskId = 0;
    const open = await startService(async (store) => void (maskId = (await seedStore(store, 3, 1)).masks[0].id), undefined, {}, { access: { anonymous: 'write' }, token: null });
    try {
      expect((await open.gql(UPSERT_MODEL)).errors).toBeUndefined();
      expect((await open.gql(`mutation { deleteMasks(ids: ["${encodeGlobalID('Mask', maskId)}"]) { count } }`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await open.stop();
    }
  });
});

describe('browser safety and files over a real port', () => {
  let running: RunningService;
  let dir: string;
  let outside: string;
  let url: string;
  let close: () => Promise<void>;
  let writeToken: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-root-'));
    outside = await mkdtemp(join(tmpdir(), 'masksearch-outside-'));
    const png = encode({ width: 2, height: 2, data: new Uint8Array(12).fill(9), channels: 3, depth: 8 });
    await writeFile(join(dir, 'inside.png'), png);
    await writeFile(join(outside, 'secret.png'), png);
    await symlink(join(outside, 'secret.png'), join(dir, 'link.png'));
    // A large file that is not a PNG: refused from its first bytes, never read whole.
    await writeFile(join(dir, 'big.png'), Buffer.alloc(2_000_000, 1));
    running = await startService(async (store) => {
      writeToken = (await createApiToken(store.db, 'write', 'w')).token;
      await upsertImages(store.db, [
        { key: 'inside', width: 2, height: 2, uri: join(dir, 'inside.png') },
        { key: 'outside', width: 2, height: 2, uri: join(outside, 'secret.png') },
        { key: 'dotdot', width: 2, height: 2, uri: `${dir}/../${outside.split('/').pop()}/secret.png` },
        { key: 'link', width: 2, height: 2, uri: join(dir, 'link.png') },
        { key: 'missing', width: 2, height: 2, uri: join(dir, 'nothing.png') },
        { key: 'big', width: 2, height: 2, uri: join(dir, 'big.png') },
      ]);
    });
    const server = createHttpServer(running.service, { imageRoots: new ImageRoots([dir]), corsOrigins: ['https://tools.example.org'] });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close?.();
    await running?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const mutation = JSON.stringify({ query: 'mutation { upsertModels(models: [{ name: "csrf" }]) { name } }' });

  it('refuses multipart, form-encoded and text/plain POSTs without the CSRF header, even with a token', async () => {
    const form = new FormData();
    form.set('operations', mutation);
    form.set('map', '{}');
    const auth = { authorization: `Bearer ${writeToken}` };
    const attempts: [string, RequestInit][] = [
      ['multipart', { body: form, headers: auth }],
      ['urlencoded', { body: new URLSearchParams({ query: 'mutation { upsertModels(models: [{ name: "csrf" }]) { name } }' }), headers: auth }],
      ['text/plain', { body: mutation, headers: { ...auth, 'content-type': 'text/plain' } }],
    ];
    for (const [name, init] of attempts) {
      const response = await fetch(`${url}/graphql`, { method: 'POST', ...init });
      expect(response.status, name).toBe(403);
    }
    const models = await (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ models { name } }' }) })).json();
    expect(models.data.models.map((m: { name: string }) => m.name)).not.toContain('csrf');
    const withHeader = await fetch(`${url}/graphql`, { method: 'POST', body: form, headers: { ...auth, 'x-graphql-yoga-csrf': '1' } });
    expect(withHeader.status).toBe(200);
  });

  it('answers CORS only to allow-listed origins, never with credentials', async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const listed = await preflight('https://tools.example.org');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://tools.example.org');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    const post = await fetch(`${url}/graphql`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ models { name } }' }) });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves image files only from under the roots; missing and forbidden look alike', async () => {
    const get = (key: string) => fetch(`${url}/images/${key}.png`);
    expect((await get('inside')).status).toBe(200);
    const answers = await Promise.all(['outside', 'dotdot', 'link', 'missing', 'big'].map(async (key) => {
      const response = await get(key);
      return [response.status, (await response.text()).replace(key, 'KEY')];
    }));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0][0]).toBe(404);
    const overlayTags = await Promise.all(['outside', 'missing'].map(async (key) => {
      const image = await running.gql<{ image: { masks: { id: string }[] } }>(`{ image(key: "${key}") { masks { id } } }`);
      return image.data?.image?.masks.length ?? 0;
    }));
    expect(overlayTags).toEqual([0, 0]);
  });

  it('survives a malformed Host header and request target', async () => {
    const { request } = await import('node:http');
    const port = Number(new URL(url).port);
    const status = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', path, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    for (const [path, host] of [['/masks/1.png', '[::1'], ['/graphql?query={models{name}}', 'a b'], ['//x', '%'], ['/images/%E0%A4%A.png', 'h']]) {
      expect(await status(path, host)).toBeLessThan(500);
    }
    expect((await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ models { name } }' }) })).status).toBe(200);
  });
});
