import type { ImageBox } from '../kit/index.js';

/** How many pixels a binary mask sets and the tight box [x, y, w, h] around them (null when none). */
export interface MaskExtent {
  readonly pixels: number;
  readonly box: ImageBox | null;
}

/** The extent of the nonzero pixels of a row-major mask. */
export function measureMask(mask: Uint8Array, width: number, height: number): MaskExtent {
  let pixels = 0;
  let left = width;
  let right = -1;
  let top = -1;
  let bottom = -1;
  for (let row = 0; row < height; row++) {
    const start = row * width;
    let first = -1;
    let last = -1;
    for (let column = 0; column < width; column++) {
      if (mask[start + column] === 0) continue;
      if (first < 0) first = column;
      last = column;
      pixels++;
    }
    if (first < 0) continue;
    if (top < 0) top = row;
    bottom = row;
    if (first < left) left = first;
    if (last > right) right = last;
  }
  return { pixels, box: pixels === 0 ? null : [left, top, right - left + 1, bottom - top + 1] };
}

/** Pixel counts and boxes per sample value (0–255) of a row-major label image, from one pass. */
export class LabelExtents {
  readonly pixels = new Uint32Array(256);
  private readonly left = new Int32Array(256);
  private readonly right = new Int32Array(256);
  private readonly top = new Int32Array(256);
  private readonly bottom = new Int32Array(256);

  constructor(labels: Uint8Array, width: number, height: number) {
    const { pixels, left, right, top, bottom } = this;
    left.fill(width);
    top.fill(height);
    right.fill(-1);
    bottom.fill(-1);
    for (let row = 0; row < height; row++) {
      const start = row * width;
      for (let column = 0; column < width; column++) {
        const label = labels[start + column];
        pixels[label]++;
        if (column < left[label]) left[label] = column;
        if (column > right[label]) right[label] = column;
        if (row < top[label]) top[label] = row;
        bottom[label] = row;
      }
    }
  }

  /** The tight box of one label's pixels; only for labels with pixels. */
  box(label: number): ImageBox {
    return [this.left[label], this.top[label], this.right[label] - this.left[label] + 1, this.bottom[label] - this.top[label] + 1];
  }
}
