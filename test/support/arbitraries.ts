/** fast-check generators of masks, ranges, ROIs and small datasets, biased toward the edges of design.md §2–3. */
import fc from 'fast-check';
import { DEFAULT_CHI_CONFIG, createMask } from '../../engine/index.js';
import type { ChiConfig, Mask, ValueRange } from '../../engine/index.js';
import type { BoxTuple, RefImage, RefMask, RefRoi } from './brute-force.js';

const levelArb = fc.record({
  grid: fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 16),
  bins: fc.constantFrom(2, 4, 8, 16, 32),
});

/** CHI configurations: the default, single levels, and 2–3 levels mixing histograms, nested and unrelated grids. */
export const chiConfigArb: fc.Arbitrary<ChiConfig> = fc.oneof(
  fc.constant(DEFAULT_CHI_CONFIG),
  levelArb.map((l) => ({ levels: [l] })),
  fc
    .tuple(fc.constantFrom(64, 128, 256), levelArb, fc.option(levelArb, { nil: undefined }))
    .map(([wholeBins, a, b]) => [{ grid: 1, bins: wholeBins }, a, ...(b ? [b] : [])])
    .filter((levels) => new Set(levels.map((l) => `${l.grid}/${l.bins}`)).size === levels.length)
    .map((levels) => ({ levels })),
  fc.tuple(fc.constantFrom(2, 4, 8), fc.constantFrom(2, 4, 8, 16)).map(([g, b]) => ({ levels: [{ grid: 1, bins: 256 }, { grid: g, bins: b }, { grid: 2 * g, bins: 2 }] })),
);

const binEdges = Array.from({ length: 33 }, (_, m) => m / 32);
const u8Values = [0, 1, 63, 64, 127, 128, 153, 191, 192, 254, 255].map((k) => k / 255);

/** Range ends: bin edges, 8-bit values, the suite's constants, outside [0, 1], anything. */
export const rangeEndArb = fc.oneof(
  fc.constantFrom(...binEdges),
  fc.constantFrom(...u8Values),
  fc.constantFrom(-0.5, -0, 1.5, 0.3, 0.45, 0.5, 0.6),
  fc.double({ min: -0.2, max: 1.2, noNaN: true }),
);

export const rangeArb: fc.Arbitrary<ValueRange> = fc
  .tuple(fc.constantFrom('none', 'gt', 'gte'), rangeEndArb, fc.constantFrom('none', 'lt', 'lte'), rangeEndArb)
  .map(([lk, lv, uk, uv]) => {
    const r: ValueRange = {};
    if (lk !== 'none') r[lk as 'gt' | 'gte'] = lv;
    if (uk !== 'none') r[uk as 'lt' | 'lte'] = uv;
    return r;
  });

const u8CodeArb = fc.oneof(fc.constantFrom(0, 255, 127, 128, 63, 64, 191, 192, 153), fc.integer({ min: 0, max: 255 }));
const u16CodeArb = fc.oneof(fc.constantFrom(0, 65535, 32767, 32768, 16384, 49152, 8192), fc.integer({ min: 0, max: 65535 }));
const f32ValueArb = fc.oneof(
  fc.constantFrom(...binEdges, 1),
  fc.float({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }).map((v) => Math.fround(Math.abs(v))),
);

export const sizeArb = fc.oneof(fc.constantFrom(1, 2, 3, 7, 8, 16, 17), fc.integer({ min: 1, max: 33 }));

export function maskArb(width?: number, height?: number): fc.Arbitrary<Mask> {
  return fc
    .tuple(width ? fc.constant(width) : sizeArb, height ? fc.constant(height) : sizeArb, fc.constantFrom('u8', 'u16', 'f32'))
    .chain(([w, h, encoding]) => {
      const n = w * h;
      if (encoding === 'u8') return fc.array(u8CodeArb, { minLength: n, maxLength: n }).map((a) => createMask(w, h, Uint8Array.from(a)));
      if (encoding === 'u16') return fc.array(u16CodeArb, { minLength: n, maxLength: n }).map((a) => createMask(w, h, Uint16Array.from(a)));
      return fc.array(f32ValueArb, { minLength: n, maxLength: n }).map((a) => createMask(w, h, Float32Array.from(a)));
    });
}

export const boxArb = fc.record({
  x: fc.integer({ min: -12, max: 40 }),
  y: fc.integer({ min: -12, max: 40 }),
  width: fc.integer({ min: 0, max: 45 }),
  height: fc.integer({ min: 0, max: 45 }),
});

export const roiArb: fc.Arbitrary<RefRoi> = fc.oneof(
  fc.constant({ kind: 'full' as const }),
  boxArb.map((b) => ({ kind: 'box' as const, ...b })),
  fc.constant({ kind: 'imageBox' as const, name: 'object' }),
);

/** A rectangle in mask pixels, clipped, possibly empty. */
export const rectFor = (mask: Mask): fc.Arbitrary<[number, number, number, number]> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: mask.width }),
      fc.integer({ min: 0, max: mask.width }),
      fc.integer({ min: 0, max: mask.height }),
      fc.integer({ min: 0, max: mask.height }),
    )
    .map(([a, b, c, d]) => [Math.min(a, b), Math.min(c, d), Math.max(a, b), Math.max(c, d)]);

export interface Dataset {
  images: Map<number, RefImage>;
  masks: RefMask[];
  /** Masks that get a CHI up front; the others are indexed when first loaded. */
  indexed: Set<number>;
}

const imageArb = (id: number): fc.Arbitrary<RefImage> =>
  fc
    .record({
      width: sizeArb,
      height: sizeArb,
      hasBox: fc.integer({ min: 0, max: 4 }).map((v) => v > 0),
      box: fc.tuple(fc.double({ min: -5, max: 30, noNaN: true }), fc.double({ min: -5, max: 30, noNaN: true }), fc.double({ min: 0, max: 35, noNaN: true }), fc.double({ min: 0, max: 35, noNaN: true })),
      intBox: fc.boolean(),
    })
    .map(({ width, height, hasBox, box, intBox }) => {
      const b = (intBox ? box.map(Math.round) : box) as BoxTuple;
      const boxes: Record<string, BoxTuple> = hasBox ? { object: b } : {};
      return { id, width, height, boxes };
    });

/**
 * 0..maxImages images with 1..3 masks each; masks of an image usually share its size (as
 * aggregation needs) but not always; ids are not dense.
 */
export function datasetArb(maxImages = 8): fc.Arbitrary<Dataset> {
  return fc.integer({ min: 0, max: maxImages }).chain((nImages) =>
    fc
      .tuple(
        ...Array.from({ length: nImages }, (_, i) =>
          imageArb(100 + i * 3).chain((image) =>
            fc
              .tuple(
                fc.constantFrom('image-size', 'image-size', 'scaled', 'other'),
                fc.integer({ min: 1, max: 3 }),
              )
              .chain(([sizing, count]) => {
                const w = sizing === 'image-size' ? image.width : sizing === 'scaled' ? Math.max(1, Math.round(image.width / 2)) : undefined;
                const h = sizing === 'image-size' ? image.height : sizing === 'scaled' ? Math.max(1, Math.round(image.height / 2)) : undefined;
                return fc.tuple(fc.constant(image), fc.array(fc.tuple(maskArb(w, h), fc.integer({ min: 0, max: 6 }).map((v) => v > 0)), { minLength: count, maxLength: count }));
              }),
          ),
        ),
      )
      .map((perImage) => {
        const images = new Map<number, RefImage>();
        const masks: RefMask[] = [];
        const indexed = new Set<number>();
        let nextId = 7;
        for (const [image, list] of perImage) {
          images.set(image.id, image);
          for (const [mask, withChi] of list) {
            const id = nextId;
            nextId += 1 + (id % 3);
            masks.push({ id, imageId: image.id, mask });
            if (withChi) indexed.add(id);
          }
        }
        return { images, masks, indexed };
      }),
  );
}
