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

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/**
 * Writes [x0, x1) × [y0, y1) clipped to a width × height mask into out; an inverted or fully
 * outside span becomes empty.
 */
export function clipEdges(x0: number, y0: number, x1: number, y1: number, width: number, height: number, out: Rect): Rect {
  out.x0 = clamp(x0, 0, width);
  out.x1 = Math.max(out.x0, clamp(x1, 0, width));
  out.y0 = clamp(y0, 0, height);
  out.y1 = Math.max(out.y0, clamp(y1, 0, height));
  return out;
}

/** Writes the box clipped to a width × height mask into out. */
export const clipBox = (box: Box, width: number, height: number, out: Rect): Rect =>
  clipEdges(box.x, box.y, box.x + box.width, box.y + box.height, width, height, out);

/**
 * Writes an image box with edges [bx0, bx1) × [by0, by1), given in the coordinates of an
 * imageWidth × imageHeight image, scaled to a width × height mask: edges rounded outward, then clipped.
 */
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
  return clipEdges(
    Math.floor((bx0 * width) / imageWidth),
    Math.floor((by0 * height) / imageHeight),
    Math.ceil((bx1 * width) / imageWidth),
    Math.ceil((by1 * height) / imageHeight),
    width,
    height,
    out,
  );
}

export const fullRect = (width: number, height: number, out: Rect): Rect => {
  out.x0 = 0;
  out.y0 = 0;
  out.x1 = width;
  out.y1 = height;
  return out;
};

export const newRect = (): Rect => ({ x0: 0, y0: 0, x1: 0, y1: 0 });

/** Stores rect as entry i of a column of rectangles (4 numbers each). */
export function writeRect(column: Int32Array, i: number, rect: Rect): void {
  column[i * 4] = rect.x0;
  column[i * 4 + 1] = rect.y0;
  column[i * 4 + 2] = rect.x1;
  column[i * 4 + 3] = rect.y1;
}

export function readRect(column: Int32Array, i: number, out: Rect): Rect {
  out.x0 = column[i * 4];
  out.y0 = column[i * 4 + 1];
  out.x1 = column[i * 4 + 2];
  out.y1 = column[i * 4 + 3];
  return out;
}
