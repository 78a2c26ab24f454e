import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DATA_DIR } from '../../db/client.js';
import { MAX_IMAGES } from '../../demo/dataset.js';
import { combinedReporter } from '../../demo/combined-reporter.js';
import { terminalReporter } from '../../demo/progress.js';
import { SYNTHETIC_NOTICE, seedDemo, type DemoSummary } from '../../demo/seed.js';
import { DemoConflict, demoState } from '../../demo/store-state.js';
import { seedRealDemo, type RealDemoOptions } from '../../demo/real/seed.js';
import { serviceTarget, storeTarget } from '../../demo/targets.js';
import { startGeneration, type Generation } from '../../demo/generate.js';
import { photoKeys, type PhotoTask } from '../../demo/real/photos.js';
import type { Database } from '../../db/client.js';
import type { SeedReporter } from '../../demo/seed.js';
import type { SeedingStatus } from '../../search/seeding-status.js';
import { listImages } from '../../db/repositories/images.js';
import { loadSourceRegistry } from '../../plugins/config.js';
import type { MaskSearch } from '../../search/mask-search.js';
import { CliError } from '../errors.js';
import { rootMessage } from '../../text/errors.js';
import { count, plural, seconds } from '../../text/format.js';
import { StoreInUse } from '../store-lock.js';
import { openStore, storeLocation, withStoreOptions, type StoreLocation, type StoreOptionValues } from '../store.js';

export const DEFAULT_DEMO_IMAGES = 5_000;
export const DEFAULT_SEED = 1;

interface DemoOptions extends StoreOptionValues {
  images: number;
  seed: number;
  files?: string;
  real?: boolean;
}

const integer = (min: number, max: number) => (text: string) => {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};

/** The demo's files: in the embedded store's directory, or ./.masksearch/demo beside a PostgreSQL store. */
export function defaultDemoDir(location: StoreLocation): string {
  return resolve(join(location.kind === 'pglite' ? location.dataDir : DEFAULT_DATA_DIR, 'demo'));
}

export function demoCommand(): Command {
  return withStoreOptions(new Command('demo'))
    .description(
      'seed the store with the demo dataset: synthetic pictures with saliency (model demo-classifier), human attention and ' +
        'segmentation masks, with planted cases for the three example queries; written as files, then imported and ingested ' +
        'through the built-in sources. Deterministic; running it again completes or keeps what is there',
    )
    .option('--images <n>', 'how many images', integer(1, MAX_IMAGES), DEFAULT_DEMO_IMAGES)
    .option('--seed <n>', 'the random seed: one seed, one dataset', integer(0, 2 ** 32 - 1), DEFAULT_SEED)
    .option('--files <dir>', 'where to write the files; the pictures must stay there for the service to show them (default: DATA_DIR/demo)')
    .option(
      '--real',
      'seed the real-data demo instead: 80 NUS Scene photographs with the fixations of 12 observers (human-attention) and the attention maps and boxes of a real COCO detector (model centernet-coco), all committed in demo/real/data',
    )
    .action((options: DemoOptions) => demo(options));
}

export function summaryLine(summary: DemoSummary): string {
  const { masks, planted } = summary;
  const stored = masks.saliency.stored + masks.segmentation.stored + masks['human-attention'].stored;
  const skipped = masks.saliency.skipped + masks.segmentation.skipped + masks['human-attention'].skipped;
  const of = (kind: keyof DemoSummary['masks']) => count(masks[kind].stored + masks[kind].skipped);
  return (
    `demo dataset ready in ${seconds(summary.elapsedMs)}: ${plural(summary.images, 'image')}, ` +
    `${plural(stored, 'mask')} stored${skipped > 0 ? ` (${count(skipped)} were already there)` : ''} — ` +
    `saliency ${of('saliency')}, segmentation ${of('segmentation')}, human-attention ${of('human-attention')}; ` +
    `planted: ${count(planted['background-focus'])} background-focus, ${count(planted.dispersed)} dispersed (attacked), ` +
    `${count(planted['human-disagrees'])} human-disagrees`
  );
}

/** Where the real demo's photos go, as PNG files the service renders overlays from. */
const realPhotosDir = (demoDir: string) => join(demoDir, 'real-photos');

async function demo(options: DemoOptions): Promise<void> {
  const location = storeLocation(options);
  const dir = options.files ? resolve(options.files) : defaultDemoDir(location);
  const sources = await loadSourceRegistry();
  let store;
  try {
    store = await openStore(location, 'demo');
  } catch (error) {
    if (error instanceof StoreInUse && error.holder.command === 'serve') {
      const { pid, url } = error.holder;
      throw new CliError(
        `${location.label} is in use by a MaskSearch server (pid ${pid}${url ? `, ${url}` : ''}); the demo writes into the store directly, ` +
          'so stop the server and run masksearch demo again (a server started on an empty store seeds the demo itself)',
      );
    }
    throw error;
  }
  const target = storeTarget(store.handle.db);
  const reporter = terminalReporter();
  try {
    if (options.real) {
      console.log(`seeding ${location.label} with the real-data demo (photos as PNG in ${realPhotosDir(dir)})`);
      await seedRealDemo(target, sources, realPhotosDir(dir), reporter);
      return;
    }
    let state;
    try {
      state = await demoState(store.handle.db, options.seed, options.images);
    } catch (error) {
      if (!(error instanceof DemoConflict)) throw error;
      throw new CliError(`${error.message} (was it seeded with another --seed?); seed another store (--data-dir) or give that seed`);
    }
    if (state === 'complete') {
      console.log(`${location.label} already holds the demo dataset (${plural(options.images, 'image')}, seed ${options.seed}); nothing to do`);
      return;
    }
    console.log(
      `${state === 'partial' ? 'completing' : 'seeding'} ${location.label} with the demo dataset: ${plural(options.images, 'image')}, seed ${options.seed}, files in ${dir}`,
    );
    console.log(SYNTHETIC_NOTICE);
    const summary = await seedDemo(target, sources, { seed: options.seed, images: options.images, dir }, reporter);
    console.log(summaryLine(summary));
  } finally {
    reporter.stop();
    await target.close();
    await store.close();
  }
}

/** Real photos seeded before the synthetic demo's first shard: enough for each real preset to answer over. */
const FIRST_REAL_PHOTOS = 12;

/** The demo's files for a server to seed, started before it is ready (startDemoFiles). */
export interface DemoFiles {
  readonly dir: string;
  readonly dataset: { images: number; seed: number };
  readonly generation: Generation;
  /** The real photos as PNG, in the generation's threads; the first slice's were started with them. */
  writePhotos(task: PhotoTask): Promise<Map<string, string>>;
}

/**
 * On a store without any image, starts making the demo's first files in the generator's thread:
 * the synthetic demo's first shard and the first real photos as PNG. A server calls it as soon as
 * its store is open, so that they are made while it starts (loading the schema takes a second or
 * more), not after it says it is ready, when a page opened then waits for them. Null on a store
 * that has images. seedDemoIntoEmptyStore takes them over; until then, closing the generation
 * stops them.
 */
export async function startDemoFiles(db: Database, dir: string, dataset = { images: DEFAULT_DEMO_IMAGES, seed: DEFAULT_SEED }): Promise<DemoFiles | null> {
  if ((await listImages(db, { limit: 1 })).images.length > 0) return null;
  const generation = await startGeneration({ ...dataset, dir });
  const first: PhotoTask = { dir: realPhotosDir(dir), keys: (await photoKeys()).slice(0, FIRST_REAL_PHOTOS) };
  const firstPhotos = generation.writePhotos(first);
  // Awaited by the seeding; a stop before it must not leave the rejection unhandled.
  firstPhotos.catch(() => {});
  const isFirst = (task: PhotoTask) => task.dir === first.dir && task.keys.join('\n') === first.keys.join('\n');
  return { dir, dataset, generation, writePhotos: (task) => (isFirst(task) ? firstPhotos : generation.writePhotos(task)) };
}

/** A terminal reporter that also tells the server's seeding status, for the explorer to show. */
function statusReporter(inner: SeedReporter, status: SeedingStatus | undefined): SeedReporter {
  return {
    start(images, masks) {
      status?.planned(images, masks);
      inner.start(images, masks);
    },
    generated(images) {
      status?.made(images);
      inner.generated(images);
    },
    stored(masks) {
      status?.stored(masks);
      inner.stored(masks);
    },
    line: (text) => inner.line(text),
  };
}

/**
 * `masksearch serve` on a store without any image (`files` from startDemoFiles; null: the store
 * has images, nothing to do): seeds the real-data demo (a few seconds) and the synthetic one
 * through the running service, which shows each batch as it lands. A slice of each comes first —
 * a dozen photos with both their masks, then the synthetic demo's small first shard — so that
 * every preset has data to answer over within a second or two (the real slice first: its card
 * leads the landing view, and the synthetic presets then still answer in time, bench/README.md);
 * then the rest of the photos, then the rest of the synthetic demo. A stop request ends the
 * seeding between batches; a failure is reported and the server keeps serving. `status` tells
 * clients how far it got, over both datasets.
 */
export async function seedDemoIntoEmptyStore(service: MaskSearch, files: DemoFiles | null, stopRequested: Promise<void>, status?: SeedingStatus): Promise<void> {
  if (!files) return;
  const { dir, dataset } = files;
  console.log(
    `the store is empty: seeding the real-data demo and the synthetic demo dataset (${plural(dataset.images, 'image')}, seed ${dataset.seed}, files in ${dir}), ` +
      'a first slice of each, then the rest; queries see it as it lands. Start with --no-demo to skip this',
  );
  const stop = new AbortController();
  void stopRequested.then(() => stop.abort());
  const reporter = terminalReporter();
  const progress = combinedReporter(statusReporter(reporter, status));
  const [real, synthetic] = [progress.part(), progress.part()];
  const target = serviceTarget(service, stop.signal);
  const photos = realPhotosDir(dir);
  try {
    status?.started(`real photos (NUS Scene) and synthetic demo (${plural(dataset.images, 'image')})`);
    console.log(SYNTHETIC_NOTICE);
    const seedReal = (options: RealDemoOptions) => seedRealDemo(target, service.sources, photos, real, { signal: stop.signal, writePhotos: files.writePhotos, ...options });
    const slice = await seedReal({ photos: FIRST_REAL_PHOTOS });
    const summary = await seedDemo(
      target,
      service.sources,
      {
        ...dataset,
        dir,
        signal: stop.signal,
        generation: files.generation,
        // The rest of the photos, not the slice's again: they are stored already.
        afterFirstBatch: async () => void (await seedReal({ after: slice })),
      },
      synthetic,
    );
    console.log(summaryLine(summary));
    status?.ended('done');
  } catch (error) {
    reporter.stop();
    if (stop.signal.aborted) {
      console.log('seeding the demo stopped before it was complete; `masksearch demo` completes it');
      status?.ended('stopped', 'the server is stopping');
    } else {
      console.error(`masksearch: seeding the demo failed: ${rootMessage(error)}`);
      status?.ended('failed', rootMessage(error));
    }
  } finally {
    await files.generation.close();
  }
}
