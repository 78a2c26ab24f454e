import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { openDatabase } from '../../../db/client.js';
import { upsertImages } from '../../../db/repositories/images.js';
import type { NewMask } from '../../../db/repositories/masks.js';
import { insertMasks } from '../../../db/repositories/masks.js';
import { upsertModels } from '../../../db/repositories/models.js';
import type { Box } from '../../../db/schema.js';
import type { Mask } from '../../../engine/index.js';
import { DEFAULT_CHI_CONFIG, buildChi, serializeChi } from '../../../engine/index.js';
import { seededRandom } from '../../db/mask-fixtures.js';

/**
 * A stand-in for the demo dataset (`masksearch demo`) until it lands, following its contract:
 * keys demo-00001…, 224×224 PNG images on disk, label, split, metadata { synthetic, prediction,
 * correct, scenario, attacked }, an `object` box (also under the label's name); masks `saliency`
 * (model demo-classifier), `human-attention` (no model, some images), `segmentation:<label>`
 * (no model, binary). Every tenth image is planted for each scenario.
 */

type Scenario = 'normal' | 'background-focus' | 'dispersed' | 'human-disagrees';

const SIZE = 224;
const LABELS = ['cat', 'dog', 'bird', 'car', 'boat', 'horse', 'plane', 'truck'];
const SCENARIO_BY_SLOT: Record<number, Scenario> = { 0: 'background-focus', 1: 'dispersed', 2: 'human-disagrees' };

interface Blob {
  cx: number;
  cy: number;
  sigma: number;
  amplitude: number;
}

/** Gaussian blobs summed. */
function sumBlobs(blobs: Blob[]): Float64Array {
  const field = new Float64Array(SIZE * SIZE);
  // A Gaussian is separable: one exponential per row and per column instead of per pixel.
  const along = (centre: number, sigma: number) => Float64Array.from({ length: SIZE }, (_, i) => Math.exp(-((i - centre) ** 2) / (2 * sigma ** 2)));
  for (const b of blobs) {
    const xs = along(b.cx, b.sigma);
    const ys = along(b.cy, b.sigma);
    for (let y = 0; y < SIZE; y++) {
      const row = b.amplitude * ys[y];
      for (let x = 0; x < SIZE; x++) field[y * SIZE + x] += row * xs[x];
    }
  }
  return field;
}

const u8Mask = (values: Float64Array): Mask => ({
  width: SIZE,
  height: SIZE,
  encoding: 'u8',
  data: Uint8Array.from(values, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)),
});

/** Min–max normalised to [0, 1], as Grad-CAM output is. */
function normalised(field: Float64Array): Mask {
  let min = Infinity;
  let max = -Infinity;
  for (const v of field) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return u8Mask(field.map((v) => (v - min) / (max - min || 1)));
}

/**
 * Middling values everywhere: the field standardised around 0.4 plus per-pixel noise, so that
 * most pixels fall in (0.2, 0.6) and a few strong ones are scattered over the whole image (also
 * inside the object box, unlike a background-focused map).
 */
function dispersed(field: Float64Array, random: () => number): Mask {
  let sum = 0;
  let squares = 0;
  for (const v of field) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / field.length;
  const sd = Math.sqrt(squares / field.length - mean * mean) || 1;
  return u8Mask(field.map((v) => 0.4 + (0.1 * (v - mean)) / sd + (random() - 0.5) * 0.5));
}

/** A point at least `margin` pixels outside the box on some axis. */
function pointOutside(random: () => number, [bx, by, bw, bh]: Box, margin: number): [number, number] {
  for (;;) {
    const x = random() * SIZE;
    const y = random() * SIZE;
    if (x < bx - margin || x > bx + bw + margin || y < by - margin || y > by + bh + margin) return [x, y];
  }
}

function saliency(random: () => number, scenario: Scenario, box: Box): Mask {
  const [bx, by, bw, bh] = box;
  if (scenario === 'dispersed') {
    const blobs = Array.from({ length: 14 }, () => ({ cx: random() * SIZE, cy: random() * SIZE, sigma: 18 + random() * 14, amplitude: 0.5 + random() * 0.5 }));
    return dispersed(sumBlobs(blobs), random);
  }
  if (scenario === 'background-focus') {
    const [cx, cy] = pointOutside(random, box, 30);
    return normalised(sumBlobs([{ cx, cy, sigma: 16 + random() * 8, amplitude: 1 }]));
  }
  const centre = { cx: bx + bw * (0.4 + random() * 0.2), cy: by + bh * (0.4 + random() * 0.2) };
  return normalised(sumBlobs([{ ...centre, sigma: Math.min(bw, bh) * 0.3, amplitude: 1 }]));
}

/** People look at the object; in the planted disagreement, somewhere well away from it (and from the model's focus). */
function humanAttention(random: () => number, scenario: Scenario, box: Box): Mask {
  const [bx, by, bw, bh] = box;
  if (scenario === 'human-disagrees') {
    const [cx, cy] = pointOutside(random, box, 40);
    return normalised(sumBlobs([{ cx, cy, sigma: 18, amplitude: 1 }]));
  }
  return normalised(sumBlobs([{ cx: bx + bw / 2 + (random() - 0.5) * bw * 0.2, cy: by + bh / 2 + (random() - 0.5) * bh * 0.2, sigma: Math.min(bw, bh) * 0.28, amplitude: 1 }]));
}

function segmentation([bx, by, bw, bh]: Box): Mask {
  const data = new Uint8Array(SIZE * SIZE);
  for (let y = by; y < by + bh; y++) data.fill(255, y * SIZE + bx, y * SIZE + bx + bw);
  return { width: SIZE, height: SIZE, encoding: 'u8', data };
}

/** A plain picture: a tinted gradient, and the object as a lighter rectangle with a darker core. */
function picture(random: () => number, [bx, by, bw, bh]: Box): Uint8Array {
  const tint = [random(), random(), random()].map((c) => 60 + c * 120);
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside = x >= bx && x < bx + bw && y >= by && y < by + bh;
      const core = inside && Math.abs(x - bx - bw / 2) < bw / 4 && Math.abs(y - by - bh / 2) < bh / 4;
      for (let c = 0; c < 3; c++) {
        const ground = tint[c] * (0.7 + (0.3 * y) / SIZE);
        pixels[(y * SIZE + x) * 3 + c] = core ? 255 - tint[(c + 1) % 3] : inside ? 235 - tint[c] / 3 : ground;
      }
    }
  }
  return encode({ width: SIZE, height: SIZE, data: pixels, channels: 3, depth: 8 });
}

/** Seeds the embedded store in dataDir (created, migrated) and writes the images' PNG files to imagesDir. */
export async function seedDemoStore(dataDir: string, imagesDir: string, images = 120, seed = 7): Promise<void> {
  const random = seededRandom(seed);
  await mkdir(imagesDir, { recursive: true });
  const store = await openDatabase({ dataDir });
  try {
    const [modelId] = await upsertModels(store.db, [{ name: 'demo-classifier', kind: 'classifier' }]);
    const records = [];
    const pending: Omit<NewMask, 'imageId'>[][] = [];
    for (let i = 0; i < images; i++) {
      const key = `demo-${String(i + 1).padStart(5, '0')}`;
      const label = LABELS[i % LABELS.length];
      const scenario = SCENARIO_BY_SLOT[i % 10] ?? 'normal';
      const bw = Math.round(SIZE * (0.35 + random() * 0.2));
      const bh = Math.round(SIZE * (0.35 + random() * 0.2));
      const box: Box = [Math.floor(random() * (SIZE - bw)), Math.floor(random() * (SIZE - bh)), bw, bh];
      const uri = join(imagesDir, `${key}.png`);
      await writeFile(uri, picture(random, box));
      const attacked = scenario === 'dispersed';
      const correct = scenario === 'normal' || scenario === 'human-disagrees' ? random() < 0.9 : false;
      const prediction = correct ? label : LABELS[(i + 3) % LABELS.length];
      records.push({
        key,
        width: SIZE,
        height: SIZE,
        uri,
        label,
        split: ['train', 'train', 'train', 'val', 'test'][i % 5],
        boxes: { object: box, [label]: box },
        metadata: { synthetic: true, prediction, correct, scenario, attacked },
      });
      const masks: Omit<NewMask, 'imageId'>[] = [
        { modelId, maskType: 'saliency', source: 'gradcam', mask: saliency(random, scenario, box) },
        { maskType: `segmentation:${label}`, source: 'segmentation', mask: segmentation(box) },
      ];
      // Human attention for the planted disagreements and a third of the normal images.
      if (scenario === 'human-disagrees' || (scenario === 'normal' && i % 3 === 0)) {
        masks.push({ maskType: 'human-attention', source: 'eyetracking', mask: humanAttention(random, scenario, box) });
      }
      pending.push(masks);
    }
    const imageIds = await upsertImages(store.db, records);
    await insertMasks(
      store.db,
      pending.flatMap((masks, i) => masks.map((m) => ({ ...m, imageId: imageIds[i], chi: serializeChi(buildChi(m.mask as Mask, DEFAULT_CHI_CONFIG)) }))),
    );
  } finally {
    await store.close();
  }
}
