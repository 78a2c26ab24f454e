import { performance } from 'node:perf_hooks';
import type { ChiConfig, EngineContext, Mask, QueryStats } from '../engine/index.js';
import { MaskTable, MemoryMaskLoader, aggregateTopK, buildChi, chiBytesFor, filterByCP, topKByCP } from '../engine/index.js';
import type { Dataset } from './synthetic-masks.js';

/** The first page a client would show: filters are timed until its exact values are known. */
export const PAGE = 25;

export const chiBytesPerMask = (config: ChiConfig, size: number): number => chiBytesFor(config, size, size);

export interface BuiltIndex {
  ctx: EngineContext;
  /** Time spent building CHIs and adding masks to the index, without generation. */
  buildMs: number;
}

export function buildIndex(dataset: Dataset, config: ChiConfig, onProgress?: (done: number) => void): BuiltIndex {
  const table = new MaskTable(config);
  const masks = new Map<number, Mask>();
  for (const image of dataset.images) table.putImage(image);
  let buildMs = 0;
  dataset.masks.forEach(({ id, imageId, kind, mask }, n) => {
    const t0 = performance.now();
    table.putMask({ id, imageId, width: mask.width, height: mask.height, encoding: mask.encoding, maskType: kind, source: 'synthetic' }, buildChi(mask, config));
    buildMs += performance.now() - t0;
    masks.set(id, mask);
    if (onProgress && (n % 512 === 511 || n === dataset.masks.length - 1)) onProgress(n + 1);
  });
  return { ctx: { table, loader: new MemoryMaskLoader(masks) }, buildMs };
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
  run(ctx: EngineContext, useIndex: boolean): Promise<Timed>;
}

export function suite(dataset: Dataset): QueryCase[] {
  const saliency = { maskTypes: ['saliency'] };
  const withHuman = new Set(dataset.masks.filter((m) => m.kind === 'human').map((m) => m.imageId));
  // Every image has its human mask unless --human-images made that a subset: then name the pairs.
  const pairs = withHuman.size === dataset.images.length ? undefined : { ids: dataset.masks.filter((m) => withHuman.has(m.imageId)).map((m) => m.id) };
  const objectBox = { kind: 'imageBox', name: 'object' } as const;

  return [
    {
      name: 'a-filter-box',
      description: 'filter CP(box 50,50 100×100, (0.6, 1]) > 5000',
      run: (ctx, useIndex) =>
        timeFilter(ctx, {
          where: saliency,
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
      run: (ctx, useIndex) =>
        timeFilter(ctx, {
          where: saliency,
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
      run: (ctx, useIndex) =>
        timeTopK(() => topKByCP(ctx, { where: saliency, roi: objectBox, range: { gt: 0.5, lte: 1 }, normalize: 'ROI_FRACTION', k: PAGE, order: 'DESC', useIndex })),
    },
    {
      name: 'd-topk-object-asc',
      description: 'top-25 ASC CP(object, (0.5, 1]) / area',
      run: (ctx, useIndex) =>
        timeTopK(() => topKByCP(ctx, { where: saliency, roi: objectBox, range: { gt: 0.5, lte: 1 }, normalize: 'ROI_FRACTION', k: PAGE, order: 'ASC', useIndex })),
    },
    {
      name: 'e-topk-dispersed',
      description: 'top-25 DESC CP(full, (0.3, 0.45])',
      run: (ctx, useIndex) =>
        timeTopK(() => topKByCP(ctx, { where: saliency, roi: { kind: 'full' }, range: { gt: 0.3, lte: 0.45 }, k: PAGE, order: 'DESC', useIndex })),
    },
    {
      name: 'f-agg-iou-asc',
      description: 'top-25 ASC IoU(saliency > 0.5, human > 0.5), full',
      run: (ctx, useIndex) =>
        timeTopK(() =>
          aggregateTopK(ctx, { where: pairs, op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'IOU', k: PAGE, order: 'ASC', useIndex }),
        ),
    },
  ];
}

const cpuSince = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

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
  /** Stats and answer of the last run. */
  last: Timed;
}

/** warmup runs (not kept), then runs timed runs. */
export async function measure(q: QueryCase, ctx: EngineContext, useIndex: boolean, warmup: number, runs: number): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await q.run(ctx, useIndex);
  const ms: number[] = [];
  const cpuMs: number[] = [];
  let last: Timed | undefined;
  for (let i = 0; i < runs; i++) {
    last = await q.run(ctx, useIndex);
    ms.push(last.ms);
    cpuMs.push(last.cpuMs);
  }
  if (!last) throw new Error('measure needs at least one run');
  return { ms, cpuMs, last };
}
