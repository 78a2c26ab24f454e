import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binDeltas, shuffle, undoBinDeltas, unshuffle } from '../../engine/snapshot-filters.js';

describe('snapshot filters', () => {
  it('shuffle and unshuffle every element type back to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 50 }), fc.array(fc.integer(), { maxLength: 50 }), (doubles, ints) => {
        for (const column of [Float64Array.from(doubles), Int32Array.from(ints), Uint8Array.from(ints), Uint16Array.from(ints), Uint32Array.from(ints)]) {
          const restored = new (column.constructor as new (n: number) => typeof column)(column.length);
          unshuffle(shuffle(column), restored);
          expect(restored).toEqual(column);
        }
      }),
    );
  });

  it('group bytes by significance', () => {
    expect(Array.from(shuffle(Uint16Array.of(0x0102, 0x0304)))).toEqual([0x02, 0x04, 0x01, 0x03]);
  });

  it('give back any plane from its bin deltas, consistent with the previous plane or not (counts wrap)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 60 }), fc.boolean(), (pairs, wide) => {
        const type = wide ? Uint32Array : Uint16Array;
        const previous = type.from(pairs.map(([a]) => a));
        const plane = type.from(pairs.map(([, b]) => b));
        for (const before of [previous, undefined]) {
          const restored = new type(plane.length);
          undoBinDeltas(binDeltas(plane, before), restored, before);
          expect(restored).toEqual(plane);
        }
      }),
    );
  });

  it('store a plane that is the previous one minus small counts with high bytes of zero', () => {
    const previous = Uint16Array.of(50_000, 40_000, 300);
    const plane = Uint16Array.of(49_900, 39_950, 0);
    expect(Array.from(binDeltas(plane, previous))).toEqual([100, 50, 44, 0, 0, 1]);
  });
});
