import type { Mask } from '../engine/mask.js';

/**
 * Decoded masks, least recently used evicted first, bounded by the bytes of their pixel arrays.
 * Map iteration order is insertion order, so re-inserting on a hit keeps the oldest first.
 */
export class MaskCache {
  private readonly entries = new Map<number, Mask>();
  private bytes = 0;

  constructor(readonly capacityBytes: number) {}

  get(id: number): Mask | undefined {
    const mask = this.entries.get(id);
    if (mask) {
      this.entries.delete(id);
      this.entries.set(id, mask);
    }
    return mask;
  }

  set(id: number, mask: Mask): void {
    this.delete(id);
    if (mask.data.byteLength > this.capacityBytes) return;
    this.entries.set(id, mask);
    this.bytes += mask.data.byteLength;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.capacityBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.data.byteLength;
    }
  }

  delete(id: number): void {
    const mask = this.entries.get(id);
    if (!mask) return;
    this.entries.delete(id);
    this.bytes -= mask.data.byteLength;
  }

  get size(): number {
    return this.entries.size;
  }

  get byteLength(): number {
    return this.bytes;
  }
}
