/**
 * Where one request's time goes, socket to socket: topKByCP(k: 25) with the nested mask, image
 * (with boxes) and model of every item, sent again and again to the service over the data
 * bench/service.ts stored. A yoga plugin stamps each phase on the server, a wrapper the
 * topKByCP resolver; a client in its own process (node:http, one kept-alive connection, as a
 * real client) times the whole round trip. Per phase: the median over the requests, and the
 * statements each sent.
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { Command } from 'commander';
import { positiveInt } from './cli-options.js';
import type { Plugin } from 'graphql-yoga';
import { openDatabase } from '../db/client.js';
import { schema } from '../schema/index.js';
import { createHttpServer } from '../service/http.js';
import { MaskSearch } from '../search/mask-search.js';
import { startHttpClient } from './http-client.js';
import { median } from './suite.js';

interface Options {
  databaseUrl: string;
  requests: number;
  warmup: number;
  where: string;
}

const DEFAULT_WHERE = '{ maskTypes: ["saliency"] }';

const query = (where: string) => `{ topKByCP(where: ${where}, roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, k: 25, order: DESC) {
  items { nodes { rank value mask { id maskType image { key label boxes { name } } model { name } } } }
  stats { elapsedMs } } }`;

type Stamp =
  | 'arrived'
  | 'bodyParsed'
  | 'parseStart'
  | 'parsed'
  | 'validateStart'
  | 'validated'
  | 'contextStart'
  | 'context'
  | 'executeStart'
  | 'resolverStart'
  | 'resolved'
  | 'executed'
  | 'serialiseStart'
  | 'responded'
  | 'finished';

/** The stamps and statements of each request, in order (requests go one at a time). */
const requests: { stamps: Partial<Record<Stamp, number>>; statements: number }[] = [];
const current = () => requests[requests.length - 1];
const stamp = (name: Stamp) => (current().stamps[name] = performance.now());

/** Garbage collections (start, ms) while the requests ran: their pauses fall into whichever phase runs then. */
const collections: { start: number; ms: number }[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push({ start: entry.startTime, ms: entry.duration });
});

/** GC pause ms that started inside [from, to]. */
const gcMsBetween = (from: number, to: number) => collections.reduce((sum, c) => (c.start >= from && c.start <= to ? sum + c.ms : sum), 0);

/** Wraps the topKByCP resolver (after the complexity plugin's own wrapper): its start and end. */
function stampTopKResolver(): void {
  const field = schema.getQueryType()!.getFields().topKByCP;
  const resolve = field.resolve!;
  field.resolve = async (...args) => {
    stamp('resolverStart');
    try {
      return await resolve(...args);
    } finally {
      stamp('resolved');
    }
  };
}

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
    return { onExecuteDone: () => void stamp('executed') };
  },
  onResultProcess: () => void stamp('serialiseStart'),
  onResponse: () => void stamp('responded'),
};

async function main(opts: Options): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const store = await openDatabase({ databaseUrl: opts.databaseUrl, onQuery: () => void (requests.length && current().statements++) });
  const service = await MaskSearch.start(store, { resultCacheMb: 0, snapshotAfter: 0 });
  stampTopKResolver();
  const server = createHttpServer(service, { log: () => {}, plugins: [phases] });
  server.prependListener('request', (_req, res) => {
    requests.push({ stamps: { arrived: performance.now() }, statements: 0 });
    const mine = current();
    res.once('finish', () => void (mine.stamps.finished = performance.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  gcObserver.observe({ entryTypes: ['gc'] });
  const c0 = process.cpuUsage();
  const client = startHttpClient(url);
  const answers = [];
  for (let i = 0; i < opts.warmup + opts.requests; i++) {
    const answer = await client.post(query(opts.where));
    const data = answer.body.data as { topKByCP: { stats: { elapsedMs: number } } } | undefined;
    if (!data) throw new Error(`query failed: ${JSON.stringify(answer.body.errors)}`);
    answers.push({ ...answer, engine: data.topKByCP.stats.elapsedMs });
  }
  await client.close();
  const c = process.cpuUsage(c0);
  gcObserver.disconnect();
  if (requests.length !== answers.length) throw new Error(`${requests.length} requests arrived for ${answers.length} sent`);
  const rows = answers.slice(opts.warmup).map((answer, i) => {
    const { stamps: s, statements } = requests[opts.warmup + i] as { stamps: Record<Stamp, number>; statements: number };
    return {
      client: answer.ms,
      server: s.finished - s.arrived,
      socket: answer.ms - (s.finished - s.arrived),
      request: s.bodyParsed - s.arrived,
      parse: s.parsed - s.parseStart,
      validate: s.validated - s.validateStart,
      context: s.context - s.contextStart,
      execute: s.executed - s.executeStart,
      toEngine: s.resolved - s.resolverStart - answer.engine,
      engine: answer.engine,
      nested: s.executed - s.resolved,
      serialise: s.responded - s.serialiseStart,
      write: s.finished - s.responded,
      other: s.finished - s.arrived - (s.bodyParsed - s.arrived) - (s.executed - s.executeStart) - (s.responded - s.serialiseStart) - (s.finished - s.responded),
      gc: gcMsBetween(s.arrived, s.finished),
      gcOutsideEngine: gcMsBetween(s.arrived, s.resolverStart) + gcMsBetween(s.resolved, s.finished),
      statements,
      bytes: answer.bytes,
    };
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.close();
  await store.close();
  const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
  const serverCpuMs = (c.user + c.system) / 1000 / answers.length;
  console.log(
    `\n${service.table.size} masks; ${opts.requests} requests after ${opts.warmup} warm-up; medians, ms; the server process's CPU ${serverCpuMs.toFixed(2)} ms per request; ` +
      `response ${m('bytes')} bytes; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  const columns: [keyof (typeof rows)[number], string][] = [
    ['client', 'client round trip'],
    ['socket', 'socket (round trip − server)'],
    ['server', 'server, first byte in to last byte out'],
    ['request', 'request body'],
    ['parse', 'parse'],
    ['validate', 'validate'],
    ['context', 'context'],
    ['execute', 'execute'],
    ['toEngine', 'of which resolver → engine'],
    ['engine', 'of which engine'],
    ['nested', 'of which nested fields'],
    ['serialise', 'serialise'],
    ['write', 'write'],
    ['other', 'yoga, between phases'],
    ['gc', 'GC pauses in the request'],
    ['gcOutsideEngine', 'of which outside the topKByCP resolver'],
  ];
  console.log(`| ${columns.map(([, title]) => title).join(' | ')} | statements |`);
  console.log(`|${columns.map(() => '--:').join('|')}|--:|`);
  console.log(`| ${columns.map(([k]) => m(k).toFixed(2)).join(' | ')} | ${m('statements')} |`);
  const overheads = rows.map((r) => r.client - r.engine).sort((a, b) => a - b);
  const mean = (k: 'gc' | 'gcOutsideEngine') => rows.reduce((sum, r) => sum + r[k], 0) / rows.length;
  console.log(`\nGC pauses per request, mean: ${mean('gc').toFixed(2)} ms, ${mean('gcOutsideEngine').toFixed(2)} ms of them outside the topKByCP resolver.`);
  console.log(`HTTP − engine, per request: p50 ${median(overheads).toFixed(2)} ms, p90 ${overheads[Math.floor(overheads.length * 0.9)].toFixed(2)} ms; HTTP p50 ${m('client').toFixed(2)} ms, engine p50 ${m('engine').toFixed(2)} ms.`);
}

new Command()
  .name('bench:http')
  .description('where the time of one topKByCP request with nested fields goes, phase by phase')
  .option('--database-url <url>', 'PostgreSQL database bench:service stored', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/masksearch_bench')
  .option('--requests <n>', 'timed requests', positiveInt, 200)
  .option('--warmup <n>', 'requests before the timed ones', positiveInt, 20)
  .option('--where <MaskWhere>', 'the query\'s where, as a GraphQL literal (fewer candidates: e.g. { maskTypes: ["saliency"], imageLabels: ["sample"] })', DEFAULT_WHERE)
  .action((opts: Options) => main(opts))
  .parseAsync()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
