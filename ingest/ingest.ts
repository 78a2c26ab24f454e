import type { Database } from '../db/client.js';
import { getImagesByKeys } from '../db/repositories/images.js';
import { MaskConflictError, type MaskConflictPolicy } from '../db/repositories/masks.js';
import { StoreError } from '../db/errors.js';
import { DEFAULT_MAX_PIXELS, SourceInputError, type MaskSource, type SourceContext } from '../plugins/kit/index.js';
import type { MaskEncoder } from './encoder.js';
import type { IngestFile, RejectedPath } from './input-files.js';
import { FileFailure, prepareFile, type PreparedFile } from './prepare-file.js';
import { giveWayWhenDue } from './give-way.js';
import { storeFiles, type StoredFile } from './store-files.js';

export interface IngestSettings {
  source: MaskSource<unknown>;
  /** The source's options, already parsed by its schema (see parseSourceOptions). */
  sourceOptions: unknown;
  model?: string;
  maskType?: string;
  keyRegex?: RegExp;
  onDuplicate: MaskConflictPolicy;
  createImages: boolean;
  /** The most pixels a mask (or an image it registers) may have; default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

export interface IngestProgress {
  filesDone: number;
  filesTotal: number;
  masksStored: number;
  filesFailed: number;
}

export interface IngestSummary {
  files: number;
  ingestedFiles: number;
  failures: RejectedPath[];
  masks: { inserted: number; replaced: number; skipped: number };
  createdImages: number;
  /** Stored bytes of the masks written: compressed pixels and CHIs. */
  bytes: { pixels: number; chi: number };
  elapsedMs: number;
}

export interface IngestTarget {
  db: Database;
  encoder: MaskEncoder;
  /** Called after each commit (the service catches up, so the engine sees the masks). */
  afterCommit?: () => Promise<void>;
  onProgress?: (progress: IngestProgress) => void;
  /** Files per transaction at most (default GROUP_FILES); 1 stores each file in its own. */
  groupFiles?: number;
}

/** A summary of nothing stored yet, but the paths rejected before reading. */
export function emptySummary(rejected: readonly RejectedPath[] = []): IngestSummary {
  return {
    files: rejected.length,
    ingestedFiles: 0,
    failures: [...rejected],
    masks: { inserted: 0, replaced: 0, skipped: 0 },
    createdImages: 0,
    bytes: { pixels: 0, chi: 0 },
    elapsedMs: 0,
  };
}

/**
 * Files committed together: one transaction per group keeps the database's per-commit cost off
 * each file. 256 rather than 64 took a 224×224 mask's CPU from 1.2 to 0.8 ms on the main thread
 * and from 0.48 to 0.38 ms in PostgreSQL (float32; uint8 0.7 → 0.55 and 0.26 → 0.17); 1,024 gained
 * nothing more (2,000 files each, load average 7–9).
 */
const GROUP_FILES = 256;
const GROUP_BYTES = 64 << 20;
/** Files being read (and encoded) ahead of the one being taken, at least. */
const READ_AHEAD_FILES = 8;
/** …but a slow stream of files still commits, so progress and queries follow along. */
const GROUP_WAIT_MS = 1000;

function failureReason(error: unknown, source: string): string {
  if (error instanceof FileFailure || error instanceof SourceInputError || error instanceof MaskConflictError) return error.message;
  if (error instanceof StoreError) return `the database refused it: ${error.message}`;
  return `source '${source}' failed on it: ${error instanceof Error ? error.message : String(error)}`;
}

const storedBytes = (file: PreparedFile) => file.masks.reduce((n, m) => n + m.stored.pixels.bytes.byteLength + m.stored.chi.byteLength, 0);

/**
 * Ingests files through a source: each file's masks (and the images and boxes it names) are
 * stored in full or not at all; a failing file is reported by name with the reason and the
 * others go on. Files are read and encoded several at a time (encoding in worker threads)
 * while earlier ones are being stored.
 */
export async function ingestFiles(target: IngestTarget, files: readonly IngestFile[], settings: IngestSettings, rejected: readonly RejectedPath[] = []): Promise<IngestSummary> {
  const started = performance.now();
  const summary = emptySummary(rejected);
  summary.files += files.length;
  const progress: IngestProgress = { filesDone: rejected.length, filesTotal: summary.files, masksStored: 0, filesFailed: rejected.length };
  const report = () => target.onProgress?.({ ...progress });
  const fail = (file: string, error: unknown) => {
    summary.failures.push({ file, reason: failureReason(error, settings.source.name) });
    progress.filesFailed++;
    progress.filesDone++;
  };

  // An image a file names may be created by an earlier file of this run that is not committed
  // yet: a source asking for its size waits until the earlier files are taken in order, and sees
  // the size the first of them gives, as if the files were ingested one after another.
  const declaredSizes = new Map<string, { width: number; height: number }>();
  const consumed = new ProgressSignal();
  const contextFor = (index: number): SourceContext => ({
    maxPixels: settings.maxPixels ?? DEFAULT_MAX_PIXELS,
    async imageSize(key) {
      const [image] = await getImagesByKeys(target.db, [key]);
      if (image?.width && image.height) return { width: image.width, height: image.height };
      await consumed.reach(index);
      return declaredSizes.get(key) ?? null;
    },
  });
  const declareSizes = (file: PreparedFile) => {
    for (const [key, size] of sizesDeclaredBy(file)) if (!declaredSizes.has(key)) declaredSizes.set(key, size);
  };
  const storeSettings = { source: settings.source.name, model: settings.model, onDuplicate: settings.onDuplicate, createImages: settings.createImages };

  const record = (stored: StoredFile, file: PreparedFile) => {
    summary.ingestedFiles++;
    summary.createdImages += stored.createdImages;
    stored.outcomes.forEach((outcome, i) => {
      summary.masks[outcome]++;
      if (outcome === 'skipped') return;
      summary.bytes.pixels += file.masks[i].stored.pixels.bytes.byteLength;
      summary.bytes.chi += file.masks[i].stored.chi.byteLength;
      progress.masksStored++;
    });
    progress.filesDone++;
  };

  const commit = async (group: PreparedFile[]) => {
    try {
      const stored = await storeFiles(target.db, group, storeSettings);
      stored.forEach((s, i) => record(s, group[i]));
      await giveWayWhenDue();
    } catch {
      // Which file's fault was it? Each alone, in order, so earlier files' effects stand for later ones.
      for (const file of group) {
        try {
          record((await storeFiles(target.db, [file], storeSettings))[0], file);
        } catch (error) {
          fail(file.name, error);
        }
      }
    }
    await target.afterCommit?.();
    report();
  };

  // Files are read and encoded ahead, consumed in order: enough to keep the encoder busy, and
  // never fewer than READ_AHEAD_FILES, so reading overlaps encoding even with no worker threads.
  const ahead: Promise<PreparedFile | { name: string; error: unknown }>[] = [];
  const readAhead = Math.max(target.encoder.concurrency, READ_AHEAD_FILES);
  let next = 0;
  const fill = () => {
    while (ahead.length < readAhead && next < files.length) {
      const index = next++;
      const file = files[index];
      ahead.push(
        prepareFile(file, { ...settings, context: contextFor(index), encoder: target.encoder }).catch((error: unknown) => ({ name: file.name, error })),
      );
    }
  };
  let group: PreparedFile[] = [];
  let groupBytes = 0;
  let groupSince = 0;
  let committing = Promise.resolve();
  // A commit's own errors are caught per file; this is for the hooks after it (afterCommit,
  // onProgress), rethrown once the files in flight have settled.
  let hookError: unknown;
  report();
  fill();
  while (ahead.length > 0) {
    const prepared = await ahead.shift()!;
    fill();
    if (!('error' in prepared)) declareSizes(prepared);
    consumed.advance();
    if ('error' in prepared) {
      fail(prepared.name, prepared.error);
      report();
      continue;
    }
    if (group.length === 0) groupSince = performance.now();
    group.push(prepared);
    groupBytes += storedBytes(prepared);
    if (group.length >= (target.groupFiles ?? GROUP_FILES) || groupBytes >= GROUP_BYTES || performance.now() - groupSince >= GROUP_WAIT_MS) {
      const ready = group;
      group = [];
      groupBytes = 0;
      await committing;
      committing = commit(ready).catch((error: unknown) => void (hookError ??= error));
    }
  }
  await committing;
  if (hookError !== undefined) throw hookError;
  if (group.length > 0) await commit(group);
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/** The sizes a file gives the images it names, as storeFiles would register them if new. */
function sizesDeclaredBy(file: PreparedFile): Map<string, { width: number; height: number }> {
  const sizes = new Map<string, { width: number; height: number }>();
  for (const [key, facts] of file.images) if (facts.width !== undefined && facts.height !== undefined) sizes.set(key, { width: facts.width, height: facts.height });
  for (const m of [...file.masks.filter((m) => m.imageAligned), ...file.masks]) {
    if (!sizes.has(m.imageKey)) sizes.set(m.imageKey, { width: m.stored.pixels.width, height: m.stored.pixels.height });
  }
  return sizes;
}

/** Counts steps and lets callers wait for a count to be reached. */
class ProgressSignal {
  private count = 0;
  private readonly waiting: { at: number; resolve: () => void }[] = [];

  advance(): void {
    this.count++;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i].at <= this.count) this.waiting.splice(i, 1)[0].resolve();
    }
  }

  reach(at: number): Promise<void> {
    return at <= this.count ? Promise.resolve() : new Promise((resolve) => this.waiting.push({ at, resolve }));
  }
}

export class SourceOptionsError extends Error {
  override name = 'SourceOptionsError';
}

/** The user's options for a source, checked by its schema; the error names the option. */
export function parseSourceOptions(source: MaskSource<unknown>, raw: unknown): unknown {
  const parsed = source.options.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? `option '${issue.path.join('.')}'` : 'options';
  throw new SourceOptionsError(`source '${source.name}': ${where}: ${issue.message}`);
}
