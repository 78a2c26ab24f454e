import { describe, expect, it } from 'vitest';
import { paintRle } from '../../../plugins/segmentation/coco-rle.js';
import { polygonRleCounts } from '../../../plugins/segmentation/polygon.js';
import { artOf } from './helpers.js';

function rasterise(vertices: number[], width: number, height: number): string[] {
  const mask = new Uint8Array(width * height);
  paintRle(polygonRleCounts(vertices, width, height), mask, width, height);
  return artOf(mask, width);
}

// Pixel (column c, row r) spans [c, c + 1) × [r, r + 1). The masks below are checked by hand
// against the rule pycocotools implements: a pixel is set when its centre (c + 0.5, r + 0.5) lies
// inside the polygon, with vertices and edges rounded to a 1/5-pixel grid; which way a centre
// exactly on an edge goes depends on that rounding (see the tie tests).
describe('polygon rasterisation (pycocotools rleFrPoly)', () => {
  it('a square covers the pixels of the half-open box, in either winding', () => {
    const expected = [
      '......',
      '.###..',
      '.###..',
      '.###..',
      '......',
      '......',
    ];
    expect(rasterise([1, 1, 4, 1, 4, 4, 1, 4], 6, 6)).toEqual(expected);
    expect(rasterise([1, 1, 1, 4, 4, 4, 4, 1], 6, 6)).toEqual(expected);
    expect(polygonRleCounts([1, 1, 4, 1, 4, 4, 1, 4], 6, 6)).toEqual([7, 3, 3, 3, 3, 3, 14]);
  });

  it('a square with fractional corners covers the pixels whose centres it contains', () => {
    // Centres 1.5 and 2.5 lie in [0.6, 3.4]; 0.5 and 3.5 do not.
    expect(rasterise([0.6, 0.6, 3.4, 0.6, 3.4, 3.4, 0.6, 3.4], 6, 6)).toEqual([
      '......',
      '.##...',
      '.##...',
      '......',
      '......',
      '......',
    ]);
  });

  it('a right triangle leaves out the pixels whose centres lie on its hypotenuse', () => {
    // Hypotenuse x + y = 6: centre (c + 0.5, r + 0.5) is inside when c + r < 5, on the edge when c + r = 5.
    expect(rasterise([0, 0, 6, 0, 0, 6], 6, 6)).toEqual([
      '#####.',
      '####..',
      '###...',
      '##....',
      '#.....',
      '......',
    ]);
  });

  it('a centre exactly on a left or top edge is outside, on a right or bottom edge inside (the 1/5-pixel rounding)', () => {
    // Checked against cocoapi's maskApi.c, compiled: [0.5, 3.5] keeps the centres 1.5, 2.5 and 3.5.
    expect(rasterise([0.5, 0, 3.5, 0, 3.5, 4, 0.5, 4], 5, 4)).toEqual(['.###.', '.###.', '.###.', '.###.']);
    expect(rasterise([0, 0.5, 4, 0.5, 4, 3.5, 0, 3.5], 4, 5)).toEqual(['....', '####', '####', '####', '....']);
  });

  it('a polygon along the image border covers the whole image', () => {
    expect(rasterise([0, 0, 5, 0, 5, 4, 0, 4], 5, 4)).toEqual(['#####', '#####', '#####', '#####']);
  });

  it('a polygon reaching past the border is clipped', () => {
    expect(rasterise([-2, -2, 3, -2, 3, 3, -2, 3], 5, 4)).toEqual(['###..', '###..', '###..', '.....']);
    expect(rasterise([3, 2, 9, 2, 9, 7, 3, 7], 5, 4)).toEqual(['.....', '.....', '...##', '...##']);
  });

  it('is row-major on a non-square image (a transposition would move the strip)', () => {
    expect(rasterise([0, 0, 4, 0, 4, 1, 0, 1], 5, 3)).toEqual(['####.', '.....', '.....']);
    expect(rasterise([0, 0, 1, 0, 1, 3, 0, 3], 5, 3)).toEqual(['#....', '#....', '#....']);
  });

  it('matches pycocotools on a concave polygon with fractional vertices', () => {
    // Counts from cocoapi's maskApi.c rleFrPoly, compiled and run on the same input.
    const vertices = [0.5, 0.5, 8.2, 1.3, 6.1, 3.0, 8.7, 6.4, 4.4, 4.9, 2.25, 6.8, 3.1, 3.3, 0.2, 2.7];
    expect(polygonRleCounts(vertices, 9, 7)).toEqual([1, 2, 5, 2, 5, 2, 5, 5, 2, 4, 3, 4, 3, 5, 2, 1, 3, 1, 8]);
    expect(rasterise(vertices, 9, 7)).toEqual([
      '.........',
      '########.',
      '#######..',
      '...####..',
      '...####..',
      '...#..##.',
      '.........',
    ]);
  });

  it('gives degenerate polygons (no points, a point, a segment) no pixels', () => {
    expect(polygonRleCounts([], 6, 6)).toEqual([36]);
    expect(polygonRleCounts([1, 1], 6, 6)).toEqual([36]);
    expect(polygonRleCounts([1, 1, 4, 4], 6, 6)).toEqual([36]);
  });
});
