import type { Database } from '../db/client.js';
import { DEFAULT_CHI_CONFIG } from '../engine/index.js';
import { createMaskEncoder, type MaskEncoder } from '../ingest/encoder.js';
import { ingestFiles, type IngestSummary } from '../ingest/ingest.js';
import type { MaskSearch } from '../search/mask-search.js';
import type { DemoTarget } from './seed.js';

/** Files per service.ingest call: about a second of work, so progress and a stop request are never far off. */
const FILES_PER_CALL = 4;
/**
 * An ingest of this many files or fewer goes in one call: the real demo's first slice, a dozen
 * maps of one mask each, then commits once instead of three times (a commit and catching up with
 * it cost 50–150 ms of the server's thread, on the way to the first answers).
 */
const ONE_CALL_FILES = 16;

/** A store a command opened: ingested as `masksearch ingest` does, encoding in worker threads. */
export function storeTarget(db: Database): DemoTarget & { close(): Promise<void> } {
  let encoder: MaskEncoder | undefined;
  return {
    db,
    ingest(files, settings, onFilesDone) {
      // Started on the first ingest, so the generator's threads have the cores to themselves before.
      encoder ??= createMaskEncoder({ chi: DEFAULT_CHI_CONFIG });
      return ingestFiles({ db, encoder, onProgress: (p) => onFilesDone(p.filesDone) }, files, settings);
    },
    imported: async () => {},
    close: async () => encoder?.close(),
  };
}

function addSummaries(a: IngestSummary, b: IngestSummary): IngestSummary {
  return {
    files: a.files + b.files,
    ingestedFiles: a.ingestedFiles + b.ingestedFiles,
    failures: [...a.failures, ...b.failures],
    masks: { inserted: a.masks.inserted + b.masks.inserted, replaced: a.masks.replaced + b.masks.replaced, skipped: a.masks.skipped + b.masks.skipped },
    createdImages: a.createdImages + b.createdImages,
    bytes: { pixels: a.bytes.pixels + b.bytes.pixels, chi: a.bytes.chi + b.bytes.chi },
    elapsedMs: a.elapsedMs + b.elapsedMs,
  };
}

const NOTHING: IngestSummary = {
  files: 0,
  ingestedFiles: 0,
  failures: [],
  masks: { inserted: 0, replaced: 0, skipped: 0 },
  createdImages: 0,
  bytes: { pixels: 0, chi: 0 },
  elapsedMs: 0,
};

/**
 * A running service: images are taken in by catching up with the change log, masks go through
 * service.ingest, so its engine sees each group as it commits. service.ingest reports no
 * progress, so it is called with a few files at a time.
 */
export function serviceTarget(service: MaskSearch, signal?: AbortSignal): DemoTarget {
  return {
    db: service.db,
    async ingest(files, settings, onFilesDone) {
      let summary = NOTHING;
      const perCall = files.length <= ONE_CALL_FILES ? files.length : FILES_PER_CALL;
      for (let at = 0; at < files.length; at += perCall) {
        signal?.throwIfAborted();
        summary = addSummaries(summary, await service.ingest(files.slice(at, at + perCall), settings));
        onFilesDone(summary.files);
      }
      return summary;
    },
    imported: () => service.catchUp(),
  };
}
