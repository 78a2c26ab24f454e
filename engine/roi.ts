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
  return scaleBoxEdges(box.x, box.y, box.x + box.width, box.y + box.height, imageWidth, imageHeight, width, height, out);
}

/** scaleImageBox on the box's edges [bx0, bx1) × [by0, by1), for hot loops that hold boxes in columns. */
export function scaleBoxEdges(
  bx0: number,
  by0: number,
  bx1: number,
  by1: number,
  imageWidth: number,
  imageHeight: number,
  width: number,
  height: number,
  out: Rect,
): Rect {
  [out.x0, out.x1] = clipSpan(Math.floor((bx0 * width) / imageWidth), Math.ceil((bx1 * width) / imageWidth), width);
  [out.y0, out.y1] = clipSpan(Math.floor((by0 * height) / imageHeight), Math.ceil((by1 * height) / imageHeight), height);
  return out;
}

export const fullRect = (width: number, height: number, out: Rect): Rect => {
  out.x0 = 0;
  out.y0 = 0;
  out.x1 = width;
  out.y1 = height;
  return out;
};

export const newRect = (): Rect => ({ x0: 0, y0: 0, x1: 0, y1: 0 });
