import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../db/repositories/tokens.js';
import { encodeNpy } from '../../plugins/kit/npy.js';
import { runOnStore, startServer, type ServerProcess } from '../cli/cli-process.js';
import { createFreshStore, type FreshStore } from '../db/fresh-store.js';
import { seedStore } from './service-fixture.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A 16×16 float32 map, different per n, as gradcam reads it. */
function npyFile(n: number): Uint8Array {
  const values = Float32Array.from({ length: 256 }, (_, i) => ((i * 31 + n * 17) % 256) / 255);
  return encodeNpy({ descr: '<f4', shape: [16, 16], data: new Uint8Array(values.buffer) });
}

/** How many times each event appears in the server's JSON-lines log. */
function logEvents(stderr: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of stderr.split('\n')) {
    try {
      const event = (JSON.parse(line) as { event?: string }).event ?? '?';
      counts[event] = (counts[event] ?? 0) + 1;
    } catch {
      if (line.trim()) counts["(not JSON)"] = (counts["(not JSON)"] ?? 0) + 1;
    }
  }
  return counts;
}

const SCAN = '{ filterByCP(roi: { full: true }, range: { gt: 0.5 }, op: GT, threshold: 0, useIndex: false) { totalCount } }';

/**
 * PostgreSQL's backends of the service are terminated over and over (pg_terminate_backend) while
 * it answers queries, ingests uploads and listens, and a CLI ingests beside it: the process must
 * stay up, every request must get an answer without a 5xx or a stack trace, and once the
 * database is left alone everything works again with every committed mask in place.
 */
describe.runIf(process.env.DATABASE_URL)('losing PostgreSQL connections', () => {
  let fresh: FreshStore;
  let server: ServerProcess;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    fresh = await createFreshStore();
    dir = await mkdtemp(join(tmpdir(), 'masksearch-cut-'));
    const handle = await fresh.open();
    await seedStore(handle, 40, 9);
    token = (await createApiToken(handle.db, 'write', 'cutter')).token;
    await handle.close();
    server = await startServer(fresh);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await fresh?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('survives terminated backends during queries, ingest and LISTEN, and recovers', async () => {
    const database = new URL(fresh.options.databaseUrl!).pathname.slice(1);
    const maintenance = new URL(fresh.options.databaseUrl!);
    maintenance.pathname = '/postgres';
    const root = postgres(maintenance.href, { max: 1, onnotice: () => {} });
    const answers: { status: number; text: string }[] = [];
    const post = async (init: RequestInit) => {
      try {
        const response = await fetch(server.url, { method: 'POST', ...init });
        answers.push({ status: response.status, text: await response.text() });
      } catch (error) {
        answers.push({ status: -1, text: String(error) });
      }
    };
    let stop = false;
    const queries = (async () => {
      while (!stop) await post({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SCAN }) });
    })();
    let uploaded = 0;
    const ingests = (async () => {
      while (!stop) {
        const form = new FormData();
        const files = Array.from({ length: 5 }, () => uploaded++);
        form.set('operations', JSON.stringify({ query: 'mutation ($files: [Upload!]!) { ingestMasks(source: "gradcam", files: $files) { ingestedFiles failures { file reason } } }', variables: { files: files.map(() => null) } }));
        form.set('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
        files.forEach((n, i) => form.set(String(i), new Blob([npyFile(n) as Uint8Array<ArrayBuffer>]), `cut-${n}.npy`));
        await post({ body: form, headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' } });
      }
    })();
    for (let n = 0; n < 4; n++) await writeFile(join(dir, `beside-${n}.npy`), npyFile(1000 + n));
    const beside = runOnStore(fresh, ['ingest', '--source', 'gradcam', '--workers', '0', dir]);
    try {
      for (let round = 0; round < 15; round++) {
        await root`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid() and application_name = 'masksearch'`;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    } finally {
      stop = true;
      await Promise.all([queries, ingests]);
      await root.end();
    }
    await beside;

    expect(server.child.exitCode, server.output().stderr).toBeNull();
    expect(answers.length).toBeGreaterThan(10);
    for (const answer of answers) {
      // A request the lost connection failed is told so (503, SERVICE_UNAVAILABLE, retry), never a bare 500.
      const clean = (answer.status >= 200 && answer.status < 500) || (answer.status === 503 && answer.text.includes('"SERVICE_UNAVAILABLE"'));
      expect(clean, `${answer.status} ${answer.text}`).toBe(true);
      expect(answer.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
    // Left alone, it answers again, and the scan sees every mask the store holds.
    const store = postgres(fresh.options.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      let total = -1;
      let stored = -2;
      for (let attempt = 0; attempt < 40 && total !== stored; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const res = await server.gql<{ filterByCP: { totalCount: number } }>('{ filterByCP(roi: { full: true }, range: { gte: 0 }, op: GTE, threshold: 0, useIndex: false) { totalCount } }');
        total = res.data?.filterByCP.totalCount ?? -1;
        [{ stored }] = await store`select count(*)::int as stored from masks`;
      }
      expect(total).toBe(stored);
    } finally {
      await store.end();
    }
    const failures = answers.filter((a) => a.text.includes('"errors"')).length;
    const unavailable = answers.filter((a) => a.status === 503).length;
    console.log(`connection loss: ${answers.length} requests during 15 terminations, ${failures} answered with a GraphQL error (${unavailable} with 503); server log events: ${JSON.stringify(logEvents(server.output().stderr))}`);
  }, 120_000);
});
