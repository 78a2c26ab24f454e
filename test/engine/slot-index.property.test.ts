import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotIndex } from '../../engine/slot-index.js';

/**
 * Ids as stores make them (serials, some stepping by a power of two) and any other number; few
 * of them, past 2³² (hashed like random numbers), so that they collide and are deleted from long runs.
 */
const idArb = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 300 }).map((k) => k * 4096),
  fc.integer({ min: 0, max: 60 }).map((k) => 2 ** 32 * k + 5),
  fc.double({ noNaN: true }),
);

describe('a slot index', () => {
  it('answers as a Map of the same sets and deletes, through growing and backward-shift deletion', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), idArb, fc.nat(1000)), { minLength: 20, maxLength: 200, size: 'max' }), (ops) => {
        const index = new SlotIndex();
        const map = new Map<number, number>();
        for (const [put, id, slot] of ops) {
          if (put) {
            expect(index.set(id, slot)).toBe(!map.has(id));
            map.set(id, slot);
          } else expect(index.delete(id)).toBe(map.delete(id));
          expect(index.size).toBe(map.size);
        }
        for (const [, id] of ops) expect(index.get(id)).toBe(map.get(id) ?? -1);
        for (const [id, slot] of map) expect(index.get(id)).toBe(slot);
      }),
      { numRuns: 150 },
    );
  });

  it('counts the repeated ids of a column, the later slot winning', () => {
    const { index, duplicates } = SlotIndex.ofColumn(Float64Array.of(7, 8, 7, 0, -0));
    expect(duplicates).toBe(2);
    expect([index.get(7), index.get(8), index.get(0), index.get(9), index.size]).toEqual([2, 1, 4, -1, 3]);
  });

  it('refuses NaN ids and slots outside int32', () => {
    expect(() => new SlotIndex().set(NaN, 0)).toThrow(RangeError);
    expect(() => new SlotIndex().set(1, -1)).toThrow(RangeError);
    expect(new SlotIndex().get(NaN)).toBe(-1);
  });
});
