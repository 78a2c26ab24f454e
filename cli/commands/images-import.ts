import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { Database } from '../../db/client.js';
import { chunks } from '../../db/repositories/batching.js';
import { getImagesByKeys, upsertImages, type NewImage } from '../../db/repositories/images.js';
import { CliError } from '../errors.js';
import { rootMessage } from '../../text/errors.js';
import { count, plural, seconds } from '../../text/format.js';
import { readImageFile } from '../../ingest/image-file.js';
import { handOffHeaders } from '../ingest-through-server.js';
import { StoreInUse } from '../store-lock.js';
import { openStore, storeLocation, withStoreOptions, type OpenStore, type StoreOptionValues } from '../store.js';

/** Below this a bar would only flash. */
const PROGRESS_MIN_IMAGES = 5_000;
const BATCH = 1_000;

export function imagesImportCommand(): Command {
  return withStoreOptions(new Command('import'))
    .description(
      'register images, or replace them by key, from a JSON array or JSON Lines file of ' +
        '{key, width, height, uri?, label?, split?, boxes?: {NAME: [x, y, w, h]}, metadata?}; the whole file or nothing',
    )
    .argument('<file>', 'the JSON or JSON Lines file')
    .action((file: string, options: StoreOptionValues) => importImages(file, options));
}

async function importImages(file: string, options: StoreOptionValues): Promise<void> {
  const location = storeLocation(options);
  const started = performance.now();
  const records = await readImageFile(file);
  if (records.length === 0) {
    console.log(`${file} holds no images; nothing to import`);
    return;
  }
  let store: OpenStore;
  try {
    store = await openStore(location, 'images import');
  } catch (error) {
    // A server holding the embedded store can still take the images, in one transaction as here.
    if (error instanceof StoreInUse && error.holder.command === 'serve' && error.holder.url) {
      await importThroughServer(records, error, started);
      return;
    }
    throw error;
  }
  try {
    const { created, updated } = await upsertWithProgress(store.handle.db, records).catch((error: unknown) => {
      throw new CliError(`importing into ${location.label} failed, so none of ${file} was imported: ${rootMessage(error)}`);
    });
    console.log(`imported ${plural(records.length, 'image')} (${count(created)} new, ${count(updated)} updated) in ${seconds(performance.now() - started)}`);
  } finally {
    await store.close();
  }
}

/** upsertImages in batches inside one transaction: all-or-nothing as one call, with progress. */
async function upsertWithProgress(db: Database, records: readonly NewImage[]): Promise<{ created: number; updated: number }> {
  const bar =
    process.stderr.isTTY && records.length >= PROGRESS_MIN_IMAGES
      ? new SingleBar({ format: 'importing images [{bar}] {percentage}% {value}/{total}', stream: process.stderr, clearOnComplete: true, hideCursor: true })
      : undefined;
  bar?.start(records.length, 0);
  let updated = 0;
  try {
    await db.transaction(async (tx) => {
      for (const batch of chunks(records, BATCH)) {
        updated += (await getImagesByKeys(tx, batch.map((r) => r.key))).length;
        await upsertImages(tx, batch);
        bar?.increment(batch.length);
      }
    });
  } finally {
    bar?.stop();
  }
  return { created: records.length - updated, updated };
}

const UPSERT_IMAGES = 'mutation ($images: [MaskSearchImageInput!]!) { upsertImages(images: $images) { id } }';

async function importThroughServer(records: readonly NewImage[], inUse: StoreInUse, started: number): Promise<void> {
  const { url, pid } = inUse.holder;
  const server = `the MaskSearch server using ${inUse.dataDir} (pid ${pid}, ${url})`;
  const images = records.map(({ boxes, ...image }) => ({
    ...image,
    boxes: Object.entries(boxes ?? {}).map(([name, [x, y, width, height]]) => ({ name, x, y, width, height })),
  }));
  let response: Response;
  try {
    response = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...handOffHeaders(inUse) },
      body: JSON.stringify({ query: UPSERT_IMAGES, variables: { images } }),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${server}: ${rootMessage(error)}`);
  }
  const body = (await response.json().catch(() => undefined)) as { errors?: { message: string }[] } | undefined;
  if (!body) throw new CliError(`${server} answered the import with HTTP ${response.status} and no GraphQL result`);
  if (body.errors?.length) throw new CliError(`${server} refused the import: ${body.errors[0].message}; stop it to import the file directly`);
  console.log(`imported ${plural(records.length, 'image')} through ${server} in ${seconds(performance.now() - started)}`);
}
