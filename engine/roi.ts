/** A half-open pixel rectangle [x0, x1) × [y0, y1) already clipped to its mask. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A box [x, x + width) × [y, y + height); a named image box is stored as [x, y, width, height]. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type RoiSpec = { kind: 'full' } | ({ kind: 'box' } & Box) | { kind: 'imageBox'; name: string };

export const rectArea = (r: Rect): number => (r.x1 - r.x0) * (r.y1 - r.y0);

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** Clips [a0, a1) to [0, size); an inverted or fully outside span becomes empty. */
function clipSpan(a0: number, a1: number, size: number): [number, number] {
  const lo = clamp(a0, 0, size);
  return [lo, Math.max(lo, clamp(a1, 0, size))];
}

/** Writes the box clipped to a width × height mask into out. */
export function clipBox(box: Box, width: number, height: number, out: Rect): Rect {
  [out.x0, out.x1] = clipSpan(box.x, box.x + box.width, width);
  [out.y0, out.y1] = clipSpan(box.y, box.y + box.height, height);
  return out;
}

/**
 * Writes an image box, given in the coordinates of an imageWidth × imageHeight image, scaled to a
 * width × height mask: edges rounded outward, then clipped.
 */
export function scaleImageBox(
  box: Box,
  imageWidth: number,
  imageHeight: number,
  width: number,
  height: number,
  out: Rect,
): Rect {
  const x0 = Math.floor((box.x * width) / imageWidth);
  const x1 = Math.ceil(((box.x + box.width) * width) / imageWidth);
  const y0 = Math.floor((box.y * height) / imageHeight);
  const y1 = Math.ceil(((box.y + box.height) * height) / imageHeight);
  return clipBox({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, width, height, out);
}

export const fullRect = (width: number, height: number, out: Rect): Rect => {
  out.x0 = 0;
  out.y0 = 0;
  out.x1 = width;
  out.y1 = height;
  return out;
};

export const newRect = (): Rect => ({ x0: 0, y0: 0, x1: 0, y1: 0 });
