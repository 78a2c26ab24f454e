import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shuffle, unshuffle } from '../../engine/snapshot-filters.js';

describe('the snapshot byte shuffle', () => {
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
});
