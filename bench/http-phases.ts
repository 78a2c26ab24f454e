/**
 * Where one request's time goes, socket to socket: topKByCP(k: 25) with the nested mask, image
 * (with boxes) and model of every item, sent again and again to the service over the data
 * bench/service.ts stored. A yoga plugin stamps each phase on the server; the client times the
 * whole round trip. Per phase: the median over the requests, and the statements each sent.
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import type { Plugin } from 'graphql-yoga';
import { openDatabase } from '../db/client.js';
import { createHttpServer } from '../service/http.js';
import { MaskSearch } from '../search/mask-search.js';
import { median } from './suite.js';

interface Options {
  databaseUrl: string;
  requests: number;
  warmup: number;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const QUERY = `{ topKByCP(where: { maskTypes: ["saliency"] }, roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, k: 25, order: DESC) {
  items { nodes { rank value mask { id maskType image { key label boxes { name } } model { name } } } }
  stats { elapsedMs } } }`;

type Stamp = 'arrived' | 'bodyParsed' | 'parseStart' | 'parsed' | 'validateStart' | 'validated' | 'contextStart' | 'context' | 'executeStart' | 'executed' | 'serialiseStart' | 'responded' | 'finished';

/** The stamps of the request in flight (requests go one at a time). */
let stamps: Partial<Record<Stamp, number>> = {};
let statements = 0;
const stamp = (name: Stamp) => (stamps[name] = performance.now());

const phases: Plugin = {
  onRequestParse: () => ({ onRequestParseDone: () => void stamp('bodyParsed') }),
  onParse: () => {
    stamp('parseStart');
    return () => void stamp('parsed');
  },
  onValidate: () => {
    stamp('validateStart');
    return () => void stamp('validated');
  },
  onContextBuilding: () => {
    stamp('contextStart');
    return () => void stamp('context');
  },
  onExecute: () => {
    stamp('executeStart');
    statements = 0;
    return { onExecuteDone: () => void stamp('executed') };
  },
  onResultProcess: () => void stamp('serialiseStart'),
  onResponse: () => void stamp('responded'),
};

async function main(opts: Options): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const store = await openDatabase({ databaseUrl: opts.databaseUrl, onQuery: () => void statements++ });
  const service = await MaskSearch.start(store, { resultCacheMb: 0, snapshotAfter: 0 });
  const server = createHttpServer(service, { log: () => {}, plugins: [phases] });
  server.prependListener('request', (_req, res) => {
    stamps = { arrived: performance.now() };
    res.once('finish', () => void stamp('finished'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < opts.warmup + opts.requests; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
    const body = (await response.json()) as { data?: { topKByCP: { stats: { elapsedMs: number } } }; errors?: unknown };
    const t1 = performance.now();
    if (!body.data) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
    if (i < opts.warmup) continue;
    const c = process.cpuUsage(c0);
    const s = stamps as Record<Stamp, number>;
    const engine = body.data.topKByCP.stats.elapsedMs;
    rows.push({
      client: t1 - t0,
      cpu: (c.user + c.system) / 1000,
      server: s.finished - s.arrived,
      request: s.bodyParsed - s.arrived,
      parse: s.parsed - s.parseStart,
      validate: s.validated - s.validateStart,
      context: s.context - s.contextStart,
      execute: s.executed - s.executeStart,
      engine,
      nested: s.executed - s.executeStart - engine,
      serialise: s.responded - s.serialiseStart,
      write: s.finished - s.responded,
      statements,
    });
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.close();
  await store.close();
  const m = (k: string) => median(rows.map((r) => r[k]));
  console.log(`\n${service.table.size} masks; ${opts.requests} requests after ${opts.warmup} warm-up; medians, ms; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| client round trip | CPU (process) | server, socket to socket | request body | parse | validate | context | execute | of which engine | of which nested fields | serialise | write | statements |');
  console.log('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  console.log(
    `| ${['client', 'cpu', 'server', 'request', 'parse', 'validate', 'context', 'execute', 'engine', 'nested', 'serialise', 'write'].map((k) => m(k).toFixed(2)).join(' | ')} | ${m('statements')} |`,
  );
  console.log(`\nHTTP − engine: ${(m('client') - m('engine')).toFixed(2)} ms at the median (client round trip − engine).`);
}

new Command()
  .name('bench:http')
  .description('where the time of one topKByCP request with nested fields goes, phase by phase')
  .option('--database-url <url>', 'PostgreSQL database bench:service stored', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/masksearch_bench')
  .option('--requests <n>', 'timed requests', positiveInt, 200)
  .option('--warmup <n>', 'requests before the timed ones', positiveInt, 20)
  .action((opts: Options) => main(opts))
  .parseAsync()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
