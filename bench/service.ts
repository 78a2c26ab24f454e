/**
 * The service benchmark: synthetic masks stored in local PostgreSQL through the storage layer
 * (generated image by image, CHI and pixel encoding in worker threads, rows by COPY), then the
 * service started twice (the first start may build the index from the rows and store its
 * snapshot; the second reads the snapshot), and the engine suite's queries end to end over HTTP
 * (GraphQL with nested image and model fields; timed by a client in its own process,
 * bench/http-client.ts): cold, warm, and with useIndex: false.
 */
import { statfsSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { positiveInt } from './cli-options.js';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { DEFAULT_CHI_CONFIG } from '../engine/index.js';
import { openDatabase } from '../db/client.js';
import type { DatabaseHandle } from '../db/client.js';
import { upsertImages } from '../db/repositories/images.js';
import { countMasks, insertMasks } from '../db/repositories/masks.js';
import { upsertModels } from '../db/repositories/models.js';
import { latestTableSnapshot } from '../db/repositories/table-snapshots.js';
import { createMaskEncoder } from '../ingest/encoder.js';
import { createHttpServer } from '../service/http.js';
import { MaskSearch } from '../search/mask-search.js';
import { startHttpClient, type HttpClient } from './http-client.js';
import { median } from './suite.js';
import { Renderer, renderImage } from './synthetic-masks.js';

interface Options {
  masks: number;
  humanImages?: number;
  sampleImages?: number;
  databaseUrl: string;
  runs: number;
  scanRuns: number;
  reuse: boolean;
  dropSnapshot: boolean;
  storeOnly: boolean;
  startsOnly: boolean;
  cacheMb: number;
  json?: string;
}

const SIZE = 224;
const SEED = 1;
const PAGE = 25;
/** Above this many images the scan runs over the first images only, and its time is extrapolated. */
const FULL_SCAN_IMAGES = 150_000;
const DEFAULT_SAMPLE_IMAGES = 20_000;
const NESTED = 'id maskType image { key label boxes { name } } model { name }';
const STATS = 'stats { candidates skipped prunedByIndex acceptedByIndex verified elapsedMs }';

/** The engine suite (bench/suite.ts) as GraphQL: same ROIs, ranges, thresholds and k; `where` lists the masks. */
const QUERIES: { name: string; query: (useIndex: boolean, where: { saliency: string; pairs: string }) => string }[] = [
  {
    name: 'a-filter-box',
    query: (u, w) => `{ filterByCP(where: ${w.saliency}, roi: { box: { x: 50, y: 50, width: 100, height: 100 } }, range: { gt: 0.6, lte: 1 }, op: GT, threshold: 5000, first: ${PAGE}, useIndex: ${u}) {
      totalCount matches { edges { node { value mask { ${NESTED} } } } } ${STATS} } }`,
  },
  {
    name: 'b-filter-background',
    query: (u, w) => `{ filterByCP(where: ${w.saliency}, roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, op: LT, threshold: 0.2, first: ${PAGE}, useIndex: ${u}) {
      totalCount matches { edges { node { value mask { ${NESTED} } } } } ${STATS} } }`,
  },
  ...(['DESC', 'ASC'] as const).map((order) => ({
    name: `${order === 'DESC' ? 'c' : 'd'}-topk-object-${order.toLowerCase()}`,
    query: (u: boolean, w: { saliency: string }) => `{ topKByCP(where: ${w.saliency}, roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, k: ${PAGE}, order: ${order}, useIndex: ${u}) {
      items { nodes { rank value mask { ${NESTED} } } } ${STATS} } }`,
  })),
  {
    name: 'e-topk-dispersed',
    query: (u, w) => `{ topKByCP(where: ${w.saliency}, roi: { full: true }, range: { gt: 0.3, lte: 0.45 }, k: ${PAGE}, order: DESC, useIndex: ${u}) {
      items { nodes { rank value mask { ${NESTED} } } } ${STATS} } }`,
  },
  {
    name: 'f-agg-iou-asc',
    query: (u, w) => `{ aggregateMasks(where: ${w.pairs}, op: INTERSECT, threshold: 0.5, roi: { full: true }, measure: IOU, k: ${PAGE}, order: ASC, useIndex: ${u}) {
      groups { edges { node { rank value image { key } masks { ${NESTED} } } } } ${STATS} } }`,
  },
];

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GB`;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

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

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

interface Shape {
  images: number;
  humanImages: number;
  sampleImages: number;
}

const IMAGES_PER_BATCH = 500;

/**
 * Generates and stores the dataset image by image (nothing is kept): images with an object box,
 * labelled 'sample' for the scan's sample and split 'paired' when they have a human mask; a
 * saliency mask (model) each and, for the first humanImages, a human-attention mask. The CHI
 * and the pixel codec run in worker threads; each batch's rows go by COPY while the next renders.
 * Starts at image `from`: images are rendered from their index alone, so a load that stopped
 * continues with the same data.
 */
async function store(db: DatabaseHandle['db'], shape: Shape, from = 0): Promise<{ seconds: number; cpuSeconds: number; masks: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const [modelId] = await upsertModels(db, [{ name: 'resnet50-sim', kind: 'classifier' }]);
  const encoder = createMaskEncoder({ chi: DEFAULT_CHI_CONFIG });
  const renderer = new Renderer(SIZE);
  const saliency = new Uint8Array(SIZE * SIZE);
  const human = new Uint8Array(SIZE * SIZE);
  const total = shape.images - from + Math.max(0, shape.humanImages - from);
  const bar = progress('store', total);
  let stored = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    for (let first = from; first < shape.images; first += IMAGES_PER_BATCH) {
      const records = [];
      const pending = [];
      for (let i = first; i < Math.min(shape.images, first + IMAGES_PER_BATCH); i++) {
        const paired = i < shape.humanImages;
        const image = renderImage(i, SIZE, SEED, renderer, saliency, paired ? human : undefined);
        records.push({
          key: `img-${String(image.id).padStart(7, '0')}`,
          width: image.width,
          height: image.height,
          label: i < shape.sampleImages ? 'sample' : null,
          split: paired ? 'paired' : null,
          boxes: { object: [...image.boxes.object] as [number, number, number, number] },
        });
        pending.push({ at: records.length - 1, kind: 'saliency' as const, encoded: encoder.encode(SIZE, SIZE, saliency) });
        if (paired) pending.push({ at: records.length - 1, kind: 'human' as const, encoded: encoder.encode(SIZE, SIZE, human) });
      }
      const encoded = await Promise.all(pending.map((p) => p.encoded));
      await writing;
      writing = (async () => {
        const imageIds = await upsertImages(db, records);
        const masks = pending.map((p, j) => {
          const result = encoded[j];
          if (!result.ok) throw new Error(result.reason);
          return {
            imageId: imageIds[p.at],
            modelId: p.kind === 'saliency' ? modelId : null,
            maskType: p.kind === 'saliency' ? 'saliency' : 'human-attention',
            source: p.kind === 'saliency' ? 'gradcam' : 'eyetracking',
            mask: result.value.pixels,
            chi: result.value.chi,
          };
        });
        await insertMasks(db, masks);
        stored += masks.length;
        bar.update(stored);
      })();
    }
    await writing;
  } finally {
    bar.stop();
    await encoder.close();
  }
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuMs(c0) / 1000, masks: total };
}

/**
 * Where a load that stopped short left off: the next image to render. Each batch's masks commit in
 * one transaction and batches commit in order, so the saliency masks stored are images 0 … n − 1.
 */
async function storedImages(db: DatabaseHandle['db']): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from masks where mask_type = 'saliency'`));
  return row.n;
}

async function storedBytes(db: DatabaseHandle['db']) {
  const [row] = rowsOf<Record<string, number>>(
    await db.execute(sql`select
      (select avg(octet_length(data)) from mask_pixels)::float8 as pixels,
      (select avg(octet_length(data)) from mask_chi)::float8 as chi,
      pg_total_relation_size('masks')::float8 as masks_table,
      pg_total_relation_size('mask_pixels')::float8 as pixels_table,
      pg_total_relation_size('mask_chi')::float8 as chi_table,
      pg_total_relation_size('images')::float8 as images_table,
      pg_total_relation_size('mask_changes')::float8 as changes_table,
      pg_total_relation_size('table_snapshot_chunks')::float8 as snapshot_table,
      pg_database_size(current_database())::float8 as database`),
  );
  return {
    pixelBytesPerMask: row.pixels,
    chiBytesPerMask: row.chi,
    tables: {
      masks: row.masks_table,
      maskPixels: row.pixels_table,
      maskChi: row.chi_table,
      images: row.images_table,
      changeLog: row.changes_table,
      snapshot: row.snapshot_table,
    },
    database: row.database,
  };
}

interface Outcome {
  ms: number;
  cpuMs: number;
  stats: Record<string, number>;
  answer: unknown;
}

/** One query over HTTP: the round trip as its own-process client timed it, and the server's CPU meanwhile. */
async function post(client: HttpClient, query: string): Promise<Outcome> {
  const c0 = process.cpuUsage();
  const { ms, body } = await client.post(query);
  const data = body.data as Record<string, { stats: Record<string, number> } & Record<string, unknown>> | undefined;
  if (body.errors || !data) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
  const [result] = Object.values(data);
  const { stats, ...answer } = result;
  return { ms, cpuMs: cpuMs(c0), stats, answer };
}

interface Start {
  service: MaskSearch;
  store: DatabaseHandle;
  readyMs: number;
  cpuMs: number;
  rssBytes: number;
  /** ms from the start: the first and the last progress report (bytes or rows read). */
  readingFromMs?: number;
  readUntilMs?: number;
}

/** Opens the store and starts the service, as `masksearch serve` does, timing both. */
async function start(url: string, cacheMb: number, label: string): Promise<Start> {
  global.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let readingFromMs: number | undefined;
  let readUntilMs: number | undefined;
  const store = await openDatabase({ databaseUrl: url });
  // Without result reuse: each warm run of a filter must do the filter's work again, not read the
  // first run's result (bench/pages.ts measures the reuse).
  const service = await MaskSearch.start(store, {
    cacheMb,
    resultCacheMb: 0,
    onBackgroundError: (message, error) => console.error(message, error),
    onStartProgress: (p) => {
      if (p.done === 0) {
        readingFromMs = performance.now() - t0;
        console.log(`  ${label}: ${p.source === 'snapshot' ? `reading the snapshot, ${gb(p.total)}` : `reading ${p.total} masks' rows (${p.reason})`}`);
      }
      if (p.done === p.total) readUntilMs = performance.now() - t0;
    },
  });
  const readyMs = performance.now() - t0;
  return { service, store, readyMs, cpuMs: cpuMs(c0), rssBytes: process.memoryUsage().rss, readingFromMs, readUntilMs };
}

/** Opening and finding what to read; reading it (and, for a snapshot, copying it into columns and checksumming); the rest (checks, maps of ids, the change log). */
const phasesOf = (s: Start) =>
  s.readingFromMs === undefined || s.readUntilMs === undefined
    ? ''
    : ` = ${(s.readingFromMs / 1000).toFixed(2)} s opening + ${((s.readUntilMs - s.readingFromMs) / 1000).toFixed(2)} s reading + ${((s.readyMs - s.readUntilMs) / 1000).toFixed(2)} s checking and catching up`;

async function main(opts: Options): Promise<void> {
  const images = opts.masks;
  const humanImages = Math.min(opts.humanImages ?? images, images);
  const sampleImages = Math.min(opts.sampleImages ?? (images > FULL_SCAN_IMAGES ? DEFAULT_SAMPLE_IMAGES : images), images);
  const shape: Shape = { images, humanImages, sampleImages };
  const sampled = sampleImages < images;
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${gb(os.totalmem())} RAM, node ${process.version}; database ${new URL(opts.databaseUrl).pathname.slice(1)}; load average ${load()}`);
  await ensureDatabase(opts.databaseUrl);
  let handle = await openDatabase({ databaseUrl: opts.databaseUrl });
  let existing = await countMasks(handle.db);
  let loaded: { seconds: number; cpuSeconds: number; masks: number } | undefined;
  const resumeFrom = opts.reuse && existing > 0 ? await storedImages(handle.db) : 0;
  if (resumeFrom > 0 && resumeFrom < images) {
    console.log(`continuing a load that stopped at image ${resumeFrom} of ${images} (${existing} masks stored); load average ${load()}`);
    loaded = await store(handle.db, shape, resumeFrom);
    existing = await countMasks(handle.db);
    console.log(
      `stored ${loaded.masks} more masks in ${loaded.seconds.toFixed(0)} s: ${(loaded.masks / loaded.seconds).toFixed(0)} masks/s; ` +
        `this process's CPU ${loaded.cpuSeconds.toFixed(0)} s; ${existing} masks in all; load average ${load()}`,
    );
  } else if (!opts.reuse || existing === 0) {
    const disk = statfsSync('/');
    console.log(`disk: ${gb(disk.bavail * disk.bsize)} free`);
    await handle.db.execute(sql`truncate images, models, masks, mask_pixels, mask_chi, mask_changes, table_snapshots restart identity cascade`);
    loaded = await store(handle.db, shape);
    existing = loaded.masks;
    console.log(
      `stored ${existing} masks in ${loaded.seconds.toFixed(0)} s: ${(existing / loaded.seconds).toFixed(0)} masks/s; ` +
        `this process's CPU ${loaded.cpuSeconds.toFixed(0)} s (render, CHI and codec in workers, COPY); load average ${load()}`,
    );
  }
  if (opts.dropSnapshot) await handle.db.execute(sql`delete from table_snapshots`);
  await handle.close();
  if (opts.storeOnly) return;

  // First start: builds the index from the rows when there is no snapshot, and stores one.
  const first = await start(opts.databaseUrl, opts.cacheMb, 'first start');
  const firstFromSnapshot = first.service.startedFromSnapshot;
  const w0 = performance.now();
  await first.service.snapshotWritten();
  await first.service.close();
  const snapshotWriteMs = performance.now() - w0;
  await first.store.close();
  console.log(
    `first start: ready in ${(first.readyMs / 1000).toFixed(2)} s${phasesOf(first)} (CPU ${(first.cpuMs / 1000).toFixed(2)} s) from the ${firstFromSnapshot ? 'snapshot' : 'rows'}; ` +
      `${firstFromSnapshot ? '' : `snapshot stored in ${(snapshotWriteMs / 1000).toFixed(1)} s after that; `}RSS ${gb(first.rssBytes)}; load average ${load()}`,
  );

  const second = await start(opts.databaseUrl, opts.cacheMb, 'second start');
  const { service } = second;
  const snapshot = await latestTableSnapshot(second.store.db);
  console.log(
    `second start: ready in ${(second.readyMs / 1000).toFixed(2)} s${phasesOf(second)} (CPU ${(second.cpuMs / 1000).toFixed(2)} s) from the ${service.startedFromSnapshot ? 'snapshot' : 'rows'} ` +
      `(${gb(snapshot?.byteLength ?? 0)}), ${service.table.size} masks; RSS ${gb(second.rssBytes)}; load average ${load()}`,
  );
  if (opts.startsOnly) {
    await service.close();
    await second.store.close();
    return;
  }
  const bytes = await storedBytes(second.store.db);

  const server = createHttpServer(service, { log: () => {} });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = startHttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
  const pairs = humanImages < images ? '["paired"]' : null;
  const full = { saliency: '{ maskTypes: ["saliency"] }', pairs: pairs ? `{ imageSplits: ${pairs} }` : '{}' };
  const sample = {
    saliency: '{ maskTypes: ["saliency"], imageLabels: ["sample"] }',
    pairs: `{ imageLabels: ["sample"]${pairs ? `, imageSplits: ${pairs}` : ''} }`,
  };

  const rows = [];
  for (const q of QUERIES) {
    const cold = await post(client, q.query(true, full));
    const warm: Outcome[] = [];
    for (let i = 0; i < opts.runs; i++) warm.push(await post(client, q.query(true, full)));
    const scanWhere = sampled ? sample : full;
    const scans: Outcome[] = [];
    for (let i = 0; i < opts.scanRuns; i++) scans.push(await post(client, q.query(false, scanWhere)));
    const indexedOnScanWhere = sampled ? await post(client, q.query(true, sample)) : warm[warm.length - 1];
    const last = warm[warm.length - 1];
    const scanMs = median(scans.map((o) => o.ms));
    const scanCandidates = scans[scans.length - 1].stats.candidates;
    const row = {
      name: q.name,
      coldHttpMs: cold.ms,
      coldEngineMs: cold.stats.elapsedMs,
      httpMs: median(warm.map((o) => o.ms)),
      cpuMs: median(warm.map((o) => o.cpuMs)),
      engineMs: median(warm.map((o) => o.stats.elapsedMs)),
      scanMs,
      scanCandidates,
      scanExtrapolated: sampled,
      scanFullMs: sampled ? (scanMs * last.stats.candidates) / Math.max(scanCandidates, 1) : scanMs,
      identical: JSON.stringify(indexedOnScanWhere.answer) === JSON.stringify(scans[scans.length - 1].answer),
      verified: last.stats.verified,
      coldVerified: cold.stats.verified,
      candidates: last.stats.candidates,
      prunedByIndex: last.stats.prunedByIndex,
      acceptedByIndex: last.stats.acceptedByIndex,
    };
    rows.push(row);
    console.log(
      `${row.name}: cold ${row.coldHttpMs.toFixed(1)} ms over HTTP (engine ${row.coldEngineMs.toFixed(1)}), warm ${row.httpMs.toFixed(1)} (engine ${row.engineMs.toFixed(1)}, CPU ${row.cpuMs.toFixed(1)}), ` +
        `scan ${sampled ? `${row.scanMs.toFixed(0)} ms on ${scanCandidates} candidates → ${(row.scanFullMs / 1000).toFixed(1)} s extrapolated` : `${row.scanMs.toFixed(0)} ms`}, identical ${row.identical}; load average ${load()}`,
    );
  }
  await client.close();
  const rssAfterBytes = process.memoryUsage().rss;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.close();
  await second.store.close();

  console.log(`\n${existing} masks in PostgreSQL (${images} saliency, ${humanImages} human-attention); cache ${opts.cacheMb} MB; warm: median of ${opts.runs} over HTTP; scan (useIndex: false, uncached): median of ${opts.scanRuns}${sampled ? `, over the ${sampleImages} images labelled sample, extrapolated by candidates` : ''}\n`);
  console.log(`| query | cold HTTP ms | cold engine ms | warm HTTP ms | warm engine ms | warm server CPU ms | HTTP − engine | scan${sampled ? ', extrapolated' : ''} | scan/HTTP | verified | candidates | pruned | accepted | identical${sampled ? ' (sample)' : ''} |`);
  console.log('|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    const scan = r.scanFullMs >= 10_000 ? `${(r.scanFullMs / 1000).toFixed(0)} s` : `${r.scanFullMs.toFixed(0)} ms`;
    console.log(
      `| ${r.name} | ${r.coldHttpMs.toFixed(1)} | ${r.coldEngineMs.toFixed(1)} | ${r.httpMs.toFixed(1)} | ${r.engineMs.toFixed(1)} | ${r.cpuMs.toFixed(1)} | ${(r.httpMs - r.engineMs).toFixed(1)} | ${scan} | ${(r.scanFullMs / r.httpMs).toFixed(0)}× | ${r.verified} | ${r.candidates} | ${r.prunedByIndex} | ${r.acceptedByIndex} | ${r.identical} |`,
    );
  }
  const perMask = (n: number) => (n / existing).toFixed(0);
  const t = bytes.tables;
  console.log(
    `\nready: first start ${(first.readyMs / 1000).toFixed(2)} s from the ${firstFromSnapshot ? 'snapshot' : 'rows'}, second start ${(second.readyMs / 1000).toFixed(2)} s from the ${service.startedFromSnapshot ? 'snapshot' : 'rows'}; ` +
      `RSS ${gb(second.rssBytes)} when ready, ${gb(rssAfterBytes)} after the suite, peak ${gb(maxRssBytes)}`,
  );
  console.log(
    `stored per mask: pixels ${bytes.pixelBytesPerMask.toFixed(0)} B, CHI ${bytes.chiBytesPerMask.toFixed(0)} B; with row overhead and indexes: masks ${perMask(t.masks)} B, mask_pixels ${perMask(t.maskPixels)} B, ` +
      `mask_chi ${perMask(t.maskChi)} B, images ${perMask(t.images)} B, snapshot ${perMask(t.snapshot)} B, change log ${perMask(t.changeLog)} B; database ${gb(bytes.database)} = ${perMask(bytes.database)} B per mask; load average ${load()}`,
  );
  if (opts.json) {
    const result = { shape, masks: existing, load: loaded, first: { readyMs: first.readyMs, readingFromMs: first.readingFromMs, readUntilMs: first.readUntilMs, cpuMs: first.cpuMs, fromSnapshot: firstFromSnapshot, snapshotWriteMs }, second: { readyMs: second.readyMs, readingFromMs: second.readingFromMs, readUntilMs: second.readUntilMs, cpuMs: second.cpuMs, fromSnapshot: service.startedFromSnapshot, snapshotBytes: snapshot?.byteLength }, rss: { ready: second.rssBytes, afterSuite: rssAfterBytes, peak: maxRssBytes }, bytes, queries: rows };
    writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}

new Command()
  .name('bench:service')
  .description('the service over local PostgreSQL: start-up from the rows and from the snapshot, the engine suite over HTTP cold and warm, and with useIndex: false')
  .option('--masks <n>', 'saliency masks (= images)', positiveInt, 100_000)
  .option('--human-images <n>', 'images that also get a human-attention mask (default: all)', positiveInt)
  .option('--sample-images <n>', `images the useIndex: false scan runs over (default: all up to ${FULL_SCAN_IMAGES}, else ${DEFAULT_SAMPLE_IMAGES}; extrapolated)`, positiveInt)
  .option('--database-url <url>', 'PostgreSQL database to (re)create the data in', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/masksearch_bench')
  .option('--runs <n>', 'warm runs per query with the index', positiveInt, 5)
  .option('--scan-runs <n>', 'runs per query without the index', positiveInt, 1)
  .option('--reuse', 'keep the data already in the database instead of regenerating it', false)
  .option('--store-only', 'store (or, with --reuse, finish storing) the data and stop: the load and the measurement can run at different times', false)
  .option('--starts-only', 'time the two starts (ready, its phases, RSS) and stop: no queries', false)
  .option('--drop-snapshot', 'delete the stored snapshot first, so that the first start reads every row', false)
  .option('--cache-mb <n>', 'decoded masks the service keeps for verification (warm runs reuse them)', positiveInt, 2048)
  .option('--json <file>', 'write the results as JSON')
  .action((opts: Options) => main(opts))
  .parseAsync()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
