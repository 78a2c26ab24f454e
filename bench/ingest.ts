/**
 * The ingest benchmark: 224×224 float32 (or uint8) Grad-CAM-like .npy files (one per image, as saved from
 * pytorch-grad-cam) ingested into local PostgreSQL through the gradcam source, twice in the same
 * run: our path (encoding in worker threads, files committed in groups) and the naive path
 * (encoding on the main thread, one transaction per file). Both stores are then compared mask
 * by mask: pixels and CHI bytes must be identical.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { asc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { DEFAULT_CHI_CONFIG } from '../engine/index.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { images, maskChi, maskPixels, masks } from '../db/schema.js';
import { createMaskEncoder, defaultWorkerCount } from '../ingest/encoder.js';
import { ingestFiles, parseSourceOptions, type IngestSummary } from '../ingest/ingest.js';
import { filesFromPaths } from '../ingest/input-files.js';
import { encodeNpy } from '../plugins/kit/npy.js';
import { loadSourceRegistry } from '../plugins/config.js';
import { gradCamF32 } from './grad-cam-f32.js';

interface Options {
  masks: number;
  dtype: 'float32' | 'uint8';
  databaseUrl: string;
  workers: number;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const SIZE = 224;

/** float32 as saved by pytorch-grad-cam; uint8 as a heatmap quantised to 0..255 (k/255). */
function npyFile(dtype: Options['dtype'], index: number): Uint8Array {
  const values = gradCamF32(SIZE, 7, index + 1);
  if (dtype === 'float32') return encodeNpy({ descr: '<f4', shape: [SIZE, SIZE], data: new Uint8Array(values.buffer) });
  return encodeNpy({ descr: '|u1', shape: [SIZE, SIZE], data: Uint8Array.from(values, (v) => Math.round(v * 255)) });
}

async function writeFiles(dir: string, count: number, dtype: Options['dtype']): Promise<number> {
  const bar = new cliProgress.SingleBar({ format: 'writing .npy files [{bar}] {value}/{total}', stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  bar.start(count, 0);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const npy = npyFile(dtype, i);
    await writeFile(join(dir, `img-${String(i).padStart(6, '0')}.npy`), npy);
    bytes += npy.byteLength;
    bar.increment();
  }
  bar.stop();
  return bytes;
}

async function freshDatabase(baseUrl: string, name: string): Promise<DatabaseHandle> {
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin`drop database if exists ${admin(name)} with (force)`;
  await admin`create database ${admin(name)}`;
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return openDatabase({ databaseUrl: url.href });
}

async function runIngest(label: string, handle: DatabaseHandle, dir: string, workers: number, groupFiles: number): Promise<IngestSummary> {
  const registry = await loadSourceRegistry();
  const source = registry.get('gradcam')!;
  const { files } = await filesFromPaths([dir], ['.npy']);
  const encoder = createMaskEncoder({ chi: DEFAULT_CHI_CONFIG, workers });
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} files`, stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  bar.start(files.length, 0);
  try {
    return await ingestFiles(
      { db: handle.db, encoder, groupFiles, onProgress: (p) => bar.update(p.filesDone) },
      files,
      { source, sourceOptions: parseSourceOptions(source, {}), onDuplicate: 'error', createImages: true },
    );
  } finally {
    bar.stop();
    await encoder.close();
  }
}

/** Every mask's image key, pixels and CHI, in key order: what must be equal between the two stores. */
async function storedMasks(handle: DatabaseHandle) {
  return handle.db
    .select({ key: images.key, pixels: maskPixels.data, chi: maskChi.data })
    .from(masks)
    .innerJoin(images, eq(images.id, masks.imageId))
    .innerJoin(maskPixels, eq(maskPixels.maskId, masks.id))
    .innerJoin(maskChi, eq(maskChi.maskId, masks.id))
    .orderBy(asc(images.key));
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));

async function main(options: Options): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'masksearch-bench-ingest-'));
  const ours = await freshDatabase(options.databaseUrl, 'masksearch_bench_ingest');
  const naive = await freshDatabase(options.databaseUrl, 'masksearch_bench_ingest_naive');
  try {
    const fileBytes = await writeFiles(dir, options.masks, options.dtype);
    console.log(`machine: ${cpus()[0].model}, ${availableParallelism()} cores, Node ${process.version}`);
    console.log(`${options.masks} files of ${SIZE}×${SIZE} ${options.dtype} (.npy, ${(fileBytes / options.masks / 1024).toFixed(1)} KB each) into ${options.databaseUrl}`);
    const oursSummary = await runIngest('ours ', ours, dir, options.workers, 64);
    const naiveSummary = await runIngest('naive', naive, dir, 0, 1);
    const [a, b] = [await storedMasks(ours), await storedMasks(naive)];
    const identical = a.length === options.masks && a.length === b.length && a.every((m, i) => m.key === b[i].key && sameBytes(m.pixels, b[i].pixels) && sameBytes(m.chi, b[i].chi));

    const row = (label: string, s: IngestSummary, workers: number) => {
      const n = s.masks.inserted;
      return `| ${label} | ${workers} | ${n} | ${(s.elapsedMs / 1000).toFixed(1)} | ${Math.round(n / (s.elapsedMs / 1000))} | ${Math.round(s.bytes.pixels / n)} | ${Math.round(s.bytes.chi / n)} | ${s.failures.length} |`;
    };
    console.log('| path | workers | masks | s | masks/s | pixel B/mask | CHI B/mask | failed |');
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(row('ours: workers, grouped commits', oursSummary, options.workers));
    console.log(row('naive: main thread, a transaction per file', naiveSummary, 0));
    console.log(`ratio ours/naive: ${(naiveSummary.elapsedMs / oursSummary.elapsedMs).toFixed(2)}×; stored masks identical: ${identical}`);
    const raw = SIZE * SIZE * (options.dtype === 'float32' ? 4 : 1);
    console.log(`stored bytes per mask: ${Math.round((oursSummary.bytes.pixels + oursSummary.bytes.chi) / oursSummary.masks.inserted)} of ${raw} raw`);
  } finally {
    await ours.close();
    await naive.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const program = new Command('bench:ingest')
  .description('ingest throughput: float32 .npy Grad-CAM maps into local PostgreSQL, ours vs the naive path')
  .option('--masks <n>', 'number of .npy files', positiveInt, 4000)
  .addOption(new Option('--dtype <dtype>', 'the arrays\' dtype').choices(['float32', 'uint8']).default('float32'))
  .option('--workers <n>', 'encoder threads for our path', (v) => Number(v), defaultWorkerCount())
  .option('--database-url <url>', 'PostgreSQL server (two databases are created there)', process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
  .action((options: Options) => main(options));

await program.parseAsync();
