/**
 * `npm run bench:kernels [-- --masks N --runs R]`: the pixel-counting kernels on the same
 * generated saliency masks (224×224 u8, and the same values stored as u16 and f32): today's
 * lookup-table loop (bench/lookup-table-kernel.ts, the engine's kernel before this round), the JS kernels (SWAR for u8) and the WebAssembly SIMD
 * counter with and without copying pixels in. Every kernel's counts are checked against the
 * lookup table's before anything is printed. Times are this process's CPU time
 * (process.cpuUsage), not wall time: the machine is shared, and a time slice given to another
 * process is not the kernel's.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { compileRange } from '../engine/index.js';
import { countInRect, markInRect, rangeKernel } from './lookup-table-kernel.js';
import type { MaskData, MaskEncoding } from '../engine/index.js';
import { WasmCounter, codeInterval, countRect, intersectUnion } from '../engine/kernels/index.js';
import { generateDataset } from './synthetic-masks.js';

const { values } = parseArgs({ options: { masks: { type: 'string', default: '1000' }, runs: { type: 'string', default: '7' } } });
const N = Number(values.masks);
const RUNS = Number(values.runs);
const SIZE = 224;

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`# bench:kernels — ${N} masks ${SIZE}×${SIZE}, median of ${RUNS} runs, Node ${process.version}, load ${load()}`);

const data = generateDataset({ images: N, size: SIZE, humanImages: N });
const saliency = data.masks.filter((m) => m.kind === 'saliency').map((m) => m.mask.data as Uint8Array);
const human = data.masks.filter((m) => m.kind === 'human').map((m) => m.mask.data as Uint8Array);

/** The same values in each encoding: u16 code = 257 × u8 code, f32 = code / 255. */
function asEncoding(masks: Uint8Array[], encoding: MaskEncoding): MaskData[] {
  if (encoding === 'u8') return masks;
  return masks.map((m) => (encoding === 'u16' ? Uint16Array.from(m, (c) => c * 257) : Float32Array.from(m, (c) => c / 255)));
}

const MAX = { u8: 255, u16: 65535, f32: 1 } as const;
const range = compileRange({ gt: 0.6 });
const lut = rangeKernel(range);
const unitsOf = (encoding: MaskEncoding): [number, number] => {
  if (encoding === 'f32') return [range.lo, range.hi];
  const { first, last } = codeInterval(range.lo, range.hi, MAX[encoding]);
  return [first, last];
};

// A 28×28 cell is one cell of an 8×8 grid: what a kernel counts when only the unsettled cells are counted.
const rects = { 'full 224×224': [0, 0, SIZE, SIZE], 'box 100×100': [50, 50, 150, 150], 'cell 28×28': [84, 84, 112, 112] } as const;

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Median CPU ms of RUNS passes of body over all masks, after one warm-up pass; body returns a checksum. */
function time(body: () => number): { ms: number; sum: number } {
  let sum = body();
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = cpuMs();
    const s = body();
    ms.push(cpuMs() - t);
    if (s !== sum) throw new Error(`checksum changed between runs: ${s} vs ${sum}`);
    sum = s;
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[RUNS >> 1], sum };
}

const counter = new WasmCounter();
const rows: string[] = [];
const row = (encoding: string, rect: string, kernel: string, ms: number, calls: number, pixelsPerCall: number) => {
  const us = (ms * 1000) / calls;
  rows.push(`| ${encoding} | ${rect} | ${kernel} | ${((us * 1000) / pixelsPerCall).toFixed(3)} | ${us.toFixed(2)} |`);
};

for (const encoding of ['u8', 'u16', 'f32'] as const) {
  const masks = asEncoding(saliency, encoding);
  const [lo, hi] = unitsOf(encoding);
  for (const [name, [x0, y0, x1, y1]] of Object.entries(rects)) {
    const pixels = (x1 - x0) * (y1 - y0);
    const rect = { x0, y0, x1, y1 };
    const kernels: Record<string, () => number> = {
      'lookup table / loop (previous engine kernel)': () => {
        let s = 0;
        for (const d of masks) s += countInRect({ width: SIZE, height: SIZE, encoding, data: d }, rect, lut);
        return s;
      },
      [encoding === 'u8' ? 'JS SWAR' : encoding === 'u16' ? 'JS branch-free loop' : 'JS loop']: () => {
        let s = 0;
        for (const d of masks) s += countRect(d, SIZE, x0, y0, x1, y1, lo, hi);
        return s;
      },
      'WASM count (copies the rect rows in)': () => {
        let s = 0;
        for (const d of masks) s += counter.count(d, SIZE, x0, y0, x1, y1, lo, hi);
        return s;
      },
      'WASM load whole mask + countLoaded': () => {
        let s = 0;
        for (const d of masks) {
          counter.load(d);
          s += counter.countLoaded(SIZE, x0, y0, x1, y1, lo, hi);
        }
        return s;
      },
    };
    let expected: number | undefined;
    for (const [kernel, body] of Object.entries(kernels)) {
      const { ms, sum } = time(body);
      expected ??= sum;
      if (sum !== expected) throw new Error(`${encoding} ${name} ${kernel}: counted ${sum}, lookup table ${expected}`);
      row(encoding, name, kernel, ms, masks.length, pixels);
    }
    // The kernel alone: one mask already in memory, counted again and again (warm cache).
    counter.load(masks[0]);
    const once = countRect(masks[0], SIZE, x0, y0, x1, y1, lo, hi);
    const { ms, sum } = time(() => {
      let s = 0;
      for (let i = 0; i < masks.length; i++) s += counter.countLoaded(SIZE, x0, y0, x1, y1, lo, hi);
      return s;
    });
    if (sum !== once * masks.length) throw new Error(`${encoding} ${name} countLoaded: ${sum} ≠ ${once} × ${masks.length}`);
    row(encoding, name, 'WASM countLoaded only (mask resident, warm)', ms, masks.length, pixels);
  }
  const { ms } = time(() => {
    for (const d of masks) counter.load(d);
    return 0;
  });
  row(encoding, 'full 224×224', 'copy-in alone (`load`, one TypedArray.set)', ms, masks.length, SIZE * SIZE);
}

// INTERSECT/UNION of saliency > 0.5 and human > 0.5 over the full mask (suite query f's pairs).
const aggregate = compileRange({ gt: 0.5 });
const aggregateLut = rangeKernel(aggregate);
const { first, last } = codeInterval(aggregate.lo, aggregate.hi, 255);
const lo2 = [first, first];
const hi2 = [last, last];
const out = new Int32Array(2);
let hits = new Uint16Array(SIZE * SIZE);
const full = { x0: 0, y0: 0, x1: SIZE, y1: SIZE };
const pairs: Record<string, () => number> = {
  'markInRect ×2 + hits scan (previous aggregation)': () => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      hits.fill(0);
      markInRect({ width: SIZE, height: SIZE, encoding: 'u8', data: saliency[i] }, full, aggregateLut, hits);
      markInRect({ width: SIZE, height: SIZE, encoding: 'u8', data: human[i] }, full, aggregateLut, hits);
      for (let k = 0; k < hits.length; k++) s += (hits[k] === 2 ? 1 : 0) + (hits[k] > 0 ? 65536 : 0);
    }
    return s;
  },
  'JS intersectUnion (row at a time)': () => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      intersectUnion([saliency[i], human[i]], lo2, hi2, SIZE, 0, 0, SIZE, SIZE, out);
      s += out[0] + out[1] * 65536;
    }
    return s;
  },
  'WASM intersectUnion (copies both in)': () => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      counter.intersectUnion([saliency[i], human[i]], lo2, hi2, SIZE, 0, 0, SIZE, SIZE, out);
      s += out[0] + out[1] * 65536;
    }
    return s;
  },
};
let expected: number | undefined;
for (const [kernel, body] of Object.entries(pairs)) {
  const { ms, sum } = time(body);
  expected ??= sum;
  if (sum !== expected) throw new Error(`intersect/union ${kernel}: ${sum} ≠ ${expected}`);
  row('u8 ×2', 'full 224×224', kernel, ms, N, SIZE * SIZE);
}
hits = new Uint16Array(0);

// What the index's first pass is bound by: reading memory a cache line at a time, as it streams planes.
const stream = new Uint32Array(64 * 2 ** 20);
stream.fill(1);
const streamMs = time(() => {
  let s = 0;
  for (let i = 0; i < stream.length; i += 16) s += stream[i];
  return s;
}).ms;
console.log(`memory: one read per 64-byte cache line over ${stream.byteLength / 2 ** 20} MB: ${(stream.byteLength / 2 ** 30 / (streamMs / 1000)).toFixed(1)} GB/s (CPU ${streamMs.toFixed(1)} ms)`);

console.log('\n| encoding | rect | kernel | CPU ns / pixel | CPU µs / call |\n|---|---|---|---:|---:|');
console.log(rows.join('\n'));
console.log(`\nall counts identical across kernels; load at end ${load()}`);
