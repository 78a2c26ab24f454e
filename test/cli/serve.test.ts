import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../cli/store-lock.js';
import { upsertImages } from '../../db/repositories/images.js';
import { insertMasks } from '../../db/repositories/masks.js';
import { createFreshStore, testDriver, type FreshStore } from '../db/fresh-store.js';
import { blobMask } from '../db/mask-fixtures.js';
import { runOnStore, startServer, type ServerProcess } from './cli-process.js';

const IMAGE_KEYS = '{ images(first: 5) { edges { node { key } } } }';

describe('masksearch serve', () => {
  let fresh: FreshStore;
  let server: ServerProcess;
  let dir: string;
  const lockFile = () => join(fresh.options.dataDir!, LOCK_FILE);

  beforeAll(async () => {
    [fresh, dir] = await Promise.all([createFreshStore(), mkdtemp(join(tmpdir(), 'masksearch-serve-'))]);
    const handle = await fresh.open();
    const [a, b] = await upsertImages(handle.db, [
      { key: 'a', width: 8, height: 8 },
      { key: 'b', width: 8, height: 8 },
    ]);
    await insertMasks(handle.db, [a, b].map((imageId, i) => ({ imageId, maskType: 'saliency', source: 'test', mask: blobMask(8, 8, i) })));
    // One process at a time on an embedded store.
    await handle.close();
    server = await startServer(fresh);
  });

  afterAll(async () => {
    await server?.stop();
    await fresh?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const keys = async () => {
    const { data } = await server.gql<{ images: { edges: { node: { key: string } }[] } }>(IMAGE_KEYS);
    return data!.images.edges.map((e) => e.node.key);
  };

  it('listens on the port it picked and answers GraphQL', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(server.output().stdout).toMatch(/MaskSearch ready: \S+ \(2 masks indexed in \d+\.\d s\)/);
    expect(server.output().stdout).toContain('building the index from 2 masks: there is no stored snapshot\n');
    expect(server.output().stdout).toMatch(/access: listening on 127\.0\.0\.1; anyone who reaches the port may read; writes need a token; no other web origin may call the API/);
    expect(await keys()).toEqual(['a', 'b']);
  });

  it.runIf(testDriver === 'pglite')('takes an images import handed over by the CLI, the embedded store being its own', async () => {
    const file = join(dir, 'handed.jsonl');
    await writeFile(file, `${JSON.stringify({ key: 'c', width: 4, height: 4, boxes: { object: [0, 0, 2, 2] } })}\n`);
    const result = await runOnStore(fresh, ['images', 'import', file]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^imported 1 image through the MaskSearch server using \\S+ \\(pid ${server.child.pid}, ${server.url}\\) in \\d+\\.\\d s\\n$`));
    expect(await keys()).toEqual(['a', 'b', 'c']);
  });

  it.runIf(testDriver === 'pglite')('manages tokens through the server holding the embedded store; anonymous writes are refused', async () => {
    const post = (query: string, token?: string) =>
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }) });
    const upsert = 'mutation { upsertModels(models: [{ name: "by-token" }]) { name } }';
    expect((await (await post(upsert)).json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const created = await runOnStore(fresh, ['tokens', 'create', '--scope', 'write', '--name', 'ci']);
    expect(created.stderr).toBe("created token 'ci' with scope write; it is shown only now:\n");
    const token = created.stdout.trim();
    expect(token).toMatch(/^mst_[\w-]{43}$/);
    expect(await (await post(upsert, token)).json()).toEqual({ data: { upsertModels: [{ name: 'by-token' }] } });
    expect((await runOnStore(fresh, ['tokens', 'list'])).stdout).toMatch(/^ci\twrite\tcreated \S+\n$/);
    expect((await runOnStore(fresh, ['tokens', 'revoke', 'ci'])).stdout).toBe("revoked token 'ci'\n");
    expect((await post(upsert, token)).status).toBe(401);
  });

  it.runIf(testDriver === 'pglite')('makes other commands say plainly who holds the embedded store', async () => {
    const result = await runOnStore(fresh, ['migrate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `masksearch: the store in ${fresh.options.dataDir} is in use by a MaskSearch server (pid ${server.child.pid}, ${server.url}); stop it or use its GraphQL API\n`,
    );
  });

  it.runIf(testDriver === 'postgres')('shares PostgreSQL with an images import running beside it', async () => {
    const file = join(dir, 'beside.jsonl');
    await writeFile(file, `${JSON.stringify({ key: 'c', width: 4, height: 4 })}\n`);
    const result = await runOnStore(fresh, ['images', 'import', file]);
    expect(result.stdout).toMatch(/^imported 1 image \(1 new, 0 updated\)/);
    expect(await keys()).toEqual(['a', 'b', 'c']);
  });

  it('stops cleanly on SIGTERM, its scan worker thread too, releasing the embedded store', async () => {
    // A full scan starts the worker thread that counts scans.
    const scan = await server.gql<{ topKByCP: { items: { nodes: { value: number }[] } } }>('{ topKByCP(roi: { full: true }, range: { gt: 0.5 }, k: 1, useIndex: false) { items { nodes { value } } } }');
    expect(scan.errors).toBeUndefined();
    expect(scan.data!.topKByCP.items.nodes).toHaveLength(1);
    expect(await server.stop()).toBe(0);
    expect(server.output().stdout).toMatch(/\nstopping\n$/);
    expect(server.output().stderr).toBe('');
    if (testDriver === 'pglite') expect(existsSync(lockFile())).toBe(false);
  });

  it.runIf(testDriver === 'pglite')('ignores and removes a lock left by a process that died', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(lockFile(), JSON.stringify({ pid: dead, command: 'serve', url: 'http://localhost:1/graphql' }));
    const result = await runOnStore(fresh, ['migrate']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`the store in ${fresh.options.dataDir} is up to date; no migrations to apply\n`);
    expect(existsSync(lockFile())).toBe(false);
  });
});
