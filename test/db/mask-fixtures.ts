import type { Mask } from '../../engine/mask.js';

/** Deterministic pseudo-random numbers in [0, 1), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A saliency-like u8 mask: a few gaussian blobs, min-max normalised as Grad-CAM output is. */
export function blobMask(width: number, height: number, seed: number): Mask {
  const random = seededRandom(seed);
  const field = new Float64Array(width * height);
  const blobs = 1 + Math.floor(random() * 3);
  for (let b = 0; b < blobs; b++) {
    const cx = random() * width;
    const cy = random() * height;
    const sigma = 2 + random() * Math.max(width, height) * 0.3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) field[y * width + x] += Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma ** 2));
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of field) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const data = new Uint8Array(field.length);
  for (let i = 0; i < field.length; i++) data[i] = Math.round(((field[i] - lo) / (hi - lo || 1)) * 255);
  return { width, height, encoding: 'u8', data };
}
