import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { positiveInt } from './cli-options.js';
import type { ChiConfig } from '../engine/index.js';
import { DEFAULT_CHI_CONFIG, VerifyThread, configName, validateChiConfig } from '../engine/index.js';
import type { Answer, QueryCase } from './suite.js';
import { buildIndex, buildRegeneratedIndex, chiBytesPerMask, measure, measurePair, median, sameAnswer, suite } from './suite.js';
import type { Dataset } from './synthetic-masks.js';
import { generateDataset } from './synthetic-masks.js';

/** A scan over 100,000 masks takes seconds; three runs give a stable enough median. */
const MAX_SCAN_RUNS = 3;
const SWEEP_DEFAULT_MASKS = 20_000;
/** Candidate level sets: single grids as before, a whole-mask histogram beside them, and a finer refining grid. */
const SWEEP_CONFIGS = [
  'G8B16',
  'G12B8',
  'G1B256+G8B16',
  'G1B256+G8B8',
  'G1B256+G12B8',
  'G1B256+G8B8+G16B2',
  'G1B256+G4B16+G16B2',
  'G1B256+G8B4+G16B4',
  'G1B256+G6B16+G12B2',
  'G1B128+G8B16',
];
const MAX_INDEX_PERCENT = 5;

/** "G1B256+G8B8" → levels [{grid 1, bins 256}, {grid 8, bins 8}]. */
function parseLevels(text: string): ChiConfig {
  const levels = text.split('+').map((part) => {
    const m = /^G(\d+)B(\d+)$/.exec(part.trim());
    if (!m) throw new InvalidArgumentError(`expected levels like G1B256+G8B8, got '${part}'`);
    return { grid: Number(m[1]), bins: Number(m[2]) };
  });
  const config = { levels };
  try {
    validateChiConfig(config);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return config;
}

/** A full garbage collection now (V8's gc(), made available at run time). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

interface Options {
  masks: number;
  humanImages?: number;
  size: number;
  levels: ChiConfig;
  seed: number;
  runs: number;
  warmup: number;
  json?: string;
  sweep?: boolean;
  /** Pixels on SharedArrayBuffers and each query also run with a second verification thread. */
  thread?: boolean;
}

function progress(label: string, total: number): { update(n: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}

function generate(opts: Options, images: number): Dataset {
  const humanImages = opts.humanImages ?? images;
  const bar = progress('generate', images + Math.min(humanImages, images));
  const t0 = performance.now();
  const dataset = generateDataset({ images, size: opts.size, seed: opts.seed, humanImages, shared: opts.thread ?? false, onProgress: (n) => bar.update(n) });
  bar.stop();
  const s = (performance.now() - t0) / 1000;
  const mem = process.memoryUsage();
  console.log(
    `generated ${dataset.masks.length} masks (${images} saliency + ${dataset.masks.length - images} human) of ${opts.size}×${opts.size} in ${s.toFixed(1)} s` +
      ` (${(dataset.masks.length / s).toFixed(0)} masks/s); rss ${gb(mem.rss)} GB, array buffers ${gb(mem.arrayBuffers)} GB, heap ${gb(mem.heapUsed)} GB`,
  );
  return dataset;
}

const gb = (bytes: number): string => (bytes / 2 ** 30).toFixed(2);

function build(dataset: Dataset, config: ChiConfig, label: string): ReturnType<typeof buildIndex> & { masksPerSecond: number; cpuMasksPerSecond: number } {
  const bar = progress(label, dataset.masks.length);
  const built = buildIndex(dataset, config, (n) => bar.update(n));
  bar.stop();
  return { ...built, masksPerSecond: dataset.masks.length / (built.buildMs / 1000), cpuMasksPerSecond: dataset.masks.length / (built.buildCpuMs / 1000) };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]): string => '| ' + cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, c) => (c === 0 ? ':' : '-') + '-'.repeat(w) + (c === 0 ? '-' : ':')).join('|') + '|', ...rows.map(line)].join('\n');
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const optionalMs = (x: number | null): string => (x === null ? '—' : ms(x));

/** Above this many images the pixels would not fit in memory: masks are made again from (seed, image) when loaded. */
const REGENERATE_ABOVE = 150_000;
/** Images the scan runs over when it cannot run over all of them; its time is extrapolated. */
const SCAN_SAMPLE = 20_000;

function buildRegenerated(opts: Options, config: ChiConfig, humanImages: number) {
  const bar = progress('index', opts.masks);
  const built = buildRegeneratedIndex({ images: opts.masks, humanImages, size: opts.size, seed: opts.seed, sampleImages: SCAN_SAMPLE, shared: opts.thread ?? false }, config, (n) => bar.update(n));
  bar.stop();
  const masks = opts.masks + humanImages;
  const mem = process.memoryUsage();
  console.log(
    `generated and indexed ${masks} masks without keeping their pixels: generation ${(built.generateMs / 1000).toFixed(1)} s;` +
      ` rss ${gb(mem.rss)} GB, array buffers ${gb(mem.arrayBuffers)} GB, heap ${gb(mem.heapUsed)} GB`,
  );
  return { ...built, masksPerSecond: masks / (built.buildMs / 1000), cpuMasksPerSecond: masks / (built.buildCpuMs / 1000), indexedMasks: masks };
}

async function runSuite(opts: Options): Promise<void> {
  const config = opts.levels;
  const humanImages = Math.min(opts.humanImages ?? opts.masks, opts.masks);
  const regenerate = opts.masks > REGENERATE_ABOVE;
  const sampled = regenerate;
  const { ctx, buildMs, masksPerSecond, cpuMasksPerSecond, indexedMasks } = regenerate
    ? buildRegenerated(opts, config, humanImages)
    : (() => {
        const dataset = generate(opts, opts.masks);
        return { ...build(dataset, config, 'build CHI'), indexedMasks: dataset.masks.length };
      })();
  const { bytes, indexed } = ctx.table.indexStats();
  const indexBytesPerMask = bytes / indexed;
  const indexPercentOfRaw = (100 * indexBytesPerMask) / (opts.size * opts.size);
  console.log(
    `built ${indexed} CHIs (${configName(config)}) in ${(buildMs / 1000).toFixed(1)} s: ${masksPerSecond.toFixed(0)} masks/s on one core` +
      ` (${cpuMasksPerSecond.toFixed(0)} masks/s by this process's CPU time);` +
      ` ${indexBytesPerMask} bytes per mask = ${indexPercentOfRaw.toFixed(2)}% of the raw u8 mask`,
  );

  // With --thread, the same engine with a second thread deciding part of each filter batch (the pixels are generated on shared memory).
  if (opts.thread) ctx.table.sharePlanes();
  const thread = opts.thread ? await VerifyThread.start() : undefined;
  const threaded = { ...ctx, verifyThread: thread };

  const scanRuns = Math.min(opts.runs, MAX_SCAN_RUNS);
  const queries = [];
  const sample = { imageLabels: ['sample'] };
  for (const q of suite({ images: opts.masks, humanImages })) {
    // The previous query's scan leaves garbage of its own; collected here, its cost is not billed to this query.
    collectGarbage();
    const [engine, twoThreads] = thread ? await measurePair(q, ctx, threaded, opts.warmup, opts.runs) : [await measure(q, ctx, true, opts.warmup, opts.runs), undefined];
    const engineAnswer = await engine.last.answer();
    const twoThreadsSame = !twoThreads || sameAnswer(await twoThreads.last.answer(), engineAnswer);
    // At 1,000,000 the scan runs over the first SCAN_SAMPLE images, and the engine's answer there is compared with it.
    const scan = await measure(q, ctx, false, 0, scanRuns, sampled ? sample : undefined);
    const engineOnScan = sampled ? await (await q.run(ctx, true, sample)).answer() : engineAnswer;
    const identical = sameAnswer(engineOnScan, await scan.last.answer()) && twoThreadsSame;
    const extrapolate = sampled ? engine.last.stats.candidates / scan.last.stats.candidates : 1;
    const s = engine.last.stats;
    const row = {
      name: q.name,
      description: q.description,
      engineMs: median(engine.ms),
      engineCpuMs: median(engine.cpuMs),
      twoThreadsMs: twoThreads ? median(twoThreads.ms) : null,
      twoThreadsCpuMs: twoThreads ? median(twoThreads.cpuMs) : null,
      scanMs: median(scan.ms) * extrapolate,
      scanCpuMs: median(scan.cpuMs) * extrapolate,
      scanExtrapolatedFrom: sampled ? scan.last.stats.candidates : null,
      ratio: (median(scan.ms) * extrapolate) / median(engine.ms),
      engineRuns: engine.ms.length,
      scanRuns: scan.ms.length,
      verified: s.verified,
      refined: s.refined,
      earlyStopped: s.earlyStopped,
      pixelsCounted: s.pixelsCounted,
      indexBytesRead: s.indexBytesRead,
      boundMs: median(engine.phases.boundMs),
      refineMs: median(engine.phases.refineMs),
      verifyMs: median(engine.phases.verifyMs),
      scanVerified: scan.last.stats.verified,
      candidates: s.candidates,
      prunedByIndex: s.prunedByIndex,
      acceptedByIndex: s.acceptedByIndex,
      skipped: s.skipped,
      results: engineAnswer.keys.length,
      identical,
    };
    console.log(`${q.name}: engine ${ms(row.engineMs)} ms (cpu ${ms(row.engineCpuMs)}), 2 threads ${optionalMs(row.twoThreadsMs)} ms (cpu ${optionalMs(row.twoThreadsCpuMs)}), scan ${ms(row.scanMs)} ms, ${row.ratio.toFixed(0)}×, verified ${row.verified}, identical ${identical}`);
    queries.push(row);
  }

  console.log(`\n${opts.masks} saliency masks, ${indexedMasks} in the index, ${opts.size}×${opts.size}, levels ${configName(config)};` +
    ` engine: median of ${opts.runs} warm runs after ${opts.warmup} warm-up runs, scan: median of ${scanRuns}` +
    (sampled ? `; scan EXTRAPOLATED from the first ${SCAN_SAMPLE} images' masks (identical: engine and scan on that sample)` : '') + '\n');
  const mem = process.memoryUsage();
  console.log(`memory: rss ${gb(mem.rss)} GB, array buffers ${gb(mem.arrayBuffers)} GB, heap ${gb(mem.heapUsed)} GB`);
  console.log(
    table(
      ['query', 'engine ms', 'engine cpu ms', '2 threads ms', '2 threads cpu ms', 'bound ms', 'refine ms', 'verify ms', 'scan ms', 'scan cpu ms', 'scan/engine', 'refined', 'verified', 'early stop', 'pixels counted', 'index KB read', 'scan loaded', 'candidates', 'pruned', 'accepted', 'results', 'identical'],
      queries.map((q) => [
        q.name,
        ms(q.engineMs),
        ms(q.engineCpuMs),
        optionalMs(q.twoThreadsMs),
        optionalMs(q.twoThreadsCpuMs),
        ms(q.boundMs),
        ms(q.refineMs),
        ms(q.verifyMs),
        ms(q.scanMs),
        ms(q.scanCpuMs),
        `${q.ratio.toFixed(0)}×`,
        String(q.refined),
        String(q.verified),
        String(q.earlyStopped),
        String(q.pixelsCounted),
        (q.indexBytesRead / 1024).toFixed(0),
        String(q.scanVerified),
        String(q.candidates),
        String(q.prunedByIndex),
        String(q.acceptedByIndex),
        String(q.results),
        String(q.identical),
      ]),
    ),
  );
  await thread?.close();
  console.log(`\nindex ${indexBytesPerMask} B/mask (${indexPercentOfRaw.toFixed(2)}% of raw); CHI build ${masksPerSecond.toFixed(0)} masks/s (${cpuMasksPerSecond.toFixed(0)} by CPU time)`);

  if (opts.json) {
    const report = {
      queries,
      indexBytesPerMask,
      indexPercentOfRaw,
      buildMasksPerSecond: masksPerSecond,
      buildCpuMasksPerSecond: cpuMasksPerSecond,
      masks: opts.masks,
      indexedMasks: indexed,
      scanSampled: sampled,
      rssBytes: process.memoryUsage().rss,
      size: opts.size,
      levels: config.levels,
      seed: opts.seed,
      machine: machine(),
    };
    writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote ${opts.json}`);
  }
}

/** Runs the suite for every (grid, bins) whose index fits the size budget, against one scan's answers. */
async function runSweep(opts: Options, masks: number): Promise<void> {
  const dataset = generate(opts, masks);
  const cases = suite({ images: masks, humanImages: Math.min(opts.humanImages ?? masks, masks) });
  const reference = build(dataset, DEFAULT_CHI_CONFIG, 'reference');
  const expected = new Map<QueryCase, Answer>();
  for (const q of cases) expected.set(q, await (await q.run(reference.ctx, false)).answer());

  const rows = [];
  for (const name of SWEEP_CONFIGS) {
    const config = parseLevels(name);
    const indexPercent = (100 * chiBytesPerMask(config, opts.size)) / (opts.size * opts.size);
    if (indexPercent > MAX_INDEX_PERCENT) continue;
    const { ctx, masksPerSecond } = build(dataset, config, name);
    const perQuery = [];
    for (const q of cases) {
      collectGarbage();
      const run = await measure(q, ctx, true, opts.warmup, opts.runs);
      const identical = sameAnswer(await run.last.answer(), expected.get(q) as Answer);
      perQuery.push({ name: q.name, engineMs: median(run.ms), verified: run.last.stats.verified, identical });
    }
    console.log(`${name}: ${perQuery.map((p) => `${p.name} ${p.verified}/${ms(p.engineMs)}ms`).join(', ')}`);
    rows.push({ levels: name, indexPercent, buildMasksPerSecond: masksPerSecond, queries: perQuery });
  }

  console.log(`\n${masks} saliency masks, ${dataset.masks.length} in the index; each cell: masks verified / engine ms (median of ${opts.runs} warm runs)\n`);
  console.log(
    table(
      ['levels', 'index %', 'build/s', ...cases.map((q) => q.name), 'identical'],
      rows.map((r) => [
        r.levels,
        r.indexPercent.toFixed(2),
        r.buildMasksPerSecond.toFixed(0),
        ...r.queries.map((q) => `${q.verified} / ${ms(q.engineMs)}`),
        String(r.queries.every((q) => q.identical)),
      ]),
    ),
  );
  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify({ sweep: rows, masks, size: opts.size, machine: machine() }, null, 2) + '\n');
    console.log(`wrote ${opts.json}`);
  }
}

/** The engine changes under the benchmark; a digest of its sources ties each report to the code measured. */
function engineDigest(): string {
  const dir = new URL('../engine/', import.meta.url);
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) hash.update(file).update(readFileSync(new URL(file, dir)));
  return hash.digest('hex').slice(0, 12);
}
// Taken as the engine modules are loaded, not when the report is written minutes later.
const ENGINE_DIGEST = engineDigest();

const machine = () => ({ cpus: os.availableParallelism(), model: os.cpus()[0]?.model, node: process.version, engineDigest: ENGINE_DIGEST });

const program = new Command()
  .name('bench:engine')
  .description('CHI engine vs full scan on synthetic saliency masks: the fixed query suite, or a sweep over grid and bins')
  .option('--masks <n>', 'saliency masks, one per image', positiveInt, 100_000)
  .option('--human-images <n>', 'images that also get a human-attention mask (default: all)', positiveInt)
  .option('--size <n>', 'mask width and height', positiveInt, 224)
  .option('--levels <G…B…+…>', `CHI levels (default ${configName(DEFAULT_CHI_CONFIG)})`, parseLevels, DEFAULT_CHI_CONFIG)
  .option('--seed <n>', 'generator seed', positiveInt, 1)
  .option('--runs <n>', 'timed engine runs per query (scan: at most 3)', positiveInt, 5)
  // V8 optimises the aggregation's code only after about ten runs (f: runs 1–9 took 5–11 ms, then 4.0–4.3).
  .option('--warmup <n>', 'untimed engine runs per query before the timed ones', positiveInt, 10)
  .option('--json <file>', 'write the results as JSON')
  .option('--thread', 'also run every query with a second verification thread, alternating runs with one thread; the pixels then lie on SharedArrayBuffers, which the kernels copy at about half the speed, so the scan baseline is slower in this mode')
  .option('--sweep', `run the suite for each of ${SWEEP_CONFIGS.join(', ')} with an index ≤ ${MAX_INDEX_PERCENT}% of raw (default ${SWEEP_DEFAULT_MASKS} masks)`)
  .action(async (opts: Options) => {
    if (opts.sweep) await runSweep(opts, program.getOptionValueSource('masks') === 'default' ? SWEEP_DEFAULT_MASKS : opts.masks);
    else await runSuite(opts);
  });

await program.parseAsync();
