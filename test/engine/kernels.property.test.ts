import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aboveThreshold, compileRange } from '../../engine/index.js';
import type { Mask, MaskData, MaskEncoding, ValueRange } from '../../engine/index.js';
import { WasmCounter, codeInterval, countRect, float32AtLeast, float32AtMost, intersectUnion, markRect } from '../../engine/kernels/index.js';
import { rangeArb } from '../support/arbitraries.js';
import { cp, satisfies, valueAt } from '../support/brute-force.js';

const MAX_CODE = { u8: 255, u16: 65535, f32: 1 } as const;
const binEdges = Array.from({ length: 33 }, (_, m) => m / 32);

const codeArb = (max: number) =>
  fc.oneof(fc.constantFrom(0, max, max >> 1, (max >> 1) + 1, max >> 2, max - 1, 1), fc.integer({ min: 0, max }));
const f32Arb = fc.oneof(
  fc.constantFrom(...binEdges, 0, 1, 1 / 255, 128 / 255, Math.fround(0.6), 2 ** -149),
  fc.float({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }).map((v) => Math.fround(Math.abs(v))),
);
/** Widths around the SWAR word (4), the SIMD steps (16 u8, 8 u16, 4 f32 per vector) and a 224 row. */
const widthArb = fc.oneof(fc.constantFrom(1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 65, 224), fc.integer({ min: 1, max: 80 }));
const heightArb = fc.oneof(fc.constantFrom(1, 2, 16, 17), fc.integer({ min: 1, max: 12 }));

/** A typed array of the encoding starting `shift` elements into its buffer: SWAR words meet rows at every alignment. */
function placed(encoding: MaskEncoding, values: number[], shift: number): MaskData {
  const Ctor = encoding === 'u8' ? Uint8Array : encoding === 'u16' ? Uint16Array : Float32Array;
  const out = new Ctor(new ArrayBuffer((values.length + shift + 3) * Ctor.BYTES_PER_ELEMENT), shift * Ctor.BYTES_PER_ELEMENT, values.length);
  out.set(values);
  return out;
}

const maskArb = (encoding?: MaskEncoding, width?: number, height?: number): fc.Arbitrary<Mask> =>
  fc
    .tuple(encoding ? fc.constant(encoding) : fc.constantFrom<MaskEncoding>('u8', 'u16', 'f32'), width ? fc.constant(width) : widthArb, height ? fc.constant(height) : heightArb, fc.integer({ min: 0, max: 3 }))
    .chain(([enc, w, h, shift]) =>
      fc
        .array(enc === 'f32' ? f32Arb : codeArb(MAX_CODE[enc]), { minLength: w * h, maxLength: w * h })
        .map((values): Mask => ({ width: w, height: h, encoding: enc, data: placed(enc, values, shift) })),
    );

/** A rectangle inside the mask, biased to its edges; possibly empty. */
const rectArb = (mask: Mask) => {
  const coord = (max: number) => fc.oneof(fc.constantFrom(0, max, 1, max - 1).map((v) => Math.min(Math.max(v, 0), max)), fc.integer({ min: 0, max }));
  return fc
    .tuple(coord(mask.width), coord(mask.width), coord(mask.height), coord(mask.height))
    .map(([a, b, c, d]): [number, number, number, number] => [Math.min(a, b), Math.min(c, d), Math.max(a, b), Math.max(c, d)]);
};

/** The compiled range in the mask's own units: codes for u8/u16, values for f32. */
function units(range: ValueRange, encoding: MaskEncoding): [number, number] {
  const { lo, hi } = compileRange(range);
  if (encoding === 'f32') return [lo, hi];
  const { first, last } = codeInterval(lo, hi, MAX_CODE[encoding]);
  return [first, last];
}

/** Per pixel, with the interval in the mask's own units. */
function bruteUnits(mask: Mask, [x0, y0, x1, y1]: number[], lo: number, hi: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (mask.data[y * mask.width + x] >= lo && mask.data[y * mask.width + x] <= hi) n++;
  return n;
}

const counter = new WasmCounter();

function everyKernel(mask: Mask, [x0, y0, x1, y1]: number[], lo: number, hi: number): number[] {
  const { data, width } = mask;
  counter.load(data);
  return [
    countRect(data, width, x0, y0, x1, y1, lo, hi),
    counter.countLoaded(width, x0, y0, x1, y1, lo, hi),
    counter.count(data, width, x0, y0, x1, y1, lo, hi),
  ];
}

describe('counting kernels (JS SWAR/loops and WebAssembly SIMD)', () => {
  it('count exactly the pixels a value range selects, for every encoding, rectangle and range', () => {
    fc.assert(
      fc.property(
        maskArb().chain((mask) => fc.tuple(fc.constant(mask), rectArb(mask), rangeArb)),
        ([mask, rect, range]) => {
          const exact = cp(mask, rect, range);
          const [lo, hi] = units(range, mask.encoding);
          expect(everyKernel(mask, rect, lo, hi)).toEqual([exact, exact, exact]);
        },
      ),
      { numRuns: 3000, seed: 20261201 },
    );
  });

  it('count a sequence of rectangles of one mask whose rows are copied in as they are needed', () => {
    fc.assert(
      fc.property(
        maskArb().chain((mask) => fc.tuple(fc.constant(mask), fc.array(rectArb(mask), { minLength: 1, maxLength: 6 }), rangeArb)),
        ([mask, rects, range]) => {
          const [lo, hi] = units(range, mask.encoding);
          counter.begin(mask.data, mask.width);
          for (const rect of rects) expect(counter.countRows(rect[0], rect[1], rect[2], rect[3], lo, hi)).toBe(cp(mask, rect, range));
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('count code intervals at the extremes, empty, fractional and out-of-range ones included', () => {
    const bound = (max: number) =>
      fc.oneof(fc.constantFrom(-1, 0, 1, max - 1, max, max + 1, -0.5, 0.5, max - 0.5, Number.NaN), fc.integer({ min: -2, max: max + 2 }), fc.double({ min: -2, max: max + 2, noNaN: true }));
    fc.assert(
      fc.property(
        fc.constantFrom<MaskEncoding>('u8', 'u16').chain((enc) => maskArb(enc).chain((mask) => fc.tuple(fc.constant(mask), rectArb(mask), bound(MAX_CODE[enc]), bound(MAX_CODE[enc])))),
        ([mask, rect, first, last]) => {
          const exact = bruteUnits(mask, rect, first, last);
          expect(everyKernel(mask, rect, first, last)).toEqual([exact, exact, exact]);
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('count f32 intervals whose ends are not float32 values, or lie on pixel values', () => {
    fc.assert(
      fc.property(
        maskArb('f32').chain((mask) =>
          fc.tuple(fc.constant(mask), rectArb(mask), fc.oneof(f32Arb, fc.double({ min: -0.1, max: 1.1, noNaN: true })), fc.oneof(f32Arb, fc.double({ min: -0.1, max: 1.1, noNaN: true }))),
        ),
        ([mask, rect, lo, hi]) => {
          const exact = bruteUnits(mask, rect, lo, hi);
          expect(everyKernel(mask, rect, lo, hi)).toEqual([exact, exact, exact]);
        },
      ),
      { numRuns: 1500, seed: 12 },
    );
  });

  it('do not overflow their byte accumulators on long rows where every pixel qualifies', () => {
    // 254 and 255 whole 16-pixel steps, each with and without a tail step, and many blocks of steps.
    for (const width of [254 * 16, 254 * 16 + 7, 255 * 16, 255 * 16 + 7, 256 * 16 + 1, 255 * 16 * 4 + 37]) {
      for (const encoding of ['u8', 'u16', 'f32'] as const) {
        // Row 0 all qualifying fills every accumulator lane; row 1 has a miss every 97 pixels.
        const mask = { width, height: 3, encoding, data: placed(encoding, Array.from({ length: width * 3 }, (_, i) => (i >= width && i % 97 === 0 ? 0 : MAX_CODE[encoding])), 1) };
        const lo = encoding === 'f32' ? 1e-9 : 1;
        const hi = MAX_CODE[encoding];
        for (const rect of [[0, 0, width, 1], [0, 0, width, 3], [5, 1, width - 3, 3]]) {
          const exact = bruteUnits(mask, rect, lo, hi);
          expect(everyKernel(mask, rect, lo, hi)).toEqual([exact, exact, exact]);
        }
      }
    }
  });

  it('mark and aggregate members of mixed encodings exactly (intersection and union)', () => {
    const memberRange = fc.oneof(
      fc.oneof(fc.constantFrom(0, 0.5, 1, 128 / 255, -0.1), fc.double({ min: -0.1, max: 1.1, noNaN: true })).map(aboveThreshold),
      rangeArb,
    );
    fc.assert(
      fc.property(
        fc
          .tuple(widthArb, heightArb, fc.integer({ min: 1, max: 5 }))
          .chain(([w, h, n]) => fc.tuple(fc.array(fc.tuple(maskArb(undefined, w, h), memberRange), { minLength: n, maxLength: n }), rectArb({ width: w, height: h, encoding: 'u8', data: new Uint8Array(0) }))),
        ([members, rect]) => {
          const [x0, y0, x1, y1] = rect;
          let intersection = 0;
          let union = 0;
          for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) {
              const hits = members.filter(([mask, range]) => satisfies(range, valueAt(mask, y, x))).length;
              if (hits === members.length) intersection++;
              if (hits > 0) union++;
            }
          }
          const data = members.map(([mask]) => mask.data);
          const bounds = members.map(([mask, range]) => units(range, mask.encoding));
          const lo = bounds.map((b) => b[0]);
          const hi = bounds.map((b) => b[1]);
          const { width } = members[0][0];
          const area = (x1 - x0) * (y1 - y0);
          const hits = new Uint8Array(area);
          data.forEach((d, m) => markRect(d, width, x0, y0, x1, y1, lo[m], hi[m], hits));
          expect([hits.filter((h) => h === members.length).length, hits.filter((h) => h > 0).length]).toEqual([intersection, union]);
          const js = new Int32Array(2);
          intersectUnion(data, lo, hi, width, x0, y0, x1, y1, js);
          const simd = new Float64Array(2);
          counter.intersectUnion(data, lo, hi, width, x0, y0, x1, y1, simd);
          expect([...js, ...simd]).toEqual([intersection, union, intersection, union]);
        },
      ),
      { numRuns: 1500, seed: 13 },
    );
  });
});

describe('interval conversion', () => {
  it('codeInterval selects exactly the codes k with lo <= k / max <= hi', () => {
    const end = fc.oneof(fc.constantFrom(...binEdges, 0, 1, -0, -0.5, 1.5), fc.integer({ min: -1, max: 256 }).map((k) => k / 255), fc.integer({ min: -1, max: 65536 }).map((k) => k / 65535), fc.double({ min: -0.2, max: 1.2, noNaN: true }));
    fc.assert(
      fc.property(end, end, fc.constantFrom(255, 65535), (lo, hi, max) => {
        const { first, last } = codeInterval(lo, hi, max);
        const ok = (k: number) => k / max >= lo && k / max <= hi;
        if (first > last) {
          for (const k of [0, max, Math.round(lo * max), Math.round(hi * max)]) if (k >= 0 && k <= max) expect(ok(k)).toBe(false);
          if (max === 255) for (let k = 0; k <= max; k++) expect(ok(k)).toBe(false);
        } else {
          expect([ok(first), ok(last), first === 0 || !ok(first - 1), last === max || !ok(last + 1)]).toEqual([true, true, true, true]);
        }
      }),
      { numRuns: 3000, seed: 14 },
    );
  });

  it('float32AtLeast and float32AtMost keep every float32 comparison with a double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), f32Arb, fc.float({ noNaN: true }), (x, v, w) => {
        for (const p of [v, w, -v]) {
          expect(p >= float32AtLeast(x)).toBe(p >= x);
          expect(p <= float32AtMost(x)).toBe(p <= x);
        }
        expect(Math.fround(float32AtLeast(x))).toBe(float32AtLeast(x));
      }),
      { numRuns: 3000, seed: 15 },
    );
  });
});

describe('WasmCounter input checks', () => {
  it('refuses rectangles outside the mask and counting with no mask loaded', () => {
    const fresh = new WasmCounter();
    expect(() => fresh.countLoaded(4, 0, 0, 1, 1, 0, 255)).toThrow(/no mask loaded/);
    const data = new Uint8Array(12);
    expect(() => fresh.count(data, 4, 0, 0, 5, 1, 0, 255)).toThrow(RangeError);
    expect(() => fresh.count(data, 4, 0, 2, 4, 4, 0, 255)).toThrow(/not inside a mask 4 pixels wide of 12 pixels/);
    expect(() => fresh.count(data, 4, 0, Number.NaN, 4, 2, 0, 255)).toThrow(RangeError);
    expect(() => fresh.count(data, 4, 0.5, 0, 4, 2, 0, 255)).toThrow(RangeError);
    expect(() => fresh.intersectUnion([data, new Uint8Array(8)], [0, 0], [255, 255], 4, 0, 0, 4, 3, new Int32Array(2))).toThrow(/of 8 pixels/);
    fresh.load(data);
    expect(fresh.countLoaded(4, 0, 0, 4, 3, 0, 255)).toBe(12);
    fresh.intersectUnion([data], [0], [255], 4, 0, 0, 4, 3, new Int32Array(2));
    expect(() => fresh.countLoaded(4, 0, 0, 4, 3, 0, 255)).toThrow(/no mask loaded/);
  });
});
