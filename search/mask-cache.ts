import type { Mask } from '../engine/mask.js';

/**
 * What one entry holds besides its pixels: the Mask object, the Map entry and the ArrayBuffer's
 * own header, roughly. Counted so that many tiny masks cannot exceed the bound either.
 */
export const ENTRY_OVERHEAD_BYTES = 256;

/** The memory a cached mask keeps alive: its whole buffer (a view keeps all of it), plus the entry. */
export const retainedBytes = (mask: Mask): number => mask.data.buffer.byteLength + ENTRY_OVERHEAD_BYTES;

/**
 * Decoded masks, least recently used evicted first, bounded by the bytes they keep alive.
 * Map iteration order is insertion order, so re-inserting on a hit keeps the oldest first.
 */
export class MaskCache {
  private readonly entries = new Map<number, { mask: Mask; bytes: number }>();
  private bytes = 0;

  constructor(readonly capacityBytes: number) {}

  get(id: number): Mask | undefined {
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry?.mask;
  }

  set(id: number, mask: Mask): void {
    this.delete(id);
    const bytes = retainedBytes(mask);
    if (bytes > this.capacityBytes) return;
    this.entries.set(id, { mask, bytes });
    this.bytes += bytes;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.capacityBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
  }

  delete(id: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes kept alive, as counted against the capacity. */
  get byteLength(): number {
    return this.bytes;
  }
}
