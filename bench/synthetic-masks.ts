import type { BoxTuple, Mask } from '../engine/index.js';
import { createMask } from '../engine/index.js';
import { Rng } from '../demo/rng.js';

/**
 * Saliency-like masks made the way Grad-CAM makes them: a 7×7 or 14×14 map of a few Gaussian
 * blobs, bilinearly upsampled, ReLU, min–max normalised per mask, stored as u8. Every image is
 * generated from (seed, image index) alone, so any image can be reproduced without the others.
 */

/** Where the saliency of an image lies: on the object, on the background, or spread out. */
export type Scenario = 'focused' | 'background' | 'dispersed';

export interface SyntheticImage {
  id: number;
  width: number;
  height: number;
  boxes: { object: BoxTuple };
  scenario: Scenario;
}

export interface SyntheticMask {
  id: number;
  imageId: number;
  kind: 'saliency' | 'human';
  mask: Mask;
}

export interface Dataset {
  images: SyntheticImage[];
  /** Saliency masks first (id = image id), then human-attention masks (id = images + image id). */
  masks: SyntheticMask[];
}

export interface DatasetOptions {
  images: number;
  /** Masks and images are size × size; default 224. */
  size?: number;
  seed?: number;
  /** How many images (the first ones) also get a human-attention mask; default all. */
  humanImages?: number;
  /** Pixels on SharedArrayBuffers, for a verification thread to read in place. */
  shared?: boolean;
  onProgress?: (masksDone: number, masksTotal: number) => void;
}



const STREAM_IMAGE = 1;
const STREAM_HUMAN = 2;

/**
 * Per output coordinate: the two low-resolution samples and the weight of the second
 * (align_corners = false); corners: the first and last coordinate of each run sharing a sample
 * pair, where a bilinear patch takes its extremes.
 */
interface Axis {
  i0: Int32Array;
  i1: Int32Array;
  w: Float64Array;
  corners: Int32Array;
}

function bilinearAxis(low: number, size: number): Axis {
  const i0 = new Int32Array(size);
  const i1 = new Int32Array(size);
  const w = new Float64Array(size);
  for (let x = 0; x < size; x++) {
    const src = Math.min(Math.max(((x + 0.5) * low) / size - 0.5, 0), low - 1);
    i0[x] = Math.floor(src);
    i1[x] = Math.min(i0[x] + 1, low - 1);
    w[x] = src - i0[x];
  }
  const corners: number[] = [];
  for (let x = 0; x < size; x++) if (x === 0 || x === size - 1 || i0[x] !== i0[x - 1] || i0[x] !== i0[x + 1]) corners.push(x);
  return { i0, i1, w, corners: Int32Array.from(corners) };
}

interface Blob {
  cx: number;
  cy: number;
  sigma: number;
  amplitude: number;
}

const MAX_LOW = 14;

/** Reused buffers; the renderer allocates nothing per mask. */
export class Renderer {
  private readonly axes = new Map<number, Axis>();
  private readonly low = new Float64Array(MAX_LOW * MAX_LOW);
  private readonly rows: Float64Array;

  constructor(private readonly size: number) {
    this.rows = new Float64Array(MAX_LOW * size);
  }

  /** Blobs (centres and sigmas as fractions of the image) plus per-cell noise, minus a bias that ReLU clips. */
  render(rng: Rng, lowSize: number, blobs: readonly Blob[], noise: number, bias: number, out: Uint8Array): void {
    const low = this.low;
    for (let r = 0; r < lowSize; r++) {
      const y = (r + 0.5) / lowSize;
      for (let c = 0; c < lowSize; c++) {
        const x = (c + 0.5) / lowSize;
        let v = noise * (rng.next() * 2 - 1) - bias;
        for (const b of blobs) {
          const dx = x - b.cx;
          const dy = y - b.cy;
          v += b.amplitude * Math.exp(-(dx * dx + dy * dy) / (2 * b.sigma * b.sigma));
        }
        low[r * lowSize + c] = v;
      }
    }
    this.upsample(lowSize, out);
  }

  private axis(lowSize: number): Axis {
    let axis = this.axes.get(lowSize);
    if (!axis) {
      axis = bilinearAxis(lowSize, this.size);
      this.axes.set(lowSize, axis);
    }
    return axis;
  }

  /** Bilinear upsampling, ReLU, min–max normalisation and rounding to u8 in one pass over the pixels. */
  private upsample(lowSize: number, out: Uint8Array): void {
    const { size, low, rows } = this;
    const { i0, i1, w, corners } = this.axis(lowSize);
    // Separable: widen each low-resolution row once, then blend two widened rows per output row.
    for (let r = 0; r < lowSize; r++) {
      const src = r * lowSize;
      const dst = r * size;
      for (let x = 0; x < size; x++) rows[dst + x] = low[src + i0[x]] + (low[src + i1[x]] - low[src + i0[x]]) * w[x];
    }
    // The extremes over all pixels lie on the corner rows × corner columns, so min–max costs no
    // extra pass over the image; ReLU commutes with taking them.
    let min = Infinity;
    let max = -Infinity;
    for (const y of corners) {
      const a = i0[y] * size;
      const b = i1[y] * size;
      for (const x of corners) {
        const v = rows[a + x] + (rows[b + x] - rows[a + x]) * w[y];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    min = Math.max(min, 0);
    max = Math.max(max, 0);
    const scale = max > min ? 255 / (max - min) : 0;
    // Rescale the widened rows instead of every pixel; + 0.5 and truncation round the non-negative result.
    for (let i = 0; i < lowSize * size; i++) rows[i] = (rows[i] - min) * scale + 0.5;
    const relu = (0 - min) * scale + 0.5;
    for (let y = 0; y < size; y++) {
      const a = i0[y] * size;
      const b = i1[y] * size;
      const wy = w[y];
      const at = y * size;
      for (let x = 0; x < size; x++) {
        const ra = rows[a + x];
        const v = ra + (rows[b + x] - ra) * wy;
        out[at + x] = (v > relu ? v : relu) | 0;
      }
    }
  }
}

/** A point of the image (as fractions) at least margin away from the box on some axis. */
function pointOutside(rng: Rng, box: BoxTuple, size: number, margin: number): [number, number] {
  const [bx, by, bw, bh] = box.map((v) => v / size);
  let x = 0;
  let y = 0;
  for (let tries = 0; tries < 50; tries++) {
    x = rng.next();
    y = rng.next();
    if (x < bx - margin || x > bx + bw + margin || y < by - margin || y > by + bh + margin) break;
  }
  return [x, y];
}

function saliencyBlobs(rng: Rng, scenario: Scenario, box: BoxTuple, size: number): Blob[] {
  const [bx, by, bw, bh] = box.map((v) => v / size);
  const blobs: Blob[] = [];
  if (scenario === 'dispersed') {
    for (let n = rng.int(6, 12); n > 0; n--) {
      blobs.push({ cx: rng.next(), cy: rng.next(), sigma: rng.uniform(0.06, 0.14), amplitude: rng.uniform(0.15, 0.35) });
    }
    return blobs;
  }
  const extent = Math.min(bw, bh);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const sigma = extent * rng.uniform(0.3, 0.45);
    const amplitude = rng.uniform(0.6, 1);
    if (scenario === 'focused') {
      blobs.push({ cx: bx + bw * rng.uniform(0.25, 0.75), cy: by + bh * rng.uniform(0.25, 0.75), sigma, amplitude });
    } else {
      const [cx, cy] = pointOutside(rng, box, size, 0.08);
      blobs.push({ cx, cy, sigma: rng.uniform(0.05, 0.1), amplitude });
    }
  }
  return blobs;
}

/** People look at the object's centre, give or take: one or two blobs near it. */
function humanBlobs(rng: Rng, box: BoxTuple, size: number): Blob[] {
  const [bx, by, bw, bh] = box.map((v) => v / size);
  const blobs: Blob[] = [];
  for (let n = rng.int(1, 2); n > 0; n--) {
    blobs.push({
      cx: bx + bw * (0.5 + rng.uniform(-0.15, 0.15)),
      cy: by + bh * (0.5 + rng.uniform(-0.15, 0.15)),
      sigma: Math.min(bw, bh) * rng.uniform(0.15, 0.3),
      amplitude: rng.uniform(0.7, 1),
    });
  }
  return blobs;
}

/** Images per backing ArrayBuffer: one allocation per chunk instead of one per mask. */
const CHUNK_IMAGES = 1024;

/** One image's metadata and its masks rendered into the given buffers (human only when given). */
export function renderImage(index: number, size: number, seed: number, renderer: Renderer, saliency: Uint8Array, human?: Uint8Array): SyntheticImage {
  const rng = new Rng(seed, index, STREAM_IMAGE);
  const w = Math.round(size * rng.uniform(0.3, 0.6));
  const h = Math.round(size * rng.uniform(0.3, 0.6));
  const box: BoxTuple = [rng.int(0, size - w), rng.int(0, size - h), w, h];
  const pick = rng.next();
  const scenario: Scenario = pick < 0.1 ? 'background' : pick < 0.2 ? 'dispersed' : 'focused';
  const lowSize = rng.next() < 0.5 ? 7 : 14;
  const dispersed = scenario === 'dispersed';
  renderer.render(rng, lowSize, saliencyBlobs(rng, scenario, box, size), dispersed ? 0.12 : 0.03, dispersed ? -0.3 : 0.08, saliency);
  if (human) {
    const hr = new Rng(seed, index, STREAM_HUMAN);
    renderer.render(hr, 14, humanBlobs(hr, box, size), 0.02, 0.1, human);
  }
  return { id: index + 1, width: size, height: size, boxes: { object: box }, scenario };
}

export function generateDataset(options: DatasetOptions): Dataset {
  const { images: count, size = 224, seed = 1 } = options;
  const humanCount = Math.min(options.humanImages ?? count, count);
  const pixels = size * size;
  const total = count + humanCount;
  const renderer = new Renderer(size);
  const images: SyntheticImage[] = [];
  const saliency: SyntheticMask[] = [];
  const human: SyntheticMask[] = [];
  let saliencyChunk: Uint8Array = new Uint8Array(0);
  let humanChunk: Uint8Array = new Uint8Array(0);

  for (let i = 0; i < count; i++) {
    const slot = i % CHUNK_IMAGES;
    if (slot === 0) {
      const n = Math.min(CHUNK_IMAGES, count - i);
      const chunk = (bytes: number) => (options.shared ? new Uint8Array(new SharedArrayBuffer(bytes)) : new Uint8Array(bytes));
      saliencyChunk = chunk(n * pixels);
      humanChunk = chunk(Math.max(0, Math.min(n, humanCount - i)) * pixels);
    }
    const data = saliencyChunk.subarray(slot * pixels, (slot + 1) * pixels);
    const hd = i < humanCount ? humanChunk.subarray(slot * pixels, (slot + 1) * pixels) : undefined;
    const image = renderImage(i, size, seed, renderer, data, hd);
    images.push(image);
    saliency.push({ id: image.id, imageId: image.id, kind: 'saliency', mask: createMask(size, size, data) });
    if (hd) human.push({ id: count + image.id, imageId: image.id, kind: 'human', mask: createMask(size, size, hd) });
    if (options.onProgress && (i % 256 === 255 || i === count - 1)) options.onProgress(i + 1 + Math.min(i + 1, humanCount), total);
  }
  return { images, masks: saliency.concat(human) };
}
