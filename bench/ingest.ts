/**
 * The ingest benchmark: 224×224 float32 (or uint8) Grad-CAM-like .npy files (one per image, as saved from
 * pytorch-grad-cam) ingested into local PostgreSQL through the gradcam source, twice in the same
 * run: our path (encoding in worker threads, files committed in groups) and the naive path
 * (encoding on the main thread, one transaction per file). Both stores are then compared mask
 * by mask: pixels and CHI bytes must be identical.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { positiveInt } from './cli-options.js';
import { asc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { DEFAULT_CHI_CONFIG } from '../engine/index.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { PIXEL_CODECS, type PixelCodec } from '../db/pixel-codec.js';
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
  codec?: PixelCodec;
  naive: boolean;
  pglite: boolean;
}

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

/** Drops and creates a database on the server of `url` (connecting to its `postgres` database to do so). */
async function freshDatabase(url: string, name: string): Promise<DatabaseHandle> {
  const target = new URL(url);
  target.pathname = '/postgres';
  const admin = postgres(target.href, { max: 1, onnotice: () => {} });
  await admin`drop database if exists ${admin(name)} with (force)`;
  await admin`create database ${admin(name)}`;
  await admin.end();
  target.pathname = `/${name}`;
  return openDatabase({ databaseUrl: target.href });
}

async function runIngest(label: string, handle: DatabaseHandle, dir: string, workers: number, groupFiles: number | undefined, codec?: PixelCodec): Promise<IngestSummary> {
  const registry = await loadSourceRegistry();
  const source = registry.get('gradcam')!;
  const { files } = await filesFromPaths([dir], ['.npy']);
  const encoder = createMaskEncoder({ chi: DEFAULT_CHI_CONFIG, workers, codec });
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

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds from a /proc stat line. */
function statCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds used so far by the local PostgreSQL server for `database` (Linux /proc; 0
 * elsewhere): the backends connected to it, and the WAL writer, checkpointer and background
 * writer, which every database shares. Other databases' backends (other benchmarks on the same
 * server) are left out; their share of the shared processes is not.
 */
async function postgresCpuSeconds(database: string): Promise<number> {
  let total = 0;
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // A backend's title is "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) STATE".
      const title = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      if (!title.startsWith('postgres: ')) continue;
      const words = title.split(' ').filter(Boolean).slice(1);
      if (words[0]?.endsWith(':')) words.shift();
      if (words[1] !== database && !/walwriter|checkpointer|background writer/.test(title)) continue;
      total += statCpuSeconds(await readFile(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** CPU seconds of this process's main thread (Linux /proc; 0 elsewhere): the one an ingest is bound by. */
async function mainThreadCpuSeconds(): Promise<number> {
  return statCpuSeconds(await readFile(`/proc/self/task/${process.pid}/stat`, 'utf8').catch(() => ') 0 0 0 0 0 0 0 0 0 0 0 0 0'));
}

interface CpuPerMask {
  /** This process, every thread. */
  node: number;
  main: number;
  postgres: number;
}

/** CPU ms per mask of this process (every thread, and the main thread) and of the local PostgreSQL server's work on `database` during `run`. */
async function withCpu<T extends IngestSummary>(database: string, run: () => Promise<T>): Promise<{ summary: T; cpu: CpuPerMask }> {
  const node0 = process.cpuUsage();
  const main0 = await mainThreadCpuSeconds();
  const pg0 = await postgresCpuSeconds(database);
  const summary = await run();
  const node = process.cpuUsage(node0);
  const main = (await mainThreadCpuSeconds()) - main0;
  const pg = (await postgresCpuSeconds(database)) - pg0;
  const n = Math.max(1, summary.masks.inserted);
  return { summary, cpu: { node: (node.user + node.system) / 1000 / n, main: (main * 1000) / n, postgres: (pg * 1000) / n } };
}

const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

async function main(options: Options): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'masksearch-bench-ingest-'));
  const pgliteDir = await mkdtemp(join(tmpdir(), 'masksearch-bench-pglite-'));
  const name = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1));
  if (!name || name === 'postgres') throw new InvalidArgumentError('--database-url must name a database of its own (it is dropped and created afresh)');
  const ours = await freshDatabase(options.databaseUrl, name);
  const naive = options.naive ? await freshDatabase(options.databaseUrl, `${name}_naive`) : undefined;
  const embedded = options.pglite ? await openDatabase({ dataDir: pgliteDir }) : undefined;
  try {
    const fileBytes = await writeFiles(dir, options.masks, options.dtype);
    console.log(`machine: ${cpus()[0].model}, ${availableParallelism()} cores, Node ${process.version}; load average ${loadAverage()} (1 / 5 / 15 min)`);
    console.log(`${options.masks} files of ${SIZE}×${SIZE} ${options.dtype} (.npy, ${(fileBytes / options.masks / 1024).toFixed(1)} KB each) into ${options.databaseUrl}; codec ${options.codec ?? 'the default'}`);
    const runs: { label: string; summary: IngestSummary; cpu: CpuPerMask; workers: number; handle: DatabaseHandle }[] = [];
    const run = async (label: string, handle: DatabaseHandle, database: string, workers: number, groupFiles?: number) =>
      runs.push({ label, ...(await withCpu(database, () => runIngest(label, handle, dir, workers, groupFiles, options.codec))), workers, handle });
    await run('ours: PostgreSQL', ours, name, options.workers);
    if (embedded) await run('ours: PGlite', embedded, name, options.workers);
    if (naive) await run('naive: main thread, a transaction per file', naive, `${name}_naive`, 0, 1);

    const reference = await storedMasks(ours);
    const row = async ({ label, summary: s, cpu, workers, handle }: (typeof runs)[number]) => {
      const n = s.masks.inserted;
      const stored = handle === ours ? reference : await storedMasks(handle);
      const identical = stored.length === options.masks && stored.length === reference.length && stored.every((m, i) => m.key === reference[i].key && sameBytes(m.pixels, reference[i].pixels) && sameBytes(m.chi, reference[i].chi));
      return `| ${label} | ${workers} | ${n} | ${(s.elapsedMs / 1000).toFixed(1)} | ${Math.round(n / (s.elapsedMs / 1000))} | ${Math.round(s.bytes.pixels / n)} | ${Math.round(s.bytes.chi / n)} | ${s.failures.length} | ${cpu.node.toFixed(2)} | ${cpu.main.toFixed(2)} | ${handle.kind === 'postgres' ? cpu.postgres.toFixed(2) : '–'} | ${identical} |`;
    };
    console.log('| path | workers | masks | s | masks/s | pixel B/mask | CHI B/mask | failed | CPU ms/mask: Node | of it the main thread | CPU ms/mask: PostgreSQL | identical to the first |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const run of runs) console.log(await row(run));
    const raw = SIZE * SIZE * (options.dtype === 'float32' ? 4 : 1);
    const first = runs[0].summary;
    console.log(`stored bytes per mask: ${Math.round((first.bytes.pixels + first.bytes.chi) / first.masks.inserted)} of ${raw} raw; load average after: ${loadAverage()}`);
  } finally {
    await ours.close();
    await naive?.close();
    await embedded?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(pgliteDir, { recursive: true, force: true });
  }
}

const program = new Command('bench:ingest')
  .description('ingest throughput: float32 .npy Grad-CAM maps into local PostgreSQL, ours vs the naive path')
  .option('--masks <n>', 'number of .npy files', positiveInt, 4000)
  .addOption(new Option('--dtype <dtype>', 'the arrays\' dtype').choices(['float32', 'uint8']).default('float32'))
  .option('--workers <n>', 'encoder threads for our path', (v) => Number(v), defaultWorkerCount())
  .addOption(new Option('--codec <codec>', 'pixel codec (default: the store\'s choice per encoding)').choices(PIXEL_CODECS))
  .option('--no-naive', 'skip the naive path')
  .option('--pglite', 'also ingest into a fresh PGlite store (embedded, in a temporary folder)', false)
  .option('--database-url <url>', 'a PostgreSQL database to drop and create afresh (and NAME_naive beside it)', 'postgres://postgres@127.0.0.1:5432/masksearch_bench_ingest')
  .action((options: Options) => main(options));

await program.parseAsync();
