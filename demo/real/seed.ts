import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseImageFile } from '../../ingest/image-file.js';
import { plural, seconds } from '../../text/format.js';
import { upsertImages } from '../../db/repositories/images.js';
import { changeImageTags } from '../../db/repositories/image-tags.js';
import { upsertModels } from '../../db/repositories/models.js';
import { parseSourceOptions, type IngestSettings } from '../../ingest/ingest.js';
import { filesFromPaths } from '../../ingest/input-files.js';
import type { MaskSourceRegistry } from '../../plugins/registry.js';
import { DemoSeedError, type DemoTarget, type SeedReporter } from '../seed.js';
import { writePhotos, type PhotoTask } from './photos.js';

/**
 * The real-data demo: photographs of the NUS Scene eye-tracking dataset with the fixations of
 * its 12 observers, and the attention maps and object boxes of a real detector, computed once by
 * `model/compute-masks.mjs` and committed in `data/` (see README.md). Seeded as a user would:
 * the images imported from their JSON Lines list, the model's maps ingested through the gradcam
 * source, the fixations through the eyetracking source (which renders them as density maps).
 */

export const REAL_DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));

/** Every real photo carries this tag: the scenario queries select the real data by it. */
export const REAL_TAG = 'nus-scene';

export const REAL_MODEL = {
  name: 'centernet-coco',
  kind: 'detector',
  metadata: {
    description:
      "CenterNet (MobileNetV3) COCO detector shipped with @vladmandic/human 3.3.6 (MIT); its attention map is the maximum over the 80 classes' centre heatmaps, blurred at one degree (σ = 1/30 of the side) and min-max normalised",
    licence: 'MIT (@vladmandic/human; model from github.com/610265158/mobilenetv3_centernet)',
  },
};

export interface RealSummary {
  images: number;
  saliency: number;
  humanAttention: number;
  elapsedMs: number;
}

function settingsOf(sources: MaskSourceRegistry, name: string, model?: string): IngestSettings {
  const source = sources.get(name);
  if (!source) throw new DemoSeedError(`the built-in source '${name}' is not installed`);
  return { source, sourceOptions: parseSourceOptions(source, {}), model, onDuplicate: 'skip', createImages: false };
}

async function ingestAll(target: DemoTarget, settings: IngestSettings, paths: readonly string[], onStored: (masks: number) => void): Promise<number> {
  const { files, rejected } = await filesFromPaths(paths, settings.source.inputs.flatMap((i) => i.extensions));
  const summary = await target.ingest(files, settings, () => {});
  const failures = [...rejected, ...summary.failures];
  if (failures.length > 0) throw new DemoSeedError(`the ${settings.source.name} source refused real demo files: ${failures.map((f) => `${f.file}: ${f.reason}`).join('; ')}`);
  const stored = summary.masks.inserted + summary.masks.replaced + summary.masks.skipped;
  onStored(stored);
  return stored;
}

/**
 * The people's fixations on these photos only, as a file of their own in `dir`: the eyetracking
 * source stores a file whole or not at all, and the full file names photos not imported yet.
 */
async function fixationsOf(keys: ReadonlySet<string>, dir: string, name: string): Promise<string> {
  const all = JSON.parse(await readFile(join(REAL_DATA_DIR, 'fixations.json'), 'utf8')) as { image: string }[];
  const path = join(dir, `fixations-${name}.json`);
  await writeFile(path, JSON.stringify(all.filter((entry) => keys.has(entry.image.replace(/\.jpg$/, '')))));
  return path;
}

export interface RealDemoOptions {
  /** Ends it between steps. */
  signal?: AbortSignal;
  /** Only the first photos (by key), with their masks: a slice that lands in a moment, the rest seeded later. */
  photos?: number;
  /**
   * What an earlier call with `photos` seeded: its photos are neither written nor ingested again
   * (they would only be skipped as already stored), and its counts are part of this call's.
   */
  after?: RealSummary;
  /** Writes the slice's photos as PNG (writePhotos); a server runs it in the demo generator's threads. Default: on this thread. */
  writePhotos?: (task: PhotoTask) => Promise<Map<string, string>>;
}

/**
 * Seeds the real photos into `dir` (their PNGs) and the store; harmless to re-run (what is there
 * is skipped). A first slice (options.photos) is completed by a call with `after` set to its
 * summary, or by running it again without either.
 */
export async function seedRealDemo(target: DemoTarget, sources: MaskSourceRegistry, dir: string, reporter: SeedReporter, options: RealDemoOptions = {}): Promise<RealSummary> {
  const { signal, after } = options;
  const before = { images: after?.images ?? 0, masks: (after?.saliency ?? 0) + (after?.humanAttention ?? 0) };
  const started = performance.now();
  signal?.throwIfAborted();
  const all = parseImageFile(await readFile(join(REAL_DATA_DIR, 'images.jsonl'), 'utf8'), 'images.jsonl');
  // The plan is the whole demo, slice or not: progress counts towards it.
  reporter.start(all.length, all.length * 2);
  const records = [...all].sort((a, b) => a.key.localeCompare(b.key)).slice(before.images, options.photos ?? all.length);
  const keys = new Set(records.map((r) => r.key));
  const uris = await (options.writePhotos ?? writePhotos)({ dir, keys: records.map((r) => r.key) });
  signal?.throwIfAborted();
  await upsertImages(
    target.db,
    records.map((r) => ({ ...r, uri: uris.get(r.key) ?? null })),
  );
  await changeImageTags(target.db, { keys: records.map((r) => r.key) }, { add: [REAL_TAG], remove: [] });
  await target.imported();
  reporter.generated(before.images + records.length);
  signal?.throwIfAborted();
  await upsertModels(target.db, [REAL_MODEL]);
  const whole = records.length === all.length;
  const saliencyFiles = whole ? [join(REAL_DATA_DIR, 'saliency')] : records.map((r) => join(REAL_DATA_DIR, 'saliency', `${r.key}.png`));
  const saliency = await ingestAll(target, settingsOf(sources, 'gradcam', REAL_MODEL.name), saliencyFiles, (m) => reporter.stored(before.masks + m));
  signal?.throwIfAborted();
  const fixations = whole ? join(REAL_DATA_DIR, 'fixations.json') : await fixationsOf(keys, dir, after ? `after-${before.images}` : `first-${keys.size}`);
  const humanAttention = await ingestAll(target, settingsOf(sources, 'eyetracking'), [fixations], (m) => reporter.stored(before.masks + saliency + m));
  const summary = {
    images: before.images + records.length,
    saliency: (after?.saliency ?? 0) + saliency,
    humanAttention: (after?.humanAttention ?? 0) + humanAttention,
    elapsedMs: performance.now() - started,
  };
  const slice = summary.images < all.length;
  reporter.line(
    `real demo${slice ? ', first slice' : ''}: ${plural(summary.images, 'NUS Scene photo')} (tag ${REAL_TAG}), ${plural(summary.saliency, 'saliency map')} of ${REAL_MODEL.name}, ` +
      `${plural(summary.humanAttention, 'human-attention map')} from the fixations of 12 observers, in ${seconds(performance.now() - started)}`,
  );
  return summary;
}
