import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../service/http.js';
import { startService, type RunningService } from './service-fixture.js';

async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the explorer at /', () => {
  let running: RunningService;
  let dir: string;
  let built: { url: string; close: () => Promise<void> };
  let unbuilt: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-explorer-'));
    const dist = join(dir, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>explorer</title><script src="/assets/app-1a2b.js"></script>');
    await writeFile(join(dist, 'assets', 'app-1a2b.js'), 'console.log("explorer")');
    await writeFile(join(dir, 'secret.txt'), 'outside the build');
    running = await startService();
    built = await listen(createHttpServer(running.service, { explorerDir: dist }));
    unbuilt = await listen(createHttpServer(running.service, { explorerDir: join(dir, 'missing') }));
  });

  afterAll(async () => {
    await built?.close();
    await unbuilt?.close();
    await running?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at /, with or without a query, revalidated on each use', async () => {
    for (const path of ['/', '/?kind=topk&k=25']) {
      const response = await fetch(`${built.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<title>explorer</title>');
    }
    const etag = (await fetch(`${built.url}/`)).headers.get('etag')!;
    expect((await fetch(`${built.url}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('serves hashed assets as immutable, with their content type', async () => {
    const response = await fetch(`${built.url}/assets/app-1a2b.js`);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe('console.log("explorer")');
  });

  it('serves nothing outside the build', async () => {
    for (const path of ['/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/assets/missing.js']) {
      const response = await fetch(`${built.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain('outside the build');
    }
  });

  it('keeps GraphQL at /graphql', async () => {
    const response = await fetch(`${built.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ models { name } }' }),
    });
    expect(await response.json()).toEqual({ data: { models: [] } });
  });

  it('says how to build the explorer when there is no build', async () => {
    const response = await fetch(`${unbuilt.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/npm run build:web/);
  });
});
