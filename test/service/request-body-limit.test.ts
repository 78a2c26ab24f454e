import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../service/http.js';
import { seedStore, startService, type RunningService } from './service-fixture.js';

interface Answer {
  status: number;
  body: { data?: { topKByCP: { items: { nodes: { rank: number; mask: { image: { key: string } } }[] } } }; errors?: { extensions?: { code?: string } }[] };
}

const TOP_K = '{ topKByCP(where: { maskTypes: ["saliency"] }, roi: { full: true }, range: { gt: 0.5 }, k: 3, order: DESC) { items { nodes { rank mask { image { key } } } } } }';

/** A POST to /graphql over a real socket: with Content-Length, or chunked in the pieces given. */
function post(port: number, pieces: readonly string[], contentLength: number | null): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (contentLength !== null) headers['content-length'] = contentLength;
    const req = httpRequest({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : { text } });
      });
    });
    // The server may answer (and close) before a refused body is all sent.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (contentLength !== null) req.flushHeaders();
    const write = (i: number) => {
      if (i === pieces.length) return void req.end();
      if (req.destroyed) return;
      req.write(pieces[i], () => write(i + 1));
    };
    write(0);
  });
}

// Small, so that a body over it is quick to send.
const LIMIT = 4096;

describe('the request body limit', () => {
  let running: RunningService;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    running = await startService((store) => seedStore(store, 12).then(() => undefined));
    server = createHttpServer(running.service, { log: () => {}, maxRequestBodyBytes: LIMIT });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await running?.stop();
  });

  it('answers a query sent with Content-Length and the same query sent chunked alike', async () => {
    const body = JSON.stringify({ query: TOP_K });
    const sized = await post(port, [body], Buffer.byteLength(body));
    const chunked = await post(port, [body.slice(0, 20), body.slice(20)], null);
    expect(sized.status).toBe(200);
    expect(sized.body.errors).toBeUndefined();
    expect(sized.body.data!.topKByCP.items.nodes.map((n) => n.rank)).toEqual([1, 2, 3]);
    expect(chunked).toEqual(sized);
  });

  it('refuses a declared length over the limit before reading the body', async () => {
    const answer = await post(port, [], LIMIT + 1);
    expect(answer.status).toBe(413);
    expect(answer.body.errors![0].extensions?.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  // The refusal reaches the client as a bare 400 (the body stream fails mid-read), as with yoga's own limit.
  it('refuses a chunked body once it passes the limit, without running it', async () => {
    const kilobyte = ' '.repeat(1024);
    const pieces = [`{"query": "${TOP_K.replaceAll('"', '\\"')}"`, ...Array.from({ length: LIMIT / 1024 + 1 }, () => kilobyte), '}'];
    const answer = await post(port, pieces, null);
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
  });
});
