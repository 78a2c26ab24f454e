import type { Chi, ChiConfig, EngineContext } from '../engine/index.js';
import { DEFAULT_CHI_CONFIG, IndexingLoader, InvalidChiError, MaskTable, deserializeChi, sameConfig, serializeChi } from '../engine/index.js';
import type { DatabaseHandle } from '../db/client.js';
import { getLatestChangeSeq, readChanges } from '../db/repositories/changes.js';
import { getImagesByIds, listImages } from '../db/repositories/images.js';
import type { MaskIndexRow } from '../db/repositories/masks.js';
import { getMaskIndexRows, loadMaskPixels, loadStoredPixels, streamMaskIndex, updateMaskChi } from '../db/repositories/masks.js';
import { listModels } from '../db/repositories/models.js';
import type { ImageRow, ModelRow } from '../db/schema.js';
import { CHANGES_CHANNEL } from '../db/schema.js';
import { createMaskEncoder, type MaskEncoder } from '../ingest/encoder.js';
import { ingestFiles, type IngestSettings, type IngestSummary } from '../ingest/ingest.js';
import type { IngestFile } from '../ingest/input-files.js';
import { MaskSourceRegistry } from '../plugins/registry.js';
import { MaskCache } from './mask-cache.js';
import { CachedPixelLoader } from './pixel-loader.js';
import { PixelWorkers } from './pixel-workers.js';
import { WorkerScanCounter } from './scan-workers.js';

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
   * Worker threads that count CP scans (useIndex: false) and decode large loads of pixels, started
   * with the first such task; 0 does both on the query's thread, scans in small batches between
   * other requests. Default DEFAULT_PIXEL_WORKERS.
   */
  pixelWorkers?: number;
}

/** What one applied batch of the change log changed, for caches of derived results. */
export interface AppliedChanges {
  insertedMasks: readonly number[];
  deletedMasks: readonly number[];
  changedImages: readonly number[];
}

export const DEFAULT_CACHE_MB = 512;
export const DEFAULT_RESULT_CACHE_MB = 256;
/** One thread: on two cores the other is the query thread's, and more would only take turns (bench/README.md). */
export const DEFAULT_PIXEL_WORKERS = 1;

/**
 * The engine kept consistent with the store: one table in memory with every committed mask's
 * CHI and metadata and every image's key, label, split, tags, size and boxes, loaded at start,
 * then followed through the change log (this process's writes and, through LISTEN/NOTIFY, other
 * processes' writes). A mask whose stored CHI is missing, of an older format or of another level
 * configuration is verified by queries until loading its pixels indexes it (and stores the CHI).
 */
export class MaskSearch {
  readonly table: MaskTable;
  private readonly cache: MaskCache;
  private readonly cachedLoader: CachedPixelLoader;
  private readonly indexingLoader: IndexingLoader;
  private readonly directLoader: CachedPixelLoader;
  private readonly pixelWorkers: PixelWorkers | undefined;
  private readonly scanCounter: WorkerScanCounter | undefined;
  private lastSeq = 0;
  private catchingUp: Promise<void> = Promise.resolve();
  private unlisten: (() => Promise<void>) | undefined;
  private encoder: MaskEncoder | undefined;
  private readonly ingests = new Set<Promise<IngestSummary>>();
  private readonly chiWrites = new Set<Promise<unknown>>();
  readonly sources: MaskSourceRegistry;
  private readonly changeListeners = new Set<(changes: AppliedChanges) => void>();

  private constructor(
    readonly store: DatabaseHandle,
    private readonly options: MaskSearchOptions,
  ) {
    this.table = new MaskTable(options.chi ?? DEFAULT_CHI_CONFIG);
    this.sources = options.sources ?? new MaskSourceRegistry();
    this.cache = new MaskCache((options.cacheMb ?? DEFAULT_CACHE_MB) * 2 ** 20);
    const workers = options.pixelWorkers ?? DEFAULT_PIXEL_WORKERS;
    this.pixelWorkers = workers > 0 ? new PixelWorkers(workers) : undefined;
    const pool = this.pixelWorkers;
    const source = pool ? async (ids: readonly number[]) => pool.decode(await loadStoredPixels(store.db, ids)) : (ids: readonly number[]) => loadMaskPixels(store.db, ids);
    this.cachedLoader = new CachedPixelLoader(source, this.cache);
    this.indexingLoader = new IndexingLoader(this.cachedLoader, this.table, (id, chi) => this.persistChi(id, chi));
    // The scan baseline reads every mask from the store, as a system without the index would.
    this.directLoader = new CachedPixelLoader(source, new MaskCache(0));
    this.scanCounter = pool && new WorkerScanCounter((ids) => loadStoredPixels(store.db, ids), pool);
  }

  /** Loads every mask's CHI and metadata, then follows changes. */
  static async start(store: DatabaseHandle, options: MaskSearchOptions = {}): Promise<MaskSearch> {
    const service = new MaskSearch(store, options);
    await service.loadSnapshot();
    service.unlisten = await store.listen(
      CHANGES_CHANNEL,
      () => void service.catchUp(),
      () => void service.catchUp(),
    );
    await service.catchUp();
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

  /**
   * Registers images (new or updated) with the table. Only the snapshot and the change log call
   * it: rows read outside the log's order could overwrite a newer change.
   */
  private putImages(rows: readonly ImageRow[]): void {
    for (const row of rows) {
      this.table.putImage({
        id: row.id,
        key: row.key,
        width: row.width ?? 0,
        height: row.height ?? 0,
        label: row.label,
        split: row.split,
        tags: row.tags,
        boxes: row.boxes,
      });
    }
  }

  putModels(rows: readonly ModelRow[]): void {
    for (const row of rows) this.table.putModel(row.id, row.name);
  }

  /** Ingests files through a source; the masks are queryable as each group of files commits. */
  ingest(files: readonly IngestFile[], settings: IngestSettings): Promise<IngestSummary> {
    // Worker threads start on the first ingest: a server that never ingests should not hold them.
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
  }

  private async loadSnapshot(): Promise<void> {
    this.lastSeq = await getLatestChangeSeq(this.db);
    this.putModels(await listModels(this.db));
    for (let afterId: number | undefined; ; ) {
      const page = await listImages(this.db, { limit: 10_000, afterId });
      this.putImages(page.images);
      if (!page.hasNextPage) break;
      afterId = page.images[page.images.length - 1].id;
    }
    // A mask of an image committed after the list was read is left to the change log, where its
    // insert follows lastSeq (seq order is commit order).
    for await (const rows of streamMaskIndex(this.db)) this.putMaskRows(rows.filter((r) => this.table.hasImage(r.imageId)));
  }

  private putMaskRows(rows: readonly MaskIndexRow[]): void {
    for (const row of rows) {
      const entry = { id: row.id, imageId: row.imageId, width: row.width, height: row.height, encoding: row.encoding, modelId: row.modelId, maskType: row.maskType, source: row.source };
      this.table.putMask(entry, this.storedChi(row.chi, row.width, row.height));
      this.cachedLoader.forget(row.id);
    }
  }

  /**
   * The stored CHI if this index can use it. One of an older format (CHI1), of other levels (the
   * configuration changed) or that does not fit the mask is rebuilt when the mask is next loaded.
   */
  private storedChi(bytes: Uint8Array | null, width: number, height: number): Chi | null {
    if (!bytes) return null;
    try {
      const chi = deserializeChi(bytes);
      return sameConfig(chi, this.table.config) && chi.width === width && chi.height === height ? chi : null;
    } catch (error) {
      if (error instanceof InvalidChiError) return null;
      throw error;
    }
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
      const rows = await getMaskIndexRows(this.db, [...inserted]);
      for (const row of rows) if (!this.table.hasImage(row.imageId)) changedImages.add(row.imageId);
      this.putImages(await getImagesByIds(this.db, [...changedImages]));
      const unknownModels = rows.some((r) => r.modelId !== null && !this.table.hasModelId(r.modelId));
      if (unknownModels) this.putModels(await listModels(this.db));
      // An image deleted between the two reads took its masks along; their deletes are logged next.
      const put = rows.filter((r) => this.table.hasImage(r.imageId));
      this.putMaskRows(put);
      this.lastSeq = changes[changes.length - 1].seq;
      const applied: AppliedChanges = { insertedMasks: put.map((r) => r.id), deletedMasks: deleted, changedImages: [...changedImages] };
      for (const listener of this.changeListeners) listener(applied);
    }
  }

  private removeMask(id: number): void {
    this.table.removeMask(id);
    this.cachedLoader.forget(id);
  }

  private persistChi(id: number, chi: Chi): void {
    const write = updateMaskChi(this.db, id, serializeChi(chi)).catch((error) =>
      this.options.onBackgroundError?.(`storing the CHI of mask ${id} failed`, error),
    );
    this.chiWrites.add(write);
    void write.finally(() => this.chiWrites.delete(write));
  }
}
