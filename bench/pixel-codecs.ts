/**
 * Pixel codecs measured on the masks an ingest stores: 224×224 Grad-CAM-like maps as float32
 * (bench/grad-cam-f32.ts) and the same maps quantised to u16 (k/65535) and u8 (k/255). For each codec of
 * db/pixel-codec.ts: stored bytes, and encode and decode time per mask (median of --runs
 * passes over every mask, after one warm-up pass). Every decode is checked bit-exact.
 */
import { Command } from 'commander';
import { positiveInt } from './cli-options.js';
import type { Mask } from '../engine/mask.js';
import { decodeMaskPixels, encodeMaskPixels, PIXEL_CODECS, type EncodedMask } from '../db/pixel-codec.js';
import { gradCamF32 } from './grad-cam-f32.js';

const SIZE = 224;

function masksOf(encoding: 'f32' | 'u16' | 'u8', count: number): Mask[] {
  return Array.from({ length: count }, (_, i) => {
    const values = gradCamF32(SIZE, 7, i + 1);
    const data = encoding === 'f32' ? values : encoding === 'u16' ? Uint16Array.from(values, (v) => Math.round(v * 65535)) : Uint8Array.from(values, (v) => Math.round(v * 255));
    return { width: SIZE, height: SIZE, encoding, data };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timePerMask(runs: number, count: number, pass: () => void): number {
  pass();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    pass();
    times.push((performance.now() - t0) / count);
  }
  return median(times);
}

const sameBytes = (a: Mask, b: Mask) => Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) === 0;

function main(options: { masks: number; runs: number }): void {
  console.log('| encoding | codec | bytes/mask | vs raw | encode ms/mask | decode ms/mask | exact |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  for (const encoding of ['f32', 'u16', 'u8'] as const) {
    const masks = masksOf(encoding, options.masks);
    for (const codec of PIXEL_CODECS) {
      let encoded: EncodedMask[] = [];
      const encodeMs = timePerMask(options.runs, masks.length, () => (encoded = masks.map((m) => encodeMaskPixels(m, codec))));
      let decoded: Mask[] = [];
      const decodeMs = timePerMask(options.runs, masks.length, () => (decoded = encoded.map((e) => decodeMaskPixels(e.codec, e.bytes, e))));
      const bytes = encoded.reduce((n, e) => n + e.bytes.byteLength, 0) / encoded.length;
      const raw = masks[0].data.byteLength;
      const exact = decoded.every((d, i) => sameBytes(d, masks[i]));
      console.log(`| ${encoding} | ${codec} | ${Math.round(bytes)} | ${((100 * bytes) / raw).toFixed(1)} % | ${encodeMs.toFixed(3)} | ${decodeMs.toFixed(3)} | ${exact} |`);
    }
  }
}

new Command('bench:codecs')
  .description('pixel codecs: stored size, encode and decode time per 224×224 mask')
  .option('--masks <n>', 'masks per encoding', positiveInt, 200)
  .option('--runs <n>', 'timed passes (median)', positiveInt, 5)
  .action(main)
  .parse();
