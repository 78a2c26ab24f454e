import { availableParallelism } from 'node:os';
import type { Chi, ChiConfig, EngineContext } from '../engine/index.js';
import { DEFAULT_CHI_CONFIG, IndexingLoader, MaskTable, TABLE_SNAPSHOT_VERSION, configName, serializeChi, snapshotSteps } from '../engine/index.js';
import type { DatabaseHandle } from '../db/client.js';
import { readChanges } from '../db/repositories/changes.js';
import { getImagesByIds } from '../db/repositories/images.js';
import type { MaskIndexRow } from '../db/repositories/masks.js';
import { getMaskIndexRows, loadMaskPixels, loadStoredPixels, updateMaskChi } from '../db/repositories/masks.js';
import { listModels } from '../db/repositories/models.js';
import type { NewTableSnapshot } from '../db/repositories/table-snapshots.js';
import { hasNewerTableSnapshot, saveTableSnapshot } from '../db/repositories/table-snapshots.js';
import type { ImageRow, MaskRow, ModelRow } from '../db/schema.js';
import { CHANGES_CHANNEL } from '../db/schema.js';
import { createMaskEncoder, type MaskEncoder } from '../ingest/encoder.js';
import { giveWayWhenDue } from '../ingest/give-way.js';
import { ingestFiles, type IngestSettings, type IngestSummary } from '../ingest/ingest.js';
import type { IngestFile } from '../ingest/input-files.js';
import { MaskSourceRegistry } from '../plugins/registry.js';
import { MaskCache } from './mask-cache.js';
import { CachedPixelLoader } from './pixel-loader.js';
import { PixelWorkers } from './pixel-workers.js';
import { StoreScanCounter, WorkerScanCounter } from './scan-workers.js';
import { RowCache } from './row-cache.js';
import { DEFAULT_SNAPSHOT_AFTER, SnapshotSchedule } from './snapshot-schedule.js';
import { loadTable, type StartProgress } from './table-start.js';
import { putImageRows, putMaskRows, putModelRows } from './table-rows.js';

export interface MaskSearchOptions {
  chi?: ChiConfig;
  /** Decoded masks kept in memory for verification, in MB. */
  cacheMb?: number;
  /** Called with a message when something goes wrong in the background (persisting a CHI, catching up). */
  onBackgroundError?: (message: string, error: unknown) => void;
  /** The installed mask sources, for ingest; none if left out. */
  sources?: MaskSourceRegistry;
  /** Worker threads encoding ingested masks; see createMaskEncoder. */
  ingestWorkers?: number;
  /** Recent query results kept for their later pages, in MB (0: none); see resolvers/result-cache.ts. */
  resultCacheMb?: number;
  /**
   * Worker threads that count CP scans (useIndex: false; on PostgreSQL they read the scans' pixels
   * too, over connections of their own) and decode large loads of pixels, started with the first
   * such task that needs them (see PixelWorkers); 0 does both on the query's thread, scans in small batches between
   * other requests. Default DEFAULT_PIXEL_WORKERS.
   */
  pixelWorkers?: number;
  /** When the index is stored as a snapshot (see snapshot-schedule.ts); 0: never. Default DEFAULT_SNAPSHOT_AFTER. */
  snapshotAfter?: number;
  /** Called as start-up reads the stored snapshot or, without a usable one, every mask's row. */
  onStartProgress?: (progress: StartProgress) => void;
}

/** What one applied batch of the change log changed, for caches of derived results. */
export interface AppliedChanges {
  insertedMasks: readonly number[];
  deletedMasks: readonly number[];
  changedImages: readonly number[];
}

export const DEFAULT_CACHE_MB = 512;
/** Mask and image rows kept for shaping results (a few hundred bytes each). */
export const ROW_CACHE_ROWS = 100_000;
export const DEFAULT_RESULT_CACHE_MB = 256;
/**
 * Two threads (one on a single core): with one, under 32 clients and an ingest on two cores, the
 * scan thread was the bottleneck that all clients queued at (scans 2.4–3 s, p99 2.8–3.6 s); with
 * two the p99 was 0.83–1.18 s, other requests still never waiting behind a scan (bench/README.md).
 */
export const DEFAULT_PIXEL_WORKERS = Math.min(2, availableParallelism());

/**
 * The engine kept consistent with the store: one table in memory with every committed mask's
 * CHI and metadata and every image's key, label, split, tags, size and boxes, loaded at start
 * (from the stored snapshot of the table, or from every row), then followed through the change
 * log (this process's writes and, through LISTEN/NOTIFY, other processes' writes), and stored
 * again as a snapshot from time to time. A mask whose stored CHI is missing, of an older format or
 * of another level configuration is verified by queries until loading its pixels indexes it (and
 * stores the CHI).
 */
export class MaskSearch {
  private readonly cache: MaskCache;
  private readonly cachedLoader: CachedPixelLoader;
  private readonly indexingLoader: IndexingLoader;
  private readonly directLoader: CachedPixelLoader;
  private readonly pixelWorkers: PixelWorkers | undefined;
  private readonly scanCounter: WorkerScanCounter | StoreScanCounter | undefined;
  private lastSeq = 0;
  private catchingUp: Promise<void> = Promise.resolve();
  private unlisten: (() => Promise<void>) | undefined;
  private encoder: MaskEncoder | undefined;
  private readonly ingests = new Set<Promise<IngestSummary>>();
  private readonly chiWrites = new Set<Promise<unknown>>();
  readonly sources: MaskSourceRegistry;
  private readonly changeListeners = new Set<(changes: AppliedChanges) => void>();
  private snapshots: SnapshotSchedule | undefined;
  /** Rows of the masks and images results name, in step with the change log (see row-cache.ts). */
  readonly rows = { masks: new RowCache<MaskRow>(ROW_CACHE_ROWS), images: new RowCache<ImageRow>(ROW_CACHE_ROWS) };

  private constructor(
    readonly store: DatabaseHandle,
    private readonly options: MaskSearchOptions,
    readonly table: MaskTable,
    /** Whether start-up read the stored snapshot (false: every mask's row). */
    readonly startedFromSnapshot: boolean,
  ) {
    this.sources = options.sources ?? new MaskSourceRegistry();
    this.cache = new MaskCache((options.cacheMb ?? DEFAULT_CACHE_MB) * 2 ** 20);
    const workers = options.pixelWorkers ?? DEFAULT_PIXEL_WORKERS;
    // On PostgreSQL the workers read scans with connections of their own; PGlite is this thread's alone.
    this.pixelWorkers = workers > 0 ? new PixelWorkers(workers, { databaseUrl: store.url }) : undefined;
    const pool = this.pixelWorkers;
    const source = pool ? async (ids: readonly number[]) => pool.decode(await loadStoredPixels(store.db, ids)) : (ids: readonly number[]) => loadMaskPixels(store.db, ids);
    this.cachedLoader = new CachedPixelLoader(source, this.cache);
    this.indexingLoader = new IndexingLoader(this.cachedLoader, this.table, (id, chi) => this.persistChi(id, chi));
    // The scan baseline reads every mask from the store, as a system without the index would.
    this.directLoader = new CachedPixelLoader(source, new MaskCache(0));
    this.scanCounter = pool && (pool.readsStore ? new StoreScanCounter(pool) : new WorkerScanCounter((ids) => loadStoredPixels(store.db, ids), pool));
  }

  /** Loads the index (the stored snapshot, or every mask's CHI and metadata), then follows changes. */
  static async start(store: DatabaseHandle, options: MaskSearchOptions = {}): Promise<MaskSearch> {
    const loaded = await loadTable(store.db, options.chi ?? DEFAULT_CHI_CONFIG, options.onStartProgress);
    const service = new MaskSearch(store, options, loaded.table, loaded.fromSnapshot);
    service.lastSeq = loaded.changeSeq;
    service.snapshots = new SnapshotSchedule({
      after: options.snapshotAfter ?? DEFAULT_SNAPSHOT_AFTER,
      loadedFromSnapshot: loaded.fromSnapshot,
      changes: 0,
      masks: () => service.table.size,
      take: () => service.takeSnapshot(),
      save: (snapshot) => saveTableSnapshot(store.db, snapshot),
      onError: (message, error) => options.onBackgroundError?.(message, error),
    });
    service.unlisten = await store.listen(
      CHANGES_CHANNEL,
      () => void service.catchUp(),
      () => void service.catchUp(),
    );
    await service.catchUp();
    service.snapshots.check();
    return service;
  }

  get db() {
    return this.store.db;
  }

  get resultCacheMb(): number {
    return this.options.resultCacheMb ?? DEFAULT_RESULT_CACHE_MB;
  }

  /** Calls `listener` after each batch of changes is applied to the index; returns the unsubscribe. */
  onChanges(listener: (changes: AppliedChanges) => void): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  /** What queries run against; useIndex false gives the uncached full-scan baseline, CP scans counted by the scan workers. */
  engineContext(useIndex = true, signal?: AbortSignal): EngineContext {
    if (useIndex) return { table: this.table, loader: this.indexingLoader, signal };
    return { table: this.table, loader: this.directLoader, signal, ...(this.scanCounter ? { scanCounter: this.scanCounter } : {}) };
  }

  /** Settles once the snapshot of the index being written in the background, if any, is stored (or failed). */
  snapshotWritten(): Promise<void> {
    return this.snapshots?.idle() ?? Promise.resolve();
  }

  /** Pixels of one mask, through the cache. */
  async loadMask(id: number) {
    return (await this.cachedLoader.load([id])).get(id);
  }

  /**
   * Applies every committed change after the last one seen. Runs one at a time; call it after a
   * write of this process so the write is queryable when the call returns.
   */
  catchUp(): Promise<void> {
    this.catchingUp = this.catchingUp.then(
      () => this.applyChanges(),
      () => this.applyChanges(),
    );
    return this.catchingUp.catch((error) => this.options.onBackgroundError?.('catching up with the change log failed', error));
  }

  putModels(rows: readonly ModelRow[]): void {
    putModelRows(this.table, rows);
  }

  /** Ingests files through a source; the masks are queryable as each group of files commits. */
  ingest(files: readonly IngestFile[], settings: IngestSettings): Promise<IngestSummary> {
    // Made on the first ingest, its threads started only once it has encoded a few masks (see
    // createMaskEncoder): a server that never ingests, or only a little, should not hold them.
    this.encoder ??= createMaskEncoder({ chi: this.table.config, workers: this.options.ingestWorkers });
    const running = ingestFiles({ db: this.db, encoder: this.encoder, afterCommit: () => this.catchUp() }, files, settings);
    this.ingests.add(running);
    const forget = () => void this.ingests.delete(running);
    running.then(forget, forget);
    return running;
  }

  async close(): Promise<void> {
    // Ingests in flight finish (each file whole or not at all) before their workers go.
    await Promise.allSettled(this.ingests);
    await this.encoder?.close();
    this.encoder = undefined;
    await this.scanCounter?.close();
    await this.pixelWorkers?.close();
    await this.unlisten?.();
    await this.catchingUp.catch(() => {});
    // CHIs built while loading are stored in the background; a closing service lets them land.
    await Promise.allSettled(this.chiWrites);
    await this.snapshots?.close();
  }

  /**
   * The table as a snapshot, taken in the change log's queue (so between two batches, with
   * lastSeq the seq it is in step with); undefined if the store already has a more recent one.
   * Engine code in this process may add CHIs meanwhile (setChi), which snapshotSteps allows; every
   * other change to the table goes through the change log's queue.
   */
  private async takeSnapshot(): Promise<NewTableSnapshot | undefined> {
    const config = configName(this.table.config);
    if (await hasNewerTableSnapshot(this.db, { changeSeq: this.lastSeq, formatVersion: TABLE_SNAPSHOT_VERSION, chiConfig: config })) return undefined;
    const taken = this.catchingUp.then(async (): Promise<NewTableSnapshot> => {
      const changeSeq = this.lastSeq;
      const masks = this.table.size;
      // Copied a few columns at a time and compressed on libuv's threads, requests served in between; the change log waits (see snapshotSteps).
      const steps = snapshotSteps(this.table);
      for (let step = steps.next(); ; step = steps.next()) {
        if (step.done) return { formatVersion: TABLE_SNAPSHOT_VERSION, chiConfig: config, changeSeq, masks, parts: step.value.parts, byteLength: step.value.byteLength };
        await step.value;
      }
    });
    this.catchingUp = taken.then(
      () => {},
      () => {},
    );
    return taken;
  }

  private putMaskRows(rows: readonly MaskIndexRow[]): void {
    putMaskRows(this.table, rows);
    for (const row of rows) this.cachedLoader.forget(row.id);
  }

  /**
   * Applies the change log in batches. Rows are refetched rather than replayed, so a batch reads
   * each kind once: the images changed (and any image a new mask needs), the masks inserted.
   * What is fetched is at least as new as the batch, and later changes are applied again, so
   * only the order within a batch matters: a mask deleted after its insert stays deleted, and
   * images are put before masks (a mask needs its image, and the image's change may precede
   * the mask's insert).
   */
  private async applyChanges(): Promise<void> {
    for (;;) {
      const changes = await readChanges(this.db, this.lastSeq);
      if (changes.length === 0) return;
      const inserted = new Set<number>();
      const deleted: number[] = [];
      const changedImages = new Set<number>();
      for (const change of changes) {
        if (change.imageId !== null) changedImages.add(change.imageId);
        else if (change.op === 'insert') inserted.add(change.maskId!);
        else {
          inserted.delete(change.maskId!);
          this.removeMask(change.maskId!);
          deleted.push(change.maskId!);
        }
      }
      this.rows.masks.forget(deleted);
      // Reading a batch's rows (their CHIs) and taking them in both run on this thread: requests go in between.
      await giveWayWhenDue();
      const rows = await getMaskIndexRows(this.db, [...inserted]);
      await giveWayWhenDue();
      for (const row of rows) if (!this.table.hasImage(row.imageId)) changedImages.add(row.imageId);
      this.rows.images.forget([...changedImages]);
      putImageRows(this.table, await getImagesByIds(this.db, [...changedImages]));
      const unknownModels = rows.some((r) => r.modelId !== null && !this.table.hasModelId(r.modelId));
      if (unknownModels) this.putModels(await listModels(this.db));
      // An image deleted between the two reads took its masks along; their deletes are logged next.
      const put = rows.filter((r) => this.table.hasImage(r.imageId));
      this.putMaskRows(put);
      this.lastSeq = changes[changes.length - 1].seq;
      const applied: AppliedChanges = { insertedMasks: put.map((r) => r.id), deletedMasks: deleted, changedImages: [...changedImages] };
      for (const listener of this.changeListeners) listener(applied);
      this.snapshots?.noteChanges(changes.length);
    }
  }

  private removeMask(id: number): void {
    this.table.removeMask(id);
    this.cachedLoader.forget(id);
  }

  private persistChi(id: number, chi: Chi): void {
    // Not in the change log, but in the table: the next snapshot should have it.
    this.snapshots?.noteChanges(1);
    const write = updateMaskChi(this.db, id, serializeChi(chi)).catch((error) =>
      this.options.onBackgroundError?.(`storing the CHI of mask ${id} failed`, error),
    );
    this.chiWrites.add(write);
    void write.finally(() => this.chiWrites.delete(write));
  }
}
