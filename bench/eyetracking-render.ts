/**
 * Rendering speed of the eyetracking source on the real recordings: every image of
 * /work/shared/data/eye-tracking/scene-fixations.json through `read`, timed per image.
 * Run: npx tsx bench/eyetracking-render.ts [u16|u8|f32] [recordings.json]
 */
import { DEFAULT_MAX_PIXELS } from '../plugins/kit/index.js';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import eyetracking from '../plugins/eyetracking/index.js';
import type { SourceFile, SourceRecord } from '../plugins/kit/index.js';

const path = process.argv[3] ?? '/work/shared/data/eye-tracking/scene-fixations.json';
const bytes = new Uint8Array(readFileSync(path));
const file: SourceFile = { name: path, extension: '.json', key: 'scene-fixations', bytes, sidecar: async () => null };
const options = eyetracking.options.parse({ precision: process.argv[2] ?? 'u16' });
const context = { maxPixels: DEFAULT_MAX_PIXELS, imageSize: async () => null };

const times = new Map<string, number[]>();
const started = performance.now();
let last = started;
for await (const record of eyetracking.read(file, options, context) as AsyncIterable<SourceRecord>) {
  if (record.kind !== 'mask') continue;
  const now = performance.now();
  const size = `${record.mask.width}×${record.mask.height}`;
  times.set(size, [...(times.get(size) ?? []), now - last]);
  last = performance.now();
}
const total = performance.now() - started;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const largest = [...times.keys()].sort((a, b) => area(b) - area(a))[0];
for (const size of ['256×256', '1024×768', '1600×1200', '2400×1595', largest]) {
  const ms = times.get(size) ?? [];
  console.log(`${size.padEnd(10)} n=${String(ms.length).padStart(3)}  median ${median(ms).toFixed(1)} ms  max ${Math.max(...ms).toFixed(1)} ms`);
}
console.log(`all ${[...times.values()].flat().length} images: ${(total / 1000).toFixed(2)} s (including parsing the file)`);

function area(size: string) {
  const [w, h] = size.split('×').map(Number);
  return w * h;
}
