/**
 * Slots by numeric id, for the mask and image tables: a hash table with open addressing and
 * linear probing in two typed arrays, instead of a Map. Built from a column of 1,000,000 ids it
 * takes a few tens of milliseconds where a Map takes half a second, and the garbage collector has
 * nothing in it to trace. Ids compare with `===`: any number but NaN (0 and −0 are one id); integers hash well, fractions
 * by their integer part.
 */
export class SlotIndex {
  private ids: Float64Array;
  /** The slot stored beside each id, EMPTY where nothing is. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 0) {
    const capacity = capacityFor(expected);
    this.ids = new Float64Array(capacity);
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
  }

  /** An index of column[slot] → slot for every slot; `duplicates` counts the ids met before (a later slot wins). */
  static ofColumn(column: ArrayLike<number>): { index: SlotIndex; duplicates: number } {
    const index = new SlotIndex(column.length);
    let duplicates = 0;
    for (let slot = 0; slot < column.length; slot++) if (!index.set(column[slot], slot)) duplicates++;
    return { index, duplicates };
  }

  get size(): number {
    return this.count;
  }

  /** The slot of `id`, or −1. */
  get(id: number): number {
    for (let i = hashOf(id) & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === EMPTY || this.ids[i] === id) return slot;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== EMPTY;
  }

  /** Stores id → slot (slot ≥ 0); true when the id was not there before. */
  set(id: number, slot: number): boolean {
    if (Number.isNaN(id)) throw new RangeError('an id is NaN');
    if (!(slot >= 0 && slot <= 0x7fffffff)) throw new RangeError(`slot ${slot} is not in 0..2³¹−1`);
    for (let i = hashOf(id) & this.mask; ; i = (i + 1) & this.mask) {
      if (this.slots[i] === EMPTY) {
        this.ids[i] = id;
        this.slots[i] = slot;
        if (++this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
        return true;
      }
      if (this.ids[i] === id) {
        this.slots[i] = slot;
        return false;
      }
    }
  }

  delete(id: number): boolean {
    const { ids, slots, mask } = this;
    let hole = hashOf(id) & mask;
    for (; slots[hole] !== EMPTY && ids[hole] !== id; hole = (hole + 1) & mask);
    if (slots[hole] === EMPTY) return false;
    // Backward-shift deletion: every later entry of the run that may move into the hole does, so no probe ever stops early.
    for (let j = (hole + 1) & mask; slots[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hashOf(ids[j]) & mask;
      const staysPut = hole < j ? home > hole && home <= j : home > hole || home <= j;
      if (staysPut) continue;
      ids[hole] = ids[j];
      slots[hole] = slots[j];
      hole = j;
    }
    slots[hole] = EMPTY;
    this.count--;
    return true;
  }

  private rehash(capacity: number): void {
    const { ids, slots } = this;
    this.ids = new Float64Array(capacity);
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === EMPTY) continue;
      let j = hashOf(ids[i]) & this.mask;
      while (this.slots[j] !== EMPTY) j = (j + 1) & this.mask;
      this.ids[j] = ids[i];
      this.slots[j] = slots[i];
    }
  }
}

const EMPTY = -1;

/** A power of two at least twice `expected`: probes stay short at half full. */
function capacityFor(expected: number): number {
  let capacity = 16;
  while (capacity < expected * 2) capacity *= 2;
  return capacity;
}

/**
 * Ids are serials: the low bits of consecutive ids are consecutive entries, so a column of them is
 * inserted walking memory in order (a mixing hash would make each insert a cache miss, several
 * times slower at 1,000,000). The low 16 bits are mixed with the high ones (which stay as they are,
 * so no two ids of 32 bits collide): consecutive ids stay within one 65,536-entry block, and ids
 * that step by a power of two spread.
 */
function hashOf(id: number): number {
  const x = (id >>> 0) ^ Math.imul((id / 0x1_0000_0000) >>> 0, 0x85ebca6b);
  return x ^ (Math.imul(x >>> 16, 0x9e3779b1) >>> 16);
}
