/**
 * `npm run bench:chi [-- --masks N --runs R --levels G1B256+G8B8,G8B16]`: CHI build throughput on
 * one core, engine (engine/chi-build.ts) against the straightforward builder of
 * bench/chi-reference.ts, in the same run, on the same masks: 224×224 saliency masks of
 * bench/synthetic-masks.ts (u8), float32 Grad-CAM maps of bench/grad-cam-f32.ts (f32) and the
 * same maps quantised to k/65535 (u16). Every count array of every mask is compared between the
 * two builders before anything is timed. Per builder, the median of R runs over all masks; each
 * run is timed by the wall clock and by this process's CPU time (process.cpuUsage): on a shared
 * machine a time slice given to another process is wall time but not the build's.
 */
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Chi, ChiConfig, Mask, MaskEncoding } from '../engine/index.js';
import { buildChi, configName, createMask, validateChiConfig } from '../engine/index.js';
import { referenceChi } from './chi-reference.js';
import { gradCamF32 } from './grad-cam-f32.js';
import { generateDataset } from './synthetic-masks.js';

const SIZE = 224;
const DEFAULT_LEVELS = 'G1B256+G8B8,G1B256+G8B8+G16B2,G8B16,G1B128+G5B4+G7B32+G64B2';

function fail(message: string): never {
  console.error(`bench:chi: ${message}`);
  process.exit(2);
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got '${text}'`);
  return n;
}

/** "G1B256+G8B8" → its levels; errors name the argument. */
function parseConfig(text: string): ChiConfig {
  const levels = text.split('+').map((part) => {
    const m = /^G(\d+)B(\d+)$/.exec(part.trim());
    if (!m) fail(`--levels: expected level sets like G1B256+G8B8, got '${part}' in '${text}'`);
    return { grid: Number(m[1]), bins: Number(m[2]) };
  });
  try {
    validateChiConfig({ levels });
  } catch (e) {
    fail(`--levels ${text}: ${(e as Error).message}`);
  }
  return { levels };
}

let values: { masks: string; runs: string; levels: string };
try {
  values = parseArgs({
    options: { masks: { type: 'string', default: '300' }, runs: { type: 'string', default: '5' }, levels: { type: 'string', default: DEFAULT_LEVELS } },
  }).values;
} catch (e) {
  fail((e as Error).message);
}
const masksPerEncoding = positiveInt('masks', values.masks);
const runs = positiveInt('runs', values.runs);
const configs = values.levels.split(',').map(parseConfig);

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ');
console.log(`# bench:chi — ${masksPerEncoding} masks ${SIZE}×${SIZE} per encoding, median of ${runs} runs`);
console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, Node ${process.version}; load average ${load()} (1 / 5 / 15 min)`);

const saliency = generateDataset({ images: masksPerEncoding, size: SIZE, humanImages: 0 }).masks.map((m) => m.mask);
const gradCam = Array.from({ length: masksPerEncoding }, (_, i) => gradCamF32(SIZE, i % 2 === 0 ? 7 : 14, i + 1));
const masks: Record<MaskEncoding, Mask[]> = {
  u8: saliency,
  u16: gradCam.map((data) => createMask(SIZE, SIZE, Uint16Array.from(data, (v) => Math.round(v * 65535)))),
  f32: gradCam.map((data) => createMask(SIZE, SIZE, data)),
};

function sameCounts(a: Chi, b: Chi): boolean {
  return a.counts.length === b.counts.length && a.counts.every((c, i) => c.constructor === b.counts[i].constructor && c.length === b.counts[i].length && c.every((v, k) => v === b.counts[i][k]));
}

const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

interface Timing {
  wallMasksPerSecond: number;
  cpuMicrosPerMask: number;
}

/** Median wall and CPU time of `runs` builds of every mask, after one warm-up build. */
function time(build: (mask: Mask, config: ChiConfig) => Chi, list: Mask[], config: ChiConfig): Timing {
  for (const mask of list) build(mask, config);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = cpuMicros();
    const t0 = performance.now();
    for (const mask of list) build(mask, config);
    wall.push(performance.now() - t0);
    cpu.push(cpuMicros() - c0);
  }
  return { wallMasksPerSecond: list.length / (median(wall) / 1000), cpuMicrosPerMask: median(cpu) / list.length };
}

const rows: string[] = [];
for (const config of configs) {
  for (const encoding of ['u8', 'u16', 'f32'] as const) {
    const list = masks[encoding];
    const identical = list.every((mask) => sameCounts(buildChi(mask, config), referenceChi(mask, config)));
    const reference = time(referenceChi, list, config);
    const engine = time(buildChi, list, config);
    const perCore = (t: Timing) => (1e6 / t.cpuMicrosPerMask).toFixed(0);
    rows.push(
      `| ${configName(config)} | ${encoding} | ${reference.wallMasksPerSecond.toFixed(0)} | ${perCore(reference)} | ${reference.cpuMicrosPerMask.toFixed(0)} | ` +
        `${engine.wallMasksPerSecond.toFixed(0)} | ${perCore(engine)} | ${engine.cpuMicrosPerMask.toFixed(1)} | ${(reference.cpuMicrosPerMask / engine.cpuMicrosPerMask).toFixed(1)}× | ${identical} |`,
    );
    console.log(rows[rows.length - 1]);
  }
}

console.log(
  '\n| levels | encoding | reference masks/s (wall) | reference masks/s (CPU) | reference CPU µs/mask | engine masks/s (wall) | engine masks/s (CPU) | engine CPU µs/mask | speed-up (CPU) | identical |\n' +
    '|---|---|--:|--:|--:|--:|--:|--:|--:|:-:|',
);
console.log(rows.join('\n'));
console.log(`\nmasks/s (CPU) = 1 / CPU time per mask: the rate on one core of its own. Load average at end ${load()}`);
