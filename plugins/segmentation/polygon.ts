/**
 * Polygon rasterisation exactly as pycocotools' `rleFrPoly` (cocoapi common/maskApi.c), so masks
 * made from COCO polygons have the pixels COCO's own tools and published areas assume.
 *
 * The rule it implements: vertices are scaled by 5 and rounded, each edge is walked one
 * upsampled step at a time along its major axis, and wherever the walk crosses the centre line
 * of a pixel column the crossing's row is rounded up to a pixel boundary. Sorted by column-major
 * position, those crossings are the run boundaries of the mask. A polygon from (1, 1) to (4, 4)
 * covers pixels 1..3 in both directions, like the half-open box.
 */

const SCALE = 5;

/** C's (int) cast of a double: truncation toward zero, not floor. */
const toInt = Math.trunc;

/**
 * The column-major RLE counts (see coco-rle.ts) of the polygon with vertices
 * [x1, y1, x2, y2, ...] (image pixel coordinates) on a width × height mask. Parts outside the
 * mask are clipped.
 */
export function polygonRleCounts(vertices: readonly number[], width: number, height: number): number[] {
  const pointCount = vertices.length >> 1;
  if (pointCount === 0) return [width * height];

  const xs = new Int32Array(pointCount + 1);
  const ys = new Int32Array(pointCount + 1);
  for (let j = 0; j < pointCount; j++) {
    xs[j] = toInt(SCALE * vertices[2 * j] + 0.5);
    ys[j] = toInt(SCALE * vertices[2 * j + 1] + 0.5);
  }
  xs[pointCount] = xs[0];
  ys[pointCount] = ys[0];

  // Walk every edge in upsampled steps along its major axis, always from the lower end so an
  // edge and its reverse round to the same points.
  let stepCount = 0;
  for (let j = 0; j < pointCount; j++) {
    stepCount += Math.max(Math.abs(xs[j] - xs[j + 1]), Math.abs(ys[j] - ys[j + 1])) + 1;
  }
  const walkX = new Int32Array(stepCount);
  const walkY = new Int32Array(stepCount);
  let m = 0;
  for (let j = 0; j < pointCount; j++) {
    let xStart = xs[j];
    let xEnd = xs[j + 1];
    let yStart = ys[j];
    let yEnd = ys[j + 1];
    const dx = Math.abs(xEnd - xStart);
    const dy = Math.abs(yStart - yEnd);
    const flip = (dx >= dy && xStart > xEnd) || (dx < dy && yStart > yEnd);
    if (flip) {
      [xStart, xEnd] = [xEnd, xStart];
      [yStart, yEnd] = [yEnd, yStart];
    }
    if (dx >= dy) {
      const slope = (yEnd - yStart) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        walkX[m] = t + xStart;
        walkY[m] = toInt(yStart + slope * t + 0.5);
        m++;
      }
    } else {
      const slope = (xEnd - xStart) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        walkY[m] = t + yStart;
        walkX[m] = toInt(xStart + slope * t + 0.5);
        m++;
      }
    }
  }

  // Keep the steps that cross a pixel column's centre, as (column, first row below the edge).
  // The last boundary, width × height, closes the final run.
  const boundaries = new Uint32Array(stepCount + 1);
  let boundaryCount = 0;
  for (let j = 1; j < stepCount; j++) {
    if (walkX[j] === walkX[j - 1]) continue;
    const column = ((walkX[j] < walkX[j - 1] ? walkX[j] : walkX[j] - 1) + 0.5) / SCALE - 0.5;
    if (Math.floor(column) !== column || column < 0 || column > width - 1) continue;
    let row = ((walkY[j] < walkY[j - 1] ? walkY[j] : walkY[j - 1]) + 0.5) / SCALE - 0.5;
    if (row < 0) row = 0;
    else if (row > height) row = height;
    boundaries[boundaryCount++] = column * height + Math.ceil(row);
  }
  boundaries[boundaryCount++] = width * height;
  const sorted = boundaries.subarray(0, boundaryCount).sort();

  // Differences of the sorted boundaries are the runs; a zero-length run (two crossings at one
  // position) cancels, joining the runs either side of it.
  const counts: number[] = [sorted[0]];
  let j = 1;
  while (j < sorted.length) {
    const run = sorted[j] - sorted[j - 1];
    j++;
    if (run > 0) counts.push(run);
    else if (j < sorted.length) {
      counts[counts.length - 1] += sorted[j] - sorted[j - 1];
      j++;
    }
  }
  return counts;
}
