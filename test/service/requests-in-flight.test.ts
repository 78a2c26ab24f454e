import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestsInFlight } from '../../service/requests-in-flight.js';

/** A server whose responses wait until the test ends them. */
async function holdingServer(requests: RequestsInFlight): Promise<{ server: Server; url: string; held: ServerResponse[] }> {
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    requests.track(res);
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, held };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('the requests in flight, for background work to give way to', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  it('is quiet at once with no request in flight', async () => {
    const started = performance.now();
    await new RequestsInFlight().quiet(10_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('waits until the requests in flight are answered, or closed by their client', async () => {
    const requests = new RequestsInFlight();
    const served = await holdingServer(requests);
    server = served.server;
    const aborted = new AbortController();
    const answered = fetch(served.url);
    const dropped = fetch(served.url, { signal: aborted.signal }).catch(() => null);
    await until(() => served.held.length === 2);
    let quiet = false;
    const waiting = requests.quiet(10_000).then(() => void (quiet = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(quiet).toBe(false);
    served.held[0].end('done');
    await answered;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(quiet).toBe(false);
    aborted.abort();
    await dropped;
    await waiting;
    expect(quiet).toBe(true);
  });

  it('waits no longer than it is given while a request stays open', async () => {
    const requests = new RequestsInFlight();
    const served = await holdingServer(requests);
    server = served.server;
    void fetch(served.url).catch(() => null);
    await until(() => served.held.length === 1);
    const started = performance.now();
    await requests.quiet(100);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(95);
    expect(waited).toBeLessThan(2_000);
  });
});
