import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHI_CONFIG, InvalidChiError, buildChi, countBytesFor, createMask } from '../../engine/index.js';
import type { ChiConfig, ChiLevel, Mask, MaskData } from '../../engine/index.js';
import { chiLevelCounts } from '../support/brute-force.js';

/** Every count array of the built CHI equals the brute-force count and has the narrowest type. */
function expectExact(mask: Mask, config: ChiConfig): void {
  const chi = buildChi(mask, config);
  const type = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array }[countBytesFor(mask.width, mask.height)];
  expect(chi.levels).toEqual(config.levels);
  config.levels.forEach((level, i) => {
    const built = chi.counts[i];
    const expected = chiLevelCounts(mask, level.grid, level.bins);
    expect(built).toBeInstanceOf(type);
    expect(built.length).toBe(expected.length);
    const wrong = expected.findIndex((count, k) => built[k] !== count);
    if (wrong >= 0) {
      const b = (wrong % (level.bins - 1)) + 1;
      const cell = Math.floor(wrong / (level.bins - 1));
      const where = `G${level.grid}B${level.bins} entry i=${Math.floor(cell / level.grid) + 1} j=${(cell % level.grid) + 1} b=${b} of a ${mask.width}×${mask.height} ${mask.encoding} mask`;
      expect(built[wrong], where).toBe(expected[wrong]);
    }
  });
}

const BINS = [2, 4, 8, 16, 32, 64, 128, 256];
/** Fine grids with few bins and coarse ones with many (a G64B256 level alone has a million entries; one test below has one). */
const levelArb: fc.Arbitrary<ChiLevel> = fc.oneof(
  fc.record({ grid: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 7, 8), fc.integer({ min: 1, max: 16 })), bins: fc.constantFrom(...BINS) }),
  fc.record({ grid: fc.oneof(fc.constantFrom(16, 33, 64), fc.integer({ min: 17, max: 64 })), bins: fc.constantFrom(2, 4, 8, 16) }),
);

/** 1–4 levels: unrelated grids, nested grids (g, 2g, 4g), and the default. */
const configArb: fc.Arbitrary<ChiConfig> = fc.oneof(
  fc.uniqueArray(levelArb, { minLength: 1, maxLength: 4, selector: (l) => `${l.grid}/${l.bins}` }).map((levels) => ({ levels })),
  fc
    .tuple(fc.constantFrom(1, 2, 3, 4, 8, 16), fc.constantFrom(...BINS), fc.constantFrom(...BINS), fc.constantFrom(...BINS), fc.boolean())
    .map(([g, a, b, c, whole]) => ({
      levels: [...(whole && g > 1 ? [{ grid: 1, bins: 256 }] : []), { grid: g, bins: a }, { grid: 2 * g, bins: b }, { grid: 4 * g, bins: c }],
    })),
  fc.constant(DEFAULT_CHI_CONFIG),
);

const nextFloat32 = (v: number, up: boolean): number => {
  const f = new Float32Array([v]);
  const bits = new Int32Array(f.buffer);
  if (v === 0) return up ? 1.401298464324817e-45 : 0;
  bits[0] += up ? 1 : -1;
  return f[0];
};
/** Bin edges k/256 (every k/B), their float32 neighbours, 0 and 1. */
const f32Edges = Array.from({ length: 257 }, (_, k) => k / 256).flatMap((v) => [v, nextFloat32(v, false), Math.min(1, nextFloat32(v, true))]);
/** u16 codes either side of where a bin of 2..256 bins starts (multiples of 256), 0 and 65535. */
const u16Edges = Array.from({ length: 257 }, (_, m) => m * 256).flatMap((c) => [c - 1, c, c + 1]).filter((c) => c >= 0 && c <= 65535);

const valueArb = {
  u8: fc.oneof(fc.constantFrom(0, 255, 127, 128), fc.integer({ min: 0, max: 255 })),
  u16: fc.oneof(fc.constantFrom(0, 65535), fc.constantFrom(...u16Edges), fc.integer({ min: 0, max: 65535 })),
  f32: fc.oneof(fc.constantFrom(0, 1), fc.constantFrom(...f32Edges), fc.float({ min: 0, max: 1, noNaN: true }).map(Math.abs)),
} as const;

const sizeArb = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 7, 9, 10, 17, 28, 31, 33), fc.integer({ min: 1, max: 40 }));

/**
 * Pixels independent or in runs of one value (the build counts runs of equal words at once), stored
 * at an offset into a larger buffer, so that u8 rows start at every alignment of a 32-bit word.
 */
const maskArb: fc.Arbitrary<Mask> = fc
  .tuple(sizeArb, sizeArb, fc.constantFrom('u8', 'u16', 'f32'), fc.boolean(), fc.integer({ min: 0, max: 3 }))
  .chain(([w, h, encoding, runs, offset]) => {
    const n = w * h;
    const values = runs
      ? fc.array(fc.tuple(valueArb[encoding], fc.integer({ min: 1, max: 24 })), { minLength: 1, maxLength: n }).map((rs) => {
          const out: number[] = [];
          for (let k = 0; out.length < n; k = (k + 1) % rs.length) for (let r = 0; r < rs[k][1] && out.length < n; r++) out.push(rs[k][0]);
          return out;
        })
      : fc.array(valueArb[encoding], { minLength: n, maxLength: n });
    return values.map((v) => {
      const Type = encoding === 'u8' ? Uint8Array : encoding === 'u16' ? Uint16Array : Float32Array;
      const data = new Type(n + offset).subarray(offset) as MaskData;
      data.set(v);
      return createMask(w, h, data);
    });
  });

/** A smooth map with flat regions (0 where a ReLU would clip) in each encoding, like the masks the build is tuned for. */
function smoothMask(width: number, height: number, encoding: 'u8' | 'u16' | 'f32'): Mask {
  const values = Array.from({ length: width * height }, (_, i) => {
    const x = (i % width) / width;
    const y = Math.floor(i / width) / height;
    return Math.max(0, Math.min(1, 1.4 * Math.sin(3 * x + 1) * Math.cos(2 * y - 0.5) - 0.3));
  });
  const data = encoding === 'u8' ? Uint8Array.from(values, (v) => Math.round(v * 255)) : encoding === 'u16' ? Uint16Array.from(values, (v) => Math.round(v * 65535)) : Float32Array.from(values);
  return createMask(width, height, data);
}

describe('CHI build', () => {
  it('equals the brute-force count for every configuration shape, mask size, encoding, alignment and value', () => {
    fc.assert(
      fc.property(configArb, maskArb, (config, mask) => expectExact(mask, config)),
      { numRuns: 400, seed: 20261201 },
    );
  });

  it('bins every u8 and every u16 code as binOf does, at every number of bins', () => {
    const u8 = Uint8Array.from({ length: 256 }, (_, k) => k);
    const u16 = Uint16Array.from({ length: 65536 }, (_, k) => k);
    const shuffled = Uint16Array.from(u16, (_, k) => (k * 40503) & 0xffff);
    for (const bins of BINS) {
      const config = { levels: [{ grid: 1, bins }, { grid: 4, bins: Math.min(bins * 2, 256) }] };
      for (const [w, h] of [[256, 1], [1, 256], [16, 16]]) expectExact(createMask(w, h, u8), config);
      expectExact(createMask(256, 256, u16), { levels: [{ grid: 1, bins }] });
      expectExact(createMask(256, 256, shuffled), { levels: [{ grid: 1, bins }, { grid: 3, bins }] });
    }
  });

  it('puts f32 values on bin edges (k/B exactly), their neighbours, 0 and 1 in the right bins', () => {
    const mask = createMask(f32Edges.length, 1, Float32Array.from(f32Edges));
    for (const bins of BINS) expectExact(mask, { levels: [{ grid: 1, bins }, { grid: 7, bins }] });
    expectExact(createMask(3, 257, Float32Array.from(f32Edges)), { levels: [{ grid: 1, bins: 256 }, { grid: 64, bins: 2 }] });
  });

  it('handles grids finer than the mask, 1×N and N×1 masks, and constant masks', () => {
    const fine = { levels: [{ grid: 64, bins: 8 }, { grid: 1, bins: 256 }, { grid: 33, bins: 2 }, { grid: 5, bins: 64 }] };
    expectExact(smoothMask(10, 10, 'u8'), { levels: [{ grid: 64, bins: 256 }] });
    for (const encoding of ['u8', 'u16', 'f32'] as const) {
      expectExact(smoothMask(10, 10, encoding), fine);
      expectExact(smoothMask(1, 37, encoding), fine);
      expectExact(smoothMask(37, 1, encoding), fine);
      expectExact(smoothMask(1, 1, encoding), fine);
    }
    for (const value of [0, 1]) {
      expectExact(createMask(29, 13, new Float32Array(29 * 13).fill(value)), fine);
      expectExact(createMask(29, 13, new Uint8Array(29 * 13).fill(value * 255)), DEFAULT_CHI_CONFIG);
      expectExact(createMask(29, 13, new Uint16Array(29 * 13).fill(value * 65535)), fine);
    }
  });

  it('is exact on full-size smooth masks with the default and a four-level configuration', () => {
    const fourLevels = { levels: [{ grid: 1, bins: 128 }, { grid: 5, bins: 4 }, { grid: 7, bins: 32 }, { grid: 64, bins: 2 }] };
    for (const encoding of ['u8', 'u16', 'f32'] as const) {
      expectExact(smoothMask(224, 224, encoding), DEFAULT_CHI_CONFIG);
      expectExact(smoothMask(225, 150, encoding), fourLevels);
    }
  });

  it('gives the same CHI whichever size or configuration was built before', () => {
    const masks = [smoothMask(30, 20, 'u8'), smoothMask(20, 30, 'u8'), smoothMask(30, 20, 'f32')];
    const configs: ChiConfig[] = [DEFAULT_CHI_CONFIG, { levels: [{ grid: 3, bins: 4 }] }, { levels: [{ grid: 3, bins: 4 }] }];
    for (let round = 0; round < 2; round++) for (const mask of masks) for (const config of configs) expectExact(mask, config);
  });

  it('refuses a configuration that is not valid', () => {
    const mask = smoothMask(4, 4, 'u8');
    expect(() => buildChi(mask, { levels: [{ grid: 4, bins: 3 }] })).toThrow(InvalidChiError);
    expect(() => buildChi(mask, { levels: [{ grid: 65, bins: 4 }] })).toThrow(/grid must be an integer in 1..64/);
    expect(() => buildChi(mask, { levels: [] })).toThrow(InvalidChiError);
  });
});
