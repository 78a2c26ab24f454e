import type { CountArray } from './chi.js';
import { allocCounts } from './chi.js';

/**
 * Fixed-stride CHI counts of many masks in one growable typed array. Removal moves the last
 * entry into the hole, so the pool stays dense; the caller learns which owner moved.
 */
export class CountPool {
  counts: CountArray;
  private owners: Int32Array;
  size = 0;

  constructor(
    private readonly countBytes: 1 | 2 | 4,
    readonly stride: number,
  ) {
    this.counts = allocCounts(countBytes, 0);
    this.owners = new Int32Array(0);
  }

  /** Appends counts owned by the given slot; returns the entry's position. */
  add(counts: CountArray, owner: number): number {
    if (this.size === this.owners.length) this.grow(Math.max(16, this.size * 2));
    const at = this.size++;
    this.counts.set(counts, at * this.stride);
    this.owners[at] = owner;
    return at;
  }

  replace(at: number, counts: CountArray): void {
    this.counts.set(counts, at * this.stride);
  }

  /** Removes entry at; returns the owner of the entry moved into its place, or −1. */
  remove(at: number): number {
    const last = --this.size;
    if (at === last) return -1;
    this.counts.copyWithin(at * this.stride, last * this.stride, (last + 1) * this.stride);
    this.owners[at] = this.owners[last];
    return this.owners[at];
  }

  setOwner(at: number, owner: number): void {
    this.owners[at] = owner;
  }

  get byteLength(): number {
    return this.size * this.stride * this.countBytes;
  }

  private grow(capacity: number): void {
    const counts = allocCounts(this.countBytes, capacity * this.stride);
    counts.set(this.counts.subarray(0, this.size * this.stride));
    this.counts = counts;
    const owners = new Int32Array(capacity);
    owners.set(this.owners.subarray(0, this.size));
    this.owners = owners;
  }
}
