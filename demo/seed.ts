import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readImageFile } from '../ingest/image-file.js';
import { count, plural, seconds } from '../text/format.js';
import type { Database } from '../db/client.js';
import { upsertImages } from '../db/repositories/images.js';
import { changeImageTags } from '../db/repositories/image-tags.js';
import { upsertModels } from '../db/repositories/models.js';
import { parseSourceOptions, type IngestSettings, type IngestSummary } from '../ingest/ingest.js';
import { filesFromPaths, type IngestFile } from '../ingest/input-files.js';
import type { MaskSourceRegistry } from '../plugins/registry.js';
import { PLANTED_SCENARIOS, planImage, type PlantedScenario } from './dataset.js';
import { startGeneration, type Generation } from './generate.js';
import { FOLDERS, type ShardFiles, type ShardResult } from './shard.js';

/**
 * Seeds a store with the demo dataset the way a user would: write the files, register the
 * images from their JSON Lines lists (`masksearch images import`), then ingest the mask files
 * through the built-in sources (`masksearch ingest`). Batches of shards are imported and
 * ingested while the next ones are still being made. See README.md for the dataset.
 */

export const DEMO_MODEL = {
  name: 'demo-classifier',
  kind: 'classifier',
  metadata: { synthetic: true, description: 'saliency of the MaskSearch demo dataset: Grad-CAM-like maps on a 7×7 grid, procedurally generated' },
};

/**
 * Every synthetic image carries this tag, so that queries can keep the synthetic and the real
 * demo (demo/real) apart when both are in one store: an aggregation's where cannot name the model
 * of one member only.
 */
export const SYNTHETIC_TAG = 'synthetic';

export const SYNTHETIC_NOTICE =
  'the demo data is synthetic: procedurally generated pictures, saliency maps, eye fixations and segmentations (metadata.synthetic = true)';

/**
 * Shards imported and ingested together: enough files per ingest for its reading, encoding and
 * storing to overlap, few enough that storing starts soon after generating. The first batch is
 * the small first shard alone, so that every kind of mask lands within a second or so.
 */
const BATCH_SHARDS = 5;

/** The batches as [first, end) shard indices: the first shard alone, then BATCH_SHARDS at a time. */
function batchRanges(shards: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let at = 0; at < shards; ) {
    const end = Math.min(shards, at === 0 ? 1 : at + BATCH_SHARDS);
    ranges.push([at, end]);
    at = end;
  }
  return ranges;
}

export interface DemoSettings {
  seed: number;
  images: number;
  /** Where the files go, absolute: image uris point into it, so it must stay. */
  dir: string;
  /** Threads generating the files; see startGeneration. */
  workers?: number;
  /**
   * The generation of these settings, already started (a server starts it while it starts
   * itself); seedDemo closes it. Default: started here.
   */
  generation?: Generation;
  /** Stops between batches and, in a service, between ingested groups of files. */
  signal?: AbortSignal;
  /**
   * Runs once the first batch (the small first shard, every kind of mask) is stored, before the
   * rest; the shards go on being made meanwhile. The service seeds the rest of the real photos here.
   */
  afterFirstBatch?: () => Promise<void>;
}

/** Where the demo goes: a store opened by a command, or a running service. */
export interface DemoTarget {
  readonly db: Database;
  /** Ingests files as `masksearch ingest` does, telling how many files are done. */
  ingest(files: readonly IngestFile[], settings: IngestSettings, onFilesDone: (files: number) => void): Promise<IngestSummary>;
  /** Called after images are written: a service takes them in. */
  imported(): Promise<void>;
}

/** How seeding shows its progress: images made and masks stored, then lines saying what was done. */
export interface SeedReporter {
  start(images: number, masks: number): void;
  generated(images: number): void;
  stored(masks: number): void;
  line(text: string): void;
}

export type MaskKind = 'saliency' | 'segmentation' | 'human-attention';

export interface MaskCount {
  stored: number;
  /** Already in the store (from an earlier, interrupted or smaller, seeding of the same dataset). */
  skipped: number;
}

export interface DemoSummary {
  images: number;
  masks: Record<MaskKind, MaskCount>;
  planted: Record<PlantedScenario, number>;
  elapsedMs: number;
}

/** A failure of the demo's own files: a bug in the generator, never the user's doing. */
export class DemoSeedError extends Error {
  override name = 'DemoSeedError';
}

interface Ingest {
  kind: MaskKind;
  source: string;
  model?: string;
  file: (files: ShardFiles) => string | null;
  masks: (shard: ShardResult) => number;
}

/** `masksearch ingest --source S [--model M] FILES...` for each kind of mask. */
const INGESTS: readonly Ingest[] = [
  { kind: 'saliency', source: 'gradcam', model: DEMO_MODEL.name, file: (f) => f.saliency, masks: (s) => s.images },
  { kind: 'segmentation', source: 'segmentation', file: (f) => f.segmentation, masks: (s) => s.images },
  { kind: 'human-attention', source: 'eyetracking', file: (f) => f.fixations, masks: (s) => s.watched },
];

/** An ingest prepared for the run: its settings, and what it stored so far. */
interface PreparedIngest extends Ingest {
  settings: IngestSettings;
  count: MaskCount;
}

function prepareIngest(sources: MaskSourceRegistry, ingest: Ingest): PreparedIngest {
  const source = sources.get(ingest.source);
  if (!source) throw new DemoSeedError(`the built-in source '${ingest.source}' is not installed`);
  const settings: IngestSettings = {
    source,
    sourceOptions: parseSourceOptions(source, {}),
    model: ingest.model,
    // What a re-run finds already stored stays as it is: nothing is duplicated.
    onDuplicate: 'skip',
    // Every image is imported before its masks: a mask of an unknown image would be the generator's bug.
    createImages: false,
  };
  return { ...ingest, settings, count: { stored: 0, skipped: 0 } };
}

/** What the dataset holds, from the plan alone. */
function expected(seed: number, images: number): { masks: number; planted: DemoSummary['planted'] } {
  const planted = Object.fromEntries(PLANTED_SCENARIOS.map((s) => [s, 0])) as DemoSummary['planted'];
  let watched = 0;
  for (let i = 0; i < images; i++) {
    const plan = planImage(seed, i);
    if (plan.scenario !== 'normal') planted[plan.scenario]++;
    if (plan.humanAttention) watched++;
  }
  return { masks: 2 * images + watched, planted };
}

/** `masksearch images import LIST` for each shard's image list; returns the images imported. */
async function importImages(target: DemoTarget, batch: readonly ShardResult[]): Promise<number> {
  let imported = 0;
  for (const shard of batch) {
    const records = await readImageFile(shard.files.imageList);
    await upsertImages(target.db, records);
    await changeImageTags(target.db, { keys: records.map((r) => r.key) }, { add: [SYNTHETIC_TAG], remove: [] });
    imported += records.length;
  }
  await target.imported();
  return imported;
}

/** `masksearch ingest` of one kind of mask file of the batch; reports the masks stored as files complete. */
async function ingestBatch(target: DemoTarget, ingest: PreparedIngest, batch: readonly ShardResult[], dir: string, onStored: (masks: number) => void): Promise<void> {
  const inputs = batch.filter((shard) => ingest.file(shard.files) !== null);
  const { files, rejected } = await filesFromPaths(
    inputs.map((shard) => ingest.file(shard.files)!),
    ingest.settings.source.inputs.flatMap((i) => i.extensions),
  );
  // Files are stored in order, so the masks done after n files are the first n files' masks.
  const masksAfter = [0];
  for (const shard of inputs) masksAfter.push(masksAfter[masksAfter.length - 1] + ingest.masks(shard));
  const summary = await target.ingest(files, ingest.settings, (done) => onStored(masksAfter[done]));
  const failures = [...rejected, ...summary.failures];
  if (failures.length > 0) {
    throw new DemoSeedError(`the ${ingest.source} source refused demo files: ${failures.map((f) => `${relative(dir, f.file)}: ${f.reason}`).join('; ')}`);
  }
  ingest.count.stored += summary.masks.inserted + summary.masks.replaced;
  ingest.count.skipped += summary.masks.skipped;
}

export async function seedDemo(target: DemoTarget, sources: MaskSourceRegistry, settings: DemoSettings, reporter: SeedReporter): Promise<DemoSummary> {
  const started = performance.now();
  const { dir, signal } = settings;
  const plan = expected(settings.seed, settings.images);
  const ingests = INGESTS.map((ingest) => prepareIngest(sources, ingest));
  reporter.start(settings.images, plan.masks);

  // The rest of the shards is made once the first batch is stored (or seeding ends).
  const generation = settings.generation ?? (await startGeneration(settings));
  let generated = 0;
  let generatedMs = 0;
  for (const shard of generation.shards) {
    // A shard abandoned by a stop rejects; the loop below reports that, not this count.
    shard.then(
      (made) => {
        reporter.generated((generated += made.images));
        generatedMs = performance.now() - started;
      },
      () => {},
    );
  }
  let imported = 0;
  let stored = 0;
  try {
    await upsertModels(target.db, [DEMO_MODEL]);
    for (const [index, [first, end]] of batchRanges(generation.shards.length).entries()) {
      const batch = await Promise.all(generation.shards.slice(first, end));
      signal?.throwIfAborted();
      imported += await importImages(target, batch);
      for (const ingest of ingests) {
        signal?.throwIfAborted();
        const before = stored;
        await ingestBatch(target, ingest, batch, dir, (masks) => reporter.stored((stored = before + masks)));
      }
      if (index === 0) {
        generation.makeRest();
        await settings.afterFirstBatch?.();
      }
    }
  } finally {
    await generation.close();
  }
  // The store now holds the saliency maps; their raw arrays would keep 50 KB per image on disk.
  await rm(join(dir, FOLDERS.saliency), { recursive: true, force: true });

  reporter.line(`made ${plural(generated, 'image')} and their mask files in ${seconds(generatedMs)}, in ${dir} (the saliency arrays removed once stored)`);
  reporter.line(`imported ${plural(imported, 'image')} from the image lists in ${join(dir, FOLDERS.imageLists)}`);
  for (const ingest of ingests) {
    const already = ingest.count.skipped > 0 ? ` (${count(ingest.count.skipped)} were already there)` : '';
    reporter.line(`ingested ${count(ingest.count.stored)} ${ingest.kind} masks through the ${ingest.source} source${ingest.model ? `, model ${ingest.model}` : ''}${already}`);
  }
  return {
    images: imported,
    masks: Object.fromEntries(ingests.map((ingest) => [ingest.kind, ingest.count])) as DemoSummary['masks'],
    planted: plan.planted,
    elapsedMs: performance.now() - started,
  };
}
