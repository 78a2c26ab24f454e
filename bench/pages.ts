/**
 * Later pages of a filter over HTTP: the service benchmark's two filters (bench/service.ts) paged
 * through, page after page, once with the result cache (later pages reuse the first page's result)
 * and once without it (every page runs the filter again, as before the cache). Per page: HTTP ms,
 * the engine's elapsedMs, masks verified, whether the result was reused. HTTP ms is timed by a
 * client in its own process (bench/http-client.ts).
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Command } from 'commander';
import { positiveInt } from './cli-options.js';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { buildChi, serializeChi, DEFAULT_CHI_CONFIG } from '../engine/index.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { upsertImages } from '../db/repositories/images.js';
import { insertMasks } from '../db/repositories/masks.js';
import { upsertModels } from '../db/repositories/models.js';
import { createHttpServer } from '../service/http.js';
import { MaskSearch } from '../search/mask-search.js';
import { startHttpClient, type HttpClient } from './http-client.js';
import { median } from './suite.js';
import { generateDataset } from './synthetic-masks.js';

interface Options {
  masks: number;
  databaseUrl: string;
  pages: number;
  runs: number;
  reuse: boolean;
}

const PAGE = 25;
const NESTED = 'id maskType image { key label boxes { name } } model { name }';
const FILTERS = [
  { name: 'a-filter-box', args: 'roi: { box: { x: 50, y: 50, width: 100, height: 100 } }, range: { gt: 0.6, lte: 1 }, op: GT, threshold: 5000' },
  { name: 'b-filter-background', args: 'roi: { imageBox: "object" }, range: { gt: 0.5, lte: 1 }, normalize: ROI_FRACTION, op: LT, threshold: 0.2' },
];
const query = (args: string) => `query($after: String) { filterByCP(where: { maskTypes: ["saliency"] }, ${args}, first: ${PAGE}, after: $after) {
  totalCount matches { edges { node { value mask { ${NESTED} } } } pageInfo { endCursor } } stats { verified elapsedMs reusedResult } } }`;

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = postgres(maintenance.href, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`select count(*)::int as n from pg_database where datname = ${target.pathname.slice(1)}`;
    if (row.n === 0) await admin`create database ${admin(target.pathname.slice(1))}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function storedMasks(store: DatabaseHandle): Promise<number> {
  const rows = await store.db.execute<{ n: number }>(sql`select count(*)::int as n from masks`);
  return Number((rows as unknown as { n: number }[])[0]?.n ?? (rows as unknown as { rows: { n: number }[] }).rows[0].n);
}

/** The service benchmark's data: images with an object box, a saliency and a human-attention mask each. */
async function load(store: DatabaseHandle, images: number): Promise<void> {
  await store.db.execute(sql`truncate images, models, masks, mask_pixels, mask_chi, mask_changes, table_snapshots restart identity cascade`);
  const dataset = generateDataset({ images, size: 224, seed: 1 });
  const [modelId] = await upsertModels(store.db, [{ name: 'resnet50-sim', kind: 'classifier' }]);
  const imageIds = await upsertImages(
    store.db,
    dataset.images.map((image) => ({
      key: `img-${String(image.id).padStart(6, '0')}`,
      width: image.width,
      height: image.height,
      label: image.scenario,
      boxes: { object: [...image.boxes.object] as [number, number, number, number] },
    })),
  );
  for (let start = 0; start < dataset.masks.length; start += 1000) {
    await insertMasks(
      store.db,
      dataset.masks.slice(start, start + 1000).map((m) => ({
        imageId: imageIds[m.imageId - 1],
        modelId: m.kind === 'saliency' ? modelId : null,
        maskType: m.kind === 'saliency' ? 'saliency' : 'human-attention',
        source: m.kind === 'saliency' ? 'gradcam' : 'eyetracking',
        mask: m.mask,
        chi: serializeChi(buildChi(m.mask, DEFAULT_CHI_CONFIG)),
      })),
    );
  }
}

interface PageOutcome {
  ms: number;
  engineMs: number;
  verified: number;
  reused: boolean;
}

async function pageThrough(client: HttpClient, text: string, pages: number): Promise<PageOutcome[]> {
  const out: PageOutcome[] = [];
  let after: string | null = null;
  for (let i = 0; i < pages; i++) {
    const { ms, body } = await client.post(text, { after });
    const data = body.data as { filterByCP: { matches: { pageInfo: { endCursor: string | null } }; stats: { verified: number; elapsedMs: number; reusedResult: boolean } } } | undefined;
    if (!data) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
    const { stats, matches } = data.filterByCP;
    out.push({ ms, engineMs: stats.elapsedMs, verified: stats.verified, reused: stats.reusedResult });
    after = matches.pageInfo.endCursor;
    if (!after) break;
  }
  return out;
}

async function main(opts: Options): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  await ensureDatabase(opts.databaseUrl);
  let store = await openDatabase({ databaseUrl: opts.databaseUrl });
  if (!opts.reuse || (await storedMasks(store)) === 0) await load(store, opts.masks);
  const masks = await storedMasks(store);
  await store.close();

  console.log(`${masks} masks; pages of ${PAGE}; per page the median of ${opts.runs} walks through ${opts.pages} pages\n`);
  console.log('| query | result cache | page | HTTP ms | engine ms | verified | reused |');
  console.log('|:--|:--|--:|--:|--:|--:|:--|');
  for (const filter of FILTERS) {
    for (const resultCacheMb of [256, 0]) {
      store = await openDatabase({ databaseUrl: opts.databaseUrl });
      // The pixel cache holds every mask the walks verify, so they differ in the result cache only.
      const service = await MaskSearch.start(store, { cacheMb: 4096, resultCacheMb });
      const server = createHttpServer(service);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const client = startHttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
      const walks: PageOutcome[][] = [];
      // Walk r asks minRoiArea: r, which skips no mask here (every ROI is far larger) but is
      // another query to the result cache: each walk starts cold there and warm in the pixel
      // cache. Walk 0 only warms the pixel cache.
      for (let run = 0; run <= opts.runs; run++) {
        const walk = await pageThrough(client, query(`${filter.args}, minRoiArea: ${run}`), opts.pages);
        if (run > 0) walks.push(walk);
      }
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      await store.close();
      for (let page = 0; page < walks[0].length; page++) {
        const at = walks.map((w) => w[page]);
        console.log(
          `| ${filter.name} | ${resultCacheMb > 0 ? `${resultCacheMb} MB` : 'off'} | ${page + 1} | ${median(at.map((p) => p.ms)).toFixed(1)} | ${median(at.map((p) => p.engineMs)).toFixed(1)} | ${at[0].verified} | ${at[0].reused} |`,
        );
      }
    }
  }
  console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
}

new Command()
  .name('bench:pages')
  .description("later pages of a filter over HTTP, with and without reusing the first page's result")
  .option('--masks <n>', 'saliency masks (= images; each also gets a human-attention mask)', positiveInt, 20_000)
  .option('--database-url <url>', 'PostgreSQL database to (re)create the data in', 'postgres://postgres@127.0.0.1:5432/masksearch_bench_pages')
  .option('--pages <n>', 'pages per walk', positiveInt, 5)
  .option('--runs <n>', 'walks per setting (after one warm-up walk)', positiveInt, 3)
  .option('--reuse', 'keep the data already in the database instead of regenerating it', false)
  .action((opts: Options) => main(opts))
  .parseAsync()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
