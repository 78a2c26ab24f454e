/**
 * The service benchmark: synthetic masks stored in local PostgreSQL through the storage layer,
 * then the engine suite's queries end to end over HTTP (GraphQL with nested image and model
 * fields), each with the index and with useIndex: false (every candidate read from the store).
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { buildChi, serializeChi, DEFAULT_CHI_CONFIG } from '../engine/index.js';
import { openDatabase } from '../db/client.js';
import type { DatabaseHandle } from '../db/client.js';
import { upsertImages } from '../db/repositories/images.js';
import { insertMasks } from '../db/repositories/masks.js';
import { upsertModels } from '../db/repositories/models.js';
import { createHttpServer } from '../service/http.js';
import { MaskSearch } from '../search/mask-search.js';
import { median } from './suite.js';
import { generateDataset } from './synthetic-masks.js';

interface Options {
  masks: number;
  databaseUrl: string;
  runs: number;
  scanRuns: number;
  reuse: boolean;
  cacheMb: number;
  json?: string;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const PAGE = 25;
const NESTED = 'id maskType image { key label boxes { name } } model { name }';
const STATS = 'stats { candidates skipped prunedByIndex acceptedByIndex verified elapsedMs }';
const SALIENCY = '{ maskTypes: ["saliency"] }';

/** The engine suite (bench/suite.ts) as GraphQL: same ROIs, ranges, thresholds and k. */
const QUERIES: { name: string; field: string; query: (useIndex: boolean) => string }[] = [
  {
    name: 'a-filter-box',
    field: 'filterByCP',
    query: (u) => `{ filterByCP(where: ${SALIENCY}, roi: { box: { x: 50, y: 50, width: 100, height: 100 } }, range: { gt: 0.6, lte: 1 }, op: GT, threshold: 5000, first: ${PAGE}, useIndex: ${u}) {
      totalCount matches { edges { node { value mask { ${NESTED} } } } } ${STATS} } }`,
  },
  {
    name: 'b-filter-background',
    field: 'filterByCP',
    query: (u) => `{ filterByCP(where: ${SALIENCY}, roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, op: LT, threshold: 0.2, first: ${PAGE}, useIndex: ${u}) {
      totalCount matches { edges { node { value mask { ${NESTED} } } } } ${STATS} } }`,
  },
  ...(['DESC', 'ASC'] as const).map((order) => ({
    name: `${order === 'DESC' ? 'c' : 'd'}-topk-object-${order.toLowerCase()}`,
    field: 'topKByCP',
    query: (u: boolean) => `{ topKByCP(where: ${SALIENCY}, roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, k: ${PAGE}, order: ${order}, useIndex: ${u}) {
      items { nodes { rank value mask { ${NESTED} } } } ${STATS} } }`,
  })),
  {
    name: 'e-topk-dispersed',
    field: 'topKByCP',
    query: (u) => `{ topKByCP(where: ${SALIENCY}, roi: { full: true }, range: { gt: 0.3, lte: 0.45 }, k: ${PAGE}, order: DESC, useIndex: ${u}) {
      items { nodes { rank value mask { ${NESTED} } } } ${STATS} } }`,
  },
  {
    name: 'f-agg-iou-asc',
    field: 'aggregateMasks',
    query: (u) => `{ aggregateMasks(op: INTERSECT, threshold: 0.5, roi: { full: true }, measure: IOU, k: ${PAGE}, order: ASC, useIndex: ${u}) {
      groups { edges { node { rank value image { key } masks { ${NESTED} } } } } ${STATS} } }`,
  },
];

function progress(label: string, total: number): { update(n: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({ format: `${label.padEnd(8)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}` }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = postgres(maintenance.href, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`select count(*)::int as n from pg_database where datname = ${name}`;
    if (row.n === 0) await admin`create database ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function storedMasks(store: DatabaseHandle): Promise<number> {
  const rows = await store.db.execute<{ n: number }>(sql`select count(*)::int as n from masks`);
  return Number((rows as unknown as { n: number }[])[0]?.n ?? (rows as unknown as { rows: { n: number }[] }).rows[0].n);
}

/** Generates and stores the dataset: images with object boxes, saliency (model) and human-attention masks, CHI built at insert. */
async function load(store: DatabaseHandle, images: number): Promise<{ seconds: number; masks: number }> {
  const dataset = generateDataset({ images, size: 224, seed: 1 });
  const t0 = performance.now();
  const [modelId] = await upsertModels(store.db, [{ name: 'resnet50-sim', kind: 'classifier' }]);
  const imageIds = await upsertImages(
    store.db,
    dataset.images.map((image) => ({
      key: `img-${String(image.id).padStart(6, '0')}`,
      width: image.width,
      height: image.height,
      label: image.scenario,
      split: image.id % 5 === 0 ? 'val' : 'train',
      boxes: { object: [...image.boxes.object] as [number, number, number, number] },
    })),
  );
  const bar = progress('store', dataset.masks.length);
  const BATCH = 1000;
  for (let start = 0; start < dataset.masks.length; start += BATCH) {
    const batch = dataset.masks.slice(start, start + BATCH);
    await insertMasks(
      store.db,
      batch.map((m) => ({
        imageId: imageIds[m.imageId - 1],
        modelId: m.kind === 'saliency' ? modelId : null,
        maskType: m.kind === 'saliency' ? 'saliency' : 'human-attention',
        source: m.kind === 'saliency' ? 'gradcam' : 'eyetracking',
        mask: m.mask,
        chi: serializeChi(buildChi(m.mask, DEFAULT_CHI_CONFIG)),
      })),
    );
    bar.update(start + batch.length);
  }
  bar.stop();
  return { seconds: (performance.now() - t0) / 1000, masks: dataset.masks.length };
}

async function storedBytes(store: DatabaseHandle) {
  const rows = await store.db.execute(sql`select
      (select avg(octet_length(data)) from mask_pixels)::float8 as pixels,
      (select avg(octet_length(data)) from mask_chi)::float8 as chi,
      pg_total_relation_size('mask_pixels')::float8 as pixels_table,
      pg_total_relation_size('mask_chi')::float8 as chi_table`);
  const row = ((rows as unknown as { rows?: Record<string, number>[] }).rows ?? (rows as unknown as Record<string, number>[]))[0];
  return { pixelBytesPerMask: row.pixels, chiBytesPerMask: row.chi, pixelsTableBytes: row.pixels_table, chiTableBytes: row.chi_table };
}

interface Outcome {
  ms: number;
  stats: Record<string, number>;
  answer: unknown;
}

async function post(url: string, query: string): Promise<Outcome> {
  const t0 = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: Record<string, { stats: Record<string, number> } & Record<string, unknown>>; errors?: unknown };
  const ms = performance.now() - t0;
  if (body.errors || !body.data) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
  const [result] = Object.values(body.data);
  const { stats, ...answer } = result;
  return { ms, stats, answer };
}

async function main(opts: Options): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}; database ${new URL(opts.databaseUrl).pathname.slice(1)}`);
  await ensureDatabase(opts.databaseUrl);
  let store = await openDatabase({ databaseUrl: opts.databaseUrl });
  let existing = await storedMasks(store);
  let loadSummary: { seconds: number; masks: number } | undefined;
  if (!opts.reuse || existing === 0) {
    if (existing > 0) {
      await store.db.execute(sql`truncate images, models, masks, mask_pixels, mask_chi, mask_changes restart identity cascade`);
    }
    loadSummary = await load(store, opts.masks);
    existing = loadSummary.masks;
    console.log(`stored ${loadSummary.masks} masks in ${loadSummary.seconds.toFixed(1)} s: ${(loadSummary.masks / loadSummary.seconds).toFixed(0)} masks/s (encode + CHI + insert)`);
  }
  const bytes = await storedBytes(store);
  await store.close();

  global.gc?.();
  const t0 = performance.now();
  store = await openDatabase({ databaseUrl: opts.databaseUrl });
  // Without result reuse: each warm run of a filter must do the filter's work again, not read the
  // first run's result (bench/pages.ts measures the reuse).
  const service = await MaskSearch.start(store, { cacheMb: opts.cacheMb, resultCacheMb: 0 });
  const readyMs = performance.now() - t0;
  console.log(`ready in ${(readyMs / 1000).toFixed(2)} s with ${service.table.size} masks indexed`);

  const server = createHttpServer(service);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const rows = [];
  for (const q of QUERIES) {
    await post(url, q.query(true));
    const indexed: Outcome[] = [];
    for (let i = 0; i < opts.runs; i++) indexed.push(await post(url, q.query(true)));
    const scans: Outcome[] = [];
    for (let i = 0; i < opts.scanRuns; i++) scans.push(await post(url, q.query(false)));
    const last = indexed[indexed.length - 1];
    const row = {
      name: q.name,
      serviceMs: median(indexed.map((o) => o.ms)),
      scanMs: median(scans.map((o) => o.ms)),
      ratio: 0,
      identical: JSON.stringify(last.answer) === JSON.stringify(scans[scans.length - 1].answer),
      verified: last.stats.verified,
      candidates: last.stats.candidates,
      prunedByIndex: last.stats.prunedByIndex,
      acceptedByIndex: last.stats.acceptedByIndex,
      engineMs: median(indexed.map((o) => o.stats.elapsedMs)),
    };
    row.ratio = row.scanMs / row.serviceMs;
    rows.push(row);
    console.log(`${row.name}: ${row.serviceMs.toFixed(1)} ms over HTTP (engine ${row.engineMs.toFixed(1)} ms), scan ${row.scanMs.toFixed(0)} ms, ${row.ratio.toFixed(0)}×, verified ${row.verified}, identical ${row.identical}`);
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.close();
  await store.close();

  console.log(`\n${existing} masks in PostgreSQL; service (cache ${opts.cacheMb} MB): median of ${opts.runs} warm runs over HTTP; scan (useIndex: false, uncached): median of ${opts.scanRuns}\n`);
  console.log('| query | HTTP ms | engine ms | scan ms | scan/HTTP | verified | candidates | pruned | accepted | identical |');
  console.log('|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.serviceMs.toFixed(1)} | ${r.engineMs.toFixed(1)} | ${r.scanMs.toFixed(0)} | ${r.ratio.toFixed(0)}× | ${r.verified} | ${r.candidates} | ${r.prunedByIndex} | ${r.acceptedByIndex} | ${r.identical} |`);
  }
  const percent = (100 * bytes.chiBytesPerMask) / bytes.pixelBytesPerMask;
  console.log(`\nstart to ready: ${(readyMs / 1000).toFixed(2)} s; stored per mask: pixels ${bytes.pixelBytesPerMask.toFixed(0)} B, CHI ${bytes.chiBytesPerMask.toFixed(0)} B (${percent.toFixed(1)} % of the stored pixels, ${((100 * bytes.chiBytesPerMask) / (224 * 224)).toFixed(1)} % of raw u8)`);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify({ queries: rows, readyMs, masks: existing, load: loadSummary, bytes, indexPercentOfStored: percent }, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}

new Command()
  .name('bench:service')
  .description('the service over local PostgreSQL: the engine suite over HTTP, with the index and with useIndex: false')
  .option('--masks <n>', 'saliency masks (= images; each also gets a human-attention mask)', positiveInt, 100_000)
  .option('--database-url <url>', 'PostgreSQL database to (re)create the data in', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/masksearch_bench')
  .option('--runs <n>', 'warm runs per query with the index', positiveInt, 5)
  .option('--scan-runs <n>', 'runs per query without the index', positiveInt, 1)
  .option('--reuse', 'keep the data already in the database instead of regenerating it', false)
  .option('--cache-mb <n>', 'decoded masks the service keeps for verification (warm runs reuse them)', positiveInt, 4096)
  .option('--json <file>', 'write the results as JSON')
  .action((opts: Options) => main(opts))
  .parseAsync()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
