import type { NewTableSnapshot, SaveSnapshotOutcome } from '../db/repositories/table-snapshots.js';

/** Change-log rows (or, without a snapshot, masks) a start-up may read before a snapshot is due. */
export const DEFAULT_SNAPSHOT_AFTER = 10_000;

export interface SnapshotScheduleOptions {
  /** See DEFAULT_SNAPSHOT_AFTER; 0 writes no snapshots at all. */
  after: number;
  /** Whether the store holds a snapshot this index was loaded from. */
  loadedFromSnapshot: boolean;
  /** Changes since the stored snapshot. */
  changes: number;
  /** Masks in the index now. */
  masks(): number;
  /**
   * The table as a snapshot, taken between two batches of the change log (noteChanges has counted
   * every batch applied before it, and none after), or undefined if the store has one as recent.
   */
  take(): Promise<NewTableSnapshot | undefined>;
  save(snapshot: NewTableSnapshot): Promise<SaveSnapshotOutcome>;
  onError(message: string, error: unknown): void;
}

/**
 * When the index is written to the store as a snapshot (docs/snapshots.md). A snapshot is due when
 * a start-up would otherwise read `after` rows or more to catch up: `after` changes since the
 * stored snapshot (change-log rows applied, and CHIs built from loaded pixels, which the log does
 * not carry) or, with no snapshot, an index of `after` masks. It is checked after start-up and
 * after every change, and written in the background, one at a time. At a clean shutdown any
 * change since the stored snapshot is written, so the next start reads no log.
 */
export class SnapshotSchedule {
  private hasSnapshot: boolean;
  private changes: number;
  private writing: Promise<void> | undefined;

  constructor(private readonly options: SnapshotScheduleOptions) {
    this.hasSnapshot = options.loadedFromSnapshot;
    this.changes = options.changes;
  }

  /** Counts changes to the index (change-log rows applied, CHIs built), and starts a write if one is due. */
  noteChanges(rows: number): void {
    this.changes += rows;
    if (this.due()) void this.write();
  }

  /** Starts a write if one is due. */
  check(): void {
    if (this.due()) void this.write();
  }

  /** Settles when the write in progress, if any, is done. */
  idle(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  /** Waits for a write in progress, then writes what changed since the stored snapshot. */
  async close(): Promise<void> {
    await this.writing;
    const { after } = this.options;
    if (after > 0 && (this.hasSnapshot ? this.changes > 0 : this.options.masks() >= after)) await this.write();
  }

  private due(): boolean {
    const { after } = this.options;
    if (after === 0) return false;
    return this.hasSnapshot ? this.changes >= after : this.options.masks() >= after;
  }

  private write(): Promise<void> {
    this.writing ??= this.writeOnce().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async writeOnce(): Promise<void> {
    try {
      const snapshot = await this.options.take();
      const changes = this.changes;
      if (!snapshot) {
        this.markWritten(changes);
        return;
      }
      const { outcome } = await this.options.save(snapshot);
      // busy: another process is writing one; the next batch tries again.
      if (outcome !== 'busy') this.markWritten(changes);
    } catch (error) {
      this.options.onError('writing the index snapshot failed', error);
    }
  }

  private markWritten(changes: number): void {
    this.hasSnapshot = true;
    this.changes = Math.max(0, this.changes - changes);
  }
}
