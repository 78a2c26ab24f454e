import { performance } from 'node:perf_hooks';
import type { ChiConfig, EngineContext, Mask, MaskLoader, MaskWhere, QueryStats } from '../engine/index.js';
import { MaskTable, MemoryMaskLoader, aggregateTopK, buildChi, chiBytesFor, createMask, filterByCP, topKByCP } from '../engine/index.js';
import type { Dataset, SyntheticImage } from './synthetic-masks.js';
import { Renderer, renderImage } from './synthetic-masks.js';

/** The first page a client would show: filters are timed until its exact values are known. */
export const PAGE = 25;

const cpuSince = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

export const chiBytesPerMask = (config: ChiConfig, size: number): number => chiBytesFor(config, size, size);

export interface BuiltIndex {
  ctx: EngineContext;
  /** Time spent building CHIs and adding masks to the index, without generation. */
  buildMs: number;
  /** This process's CPU time for the same work: on a shared machine, wall time also counts other processes' time slices. */
  buildCpuMs: number;
}

/**
 * Images are labelled so that queries can name subsets by a column: split 'paired' where the image
 * has a human mask, label 'sample' for the first sampleImages (the scan's sample at 1,000,000).
 */
function putImage(table: MaskTable, image: SyntheticImage, paired: boolean, sampled: boolean): void {
  table.putImage({ ...image, split: paired ? 'paired' : null, label: sampled ? 'sample' : null });
}

export function buildIndex(dataset: Dataset, config: ChiConfig, onProgress?: (done: number) => void, sampleImages = Infinity): BuiltIndex {
  const table = new MaskTable(config);
  const masks = new Map<number, Mask>();
  const paired = new Set(dataset.masks.filter((m) => m.kind === 'human').map((m) => m.imageId));
  dataset.images.forEach((image, i) => putImage(table, image, paired.has(image.id), i < sampleImages));
  let buildMs = 0;
  // CPU over the whole loop (process.cpuUsage costs microseconds, too much to call per mask); the loop's other work is a map insert and a progress update.
  const c0 = process.cpuUsage();
  dataset.masks.forEach(({ id, imageId, kind, mask }, n) => {
    const t0 = performance.now();
    table.putMask({ id, imageId, width: mask.width, height: mask.height, encoding: mask.encoding, maskType: kind, source: 'synthetic' }, buildChi(mask, config));
    buildMs += performance.now() - t0;
    masks.set(id, mask);
    if (onProgress && (n % 512 === 511 || n === dataset.masks.length - 1)) onProgress(n + 1);
  });
  return { ctx: { table, loader: new MemoryMaskLoader(masks) }, buildMs, buildCpuMs: cpuSince(c0) };
}

/**
 * Masks made again from (seed, image) whenever they are loaded, for datasets whose pixels would
 * not fit in memory: saliency mask id = image id (1..images), human = images + image id.
 */
export class RegeneratingLoader implements MaskLoader {
  private readonly renderer: Renderer;
  private readonly scratch: Uint8Array;

  constructor(
    private readonly images: number,
    private readonly humanImages: number,
    private readonly size: number,
    private readonly seed: number,
    /** Pixels on SharedArrayBuffers, for a verification thread. */
    private readonly shared: boolean,
  ) {
    this.renderer = new Renderer(size);
    this.scratch = new Uint8Array(size * size);
  }

  async load(ids: readonly number[]): Promise<ReadonlyMap<number, Mask>> {
    const found = new Map<number, Mask>();
    const pixels = this.size * this.size;
    // One arena per load: a verification thread reads a shared one in place.
    const arena = this.shared ? new SharedArrayBuffer(ids.length * pixels) : new ArrayBuffer(ids.length * pixels);
    for (const [k, id] of ids.entries()) {
      const human = id > this.images;
      const index = (human ? id - this.images : id) - 1;
      if (index < 0 || index >= this.images || (human && index >= this.humanImages)) continue;
      const data = new Uint8Array(arena, k * pixels, pixels);
      if (human) renderImage(index, this.size, this.seed, this.renderer, this.scratch, data);
      else renderImage(index, this.size, this.seed, this.renderer, data);
      found.set(id, createMask(this.size, this.size, data));
    }
    return found;
  }
}

/** The index of a dataset generated image by image and not kept: each image's masks are rendered, indexed and dropped. */
export function buildRegeneratedIndex(
  options: { images: number; humanImages: number; size: number; seed: number; sampleImages: number; shared: boolean },
  config: ChiConfig,
  onProgress?: (done: number) => void,
): BuiltIndex & { generateMs: number } {
  const { images, humanImages, size, seed, sampleImages } = options;
  const table = new MaskTable(config);
  const renderer = new Renderer(size);
  const saliency = new Uint8Array(size * size);
  const human = new Uint8Array(size * size);
  let buildMs = 0;
  let buildCpuMs = 0;
  let generateMs = 0;
  for (let i = 0; i < images; i++) {
    const g0 = performance.now();
    const image = renderImage(i, size, seed, renderer, saliency, i < humanImages ? human : undefined);
    generateMs += performance.now() - g0;
    putImage(table, image, i < humanImages, i < sampleImages);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const entry = { imageId: image.id, width: size, height: size, encoding: 'u8' as const, source: 'synthetic' };
    table.putMask({ ...entry, id: image.id, maskType: 'saliency' }, buildChi(createMask(size, size, saliency), config));
    if (i < humanImages) table.putMask({ ...entry, id: images + image.id, maskType: 'human' }, buildChi(createMask(size, size, human), config));
    buildMs += performance.now() - t0;
    buildCpuMs += cpuSince(c0);
    if (onProgress && (i % 512 === 511 || i === images - 1)) onProgress(i + 1);
  }
  return { ctx: { table, loader: new RegeneratingLoader(images, humanImages, size, seed, options.shared) }, buildMs, buildCpuMs, generateMs };
}

/** What a query returned, in a form two runs can be compared by: keys in result order and their exact values. */
export interface Answer {
  keys: number[];
  values: (number | null)[];
}

export interface Timed {
  ms: number;
  /** This process's CPU time over the same span: on a shared machine, wall time also counts other processes' time slices. */
  cpuMs: number;
  /** Stats as they stood when the clock stopped. */
  stats: QueryStats;
  /** Completes the answer (for filters: values of every match) outside the timed part. */
  answer(): Promise<Answer>;
}

export interface QueryCase {
  name: string;
  description: string;
  /** within narrows the query's masks further (the scan's sample). */
  run(ctx: EngineContext, useIndex: boolean, within?: MaskWhere): Promise<Timed>;
}

/** Which masks the suite's queries run over. */
export interface SuiteShape {
  images: number;
  humanImages: number;
}

export function suite(shape: SuiteShape): QueryCase[] {
  // Every image has its human mask unless --human-images made that a subset: then the pairs are the 'paired' split.
  const pairs: MaskWhere = shape.humanImages >= shape.images ? {} : { imageSplits: ['paired'] };
  const saliencyOf = (within?: MaskWhere): MaskWhere => ({ maskTypes: ['saliency'], ...within });
  const pairsOf = (within?: MaskWhere): MaskWhere | undefined => (within || pairs.imageSplits ? { ...pairs, ...within } : undefined);
  const objectBox = { kind: 'imageBox', name: 'object' } as const;

  return [
    {
      name: 'a-filter-box',
      description: 'filter CP(box 50,50 100×100, (0.6, 1]) > 5000',
      run: (ctx, useIndex, within) =>
        timeFilter(ctx, {
          where: saliencyOf(within),
          roi: { kind: 'box', x: 50, y: 50, width: 100, height: 100 },
          range: { gt: 0.6, lte: 1 },
          normalize: 'COUNT',
          op: 'GT',
          threshold: 5000,
          useIndex,
        }),
    },
    {
      name: 'b-filter-background',
      description: 'filter CP(object, (0.5, 1]) / area < 0.2',
      run: (ctx, useIndex, within) =>
        timeFilter(ctx, {
          where: saliencyOf(within),
          roi: objectBox,
          range: { gt: 0.5, lte: 1 },
          normalize: 'ROI_FRACTION',
          op: 'LT',
          threshold: 0.2,
          useIndex,
        }),
    },
    {
      name: 'c-topk-object-desc',
      description: 'top-25 DESC CP(object, (0.5, 1]) / area',
      run: (ctx, useIndex, within) =>
        timeTopK(() => topKByCP(ctx, { where: saliencyOf(within), roi: objectBox, range: { gt: 0.5, lte: 1 }, normalize: 'ROI_FRACTION', k: PAGE, order: 'DESC', useIndex })),
    },
    {
      name: 'd-topk-object-asc',
      description: 'top-25 ASC CP(object, (0.5, 1]) / area',
      run: (ctx, useIndex, within) =>
        timeTopK(() => topKByCP(ctx, { where: saliencyOf(within), roi: objectBox, range: { gt: 0.5, lte: 1 }, normalize: 'ROI_FRACTION', k: PAGE, order: 'ASC', useIndex })),
    },
    {
      name: 'e-topk-dispersed',
      description: 'top-25 DESC CP(full, (0.3, 0.45])',
      run: (ctx, useIndex, within) =>
        timeTopK(() => topKByCP(ctx, { where: saliencyOf(within), roi: { kind: 'full' }, range: { gt: 0.3, lte: 0.45 }, k: PAGE, order: 'DESC', useIndex })),
    },
    {
      name: 'f-agg-iou-asc',
      description: 'top-25 ASC IoU(saliency > 0.5, human > 0.5), full',
      run: (ctx, useIndex, within) =>
        timeTopK(() =>
          aggregateTopK(ctx, { where: pairsOf(within), op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'IOU', k: PAGE, order: 'ASC', useIndex }),
        ),
    },
  ];
}

async function timeFilter(ctx: EngineContext, spec: Parameters<typeof filterByCP>[1]): Promise<Timed> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await filterByCP(ctx, spec);
  await result.values(Array.from(result.keys.subarray(0, PAGE)));
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  const stats = { ...result.stats };
  return {
    ms,
    cpuMs,
    stats,
    async answer() {
      const keys = Array.from(result.keys);
      return { keys, values: await result.values(keys) };
    },
  };
}

async function timeTopK(query: () => ReturnType<typeof topKByCP>): Promise<Timed> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await query();
  const ms = performance.now() - t0;
  const cpuMs = cpuSince(c0);
  const answer = { keys: result.items.map((i) => i.key), values: result.items.map((i) => i.value) };
  return { ms, cpuMs, stats: { ...result.stats }, answer: async () => answer };
}

export const sameAnswer = (a: Answer, b: Answer): boolean =>
  a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i] && a.values[i] === b.values[i]);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Measured {
  ms: number[];
  cpuMs: number[];
  /** Per timed run, the engine's phases: the first pass, refinement and verification (stats' boundMs, refineMs, verifyMs). */
  phases: { boundMs: number[]; refineMs: number[]; verifyMs: number[] };
  /** Stats and answer of the last run. */
  last: Timed;
}

const noPhases = (): Measured['phases'] => ({ boundMs: [], refineMs: [], verifyMs: [] });

function record(into: Measured, run: Timed): void {
  into.ms.push(run.ms);
  into.cpuMs.push(run.cpuMs);
  into.phases.boundMs.push(run.stats.boundMs);
  into.phases.refineMs.push(run.stats.refineMs);
  into.phases.verifyMs.push(run.stats.verifyMs);
  into.last = run;
}

/**
 * measure for two contexts at once, their runs alternating (A, B, A, B, …) so that neither gains
 * from running second: warm-up, caches and the machine's load fall on both alike.
 */
export async function measurePair(q: QueryCase, a: EngineContext, b: EngineContext, warmup: number, runs: number): Promise<[Measured, Measured]> {
  for (let i = 0; i < warmup; i++) {
    await q.run(a, true);
    await q.run(b, true);
  }
  const measured: [Measured, Measured] = [
    { ms: [], cpuMs: [], phases: noPhases(), last: undefined as unknown as Timed },
    { ms: [], cpuMs: [], phases: noPhases(), last: undefined as unknown as Timed },
  ];
  if (runs < 1) throw new Error('measurePair needs at least one run');
  for (let i = 0; i < runs; i++) {
    for (const [k, ctx] of [a, b].entries()) record(measured[k], await q.run(ctx, true));
  }
  return measured;
}

/** warmup runs (not kept), then runs timed runs. */
export async function measure(q: QueryCase, ctx: EngineContext, useIndex: boolean, warmup: number, runs: number, within?: MaskWhere): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await q.run(ctx, useIndex, within);
  if (runs < 1) throw new Error('measure needs at least one run');
  const measured: Measured = { ms: [], cpuMs: [], phases: noPhases(), last: undefined as unknown as Timed };
  for (let i = 0; i < runs; i++) record(measured, await q.run(ctx, useIndex, within));
  return measured;
}
