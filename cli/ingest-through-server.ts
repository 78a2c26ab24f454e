import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { emptySummary, type IngestSettings, type IngestSummary } from '../ingest/ingest.js';
import type { IngestFile, RejectedPath } from '../ingest/input-files.js';
import { CliError } from './errors.js';
import { rootMessage } from '../text/errors.js';
import { ingestProgressBar } from './ingest-report.js';
import type { StoreInUse } from './store-lock.js';

const INGEST_MASKS = `mutation ($source: String!, $files: [Upload!]!, $options: MaskSearchIngestOptions) {
  ingestMasks(source: $source, files: $files, options: $options) {
    files ingestedFiles insertedMasks replacedMasks skippedMasks createdImages pixelBytes indexBytes elapsedMs
    failures { file reason }
  }
}`;

/** Files per request: big enough to amortise a request, small enough for the progress bar to move. */
const FILES_PER_REQUEST = 200;
/** Bytes per request, under the server's body limit (25 MB) with room for the multipart framing. */
export const BYTES_PER_REQUEST = 20_000_000;

/** The headers every hand-off sends: the server's operator secret, and the CSRF header multipart needs. */
export const handOffHeaders = (inUse: StoreInUse): Record<string, string> => ({
  ...(inUse.holder.token ? { authorization: `Bearer ${inUse.holder.token}` } : {}),
  'x-graphql-yoga-csrf': 'masksearch-cli',
});

interface RemoteSummary {
  files: number;
  ingestedFiles: number;
  insertedMasks: number;
  replacedMasks: number;
  skippedMasks: number;
  createdImages: number;
  pixelBytes: number;
  indexBytes: number;
  failures: { file: string; reason: string }[];
}

/**
 * Companions of a file on disk (same stem, another ending: `batch.keys.txt` for `batch.npy`),
 * sent along so the source finds sidecars such as key lists. Files the source reads are inputs of
 * their own, never companions.
 */
async function companions(file: IngestFile, inputExtensions: readonly string[]): Promise<{ path: string; name: string }[]> {
  const dir = dirname(file.name);
  const stem = basename(file.name, extname(file.name));
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries
    .filter((entry) => entry.startsWith(`${stem}.`) && !inputExtensions.includes(extname(entry).toLowerCase()))
    .map((entry) => ({ path: join(dir, entry), name: entry }));
}

interface Upload {
  name: string;
  bytes: Uint8Array;
}

/**
 * The files and their companions as requests of at most FILES_PER_REQUEST inputs and
 * BYTES_PER_REQUEST bytes, read as they are sent (never all at once). The server sees upload
 * names without folders, so a request never holds two uploads of one name: a `batch.npy` of
 * another folder goes to the next request, with its own `batch.keys.txt`. A file that alone
 * exceeds the byte limit is yielded as too large, for the summary.
 */
async function* requests(
  files: readonly IngestFile[],
  inputExtensions: readonly string[],
): AsyncGenerator<{ inputs: IngestFile[]; uploads: Upload[] } | { tooLarge: IngestFile; bytes: number }> {
  let inputs: IngestFile[] = [];
  let uploads: Upload[] = [];
  let bytes = 0;
  const names = new Set<string>();
  for (const file of files) {
    const withCompanions = [{ path: file.name, name: basename(file.name) }, ...(await companions(file, inputExtensions))];
    const own: Upload[] = [{ name: file.name, bytes: await file.read() }];
    for (const companion of withCompanions.slice(1)) own.push({ name: companion.path, bytes: await readFile(companion.path) });
    const ownBytes = own.reduce((sum, u) => sum + u.bytes.byteLength, 0);
    if (ownBytes > BYTES_PER_REQUEST) {
      yield { tooLarge: file, bytes: ownBytes };
      continue;
    }
    if (inputs.length === FILES_PER_REQUEST || bytes + ownBytes > BYTES_PER_REQUEST || withCompanions.some((u) => names.has(u.name))) {
      if (inputs.length > 0) yield { inputs, uploads };
      inputs = [];
      uploads = [];
      bytes = 0;
      names.clear();
    }
    inputs.push(file);
    uploads.push(...own);
    bytes += ownBytes;
    for (const u of withCompanions) names.add(u.name);
  }
  if (inputs.length > 0) yield { inputs, uploads };
}

/**
 * Sends files to the server holding the embedded store, as GraphQL multipart requests, and adds
 * up its answers. Upload names are the paths as given, so failures read as they would locally.
 */
export async function ingestThroughServer(
  inUse: StoreInUse,
  files: readonly IngestFile[],
  rejected: readonly RejectedPath[],
  settings: IngestSettings,
): Promise<IngestSummary> {
  const { url, pid } = inUse.holder;
  const server = `the MaskSearch server using ${inUse.dataDir} (pid ${pid}, ${url})`;
  const started = performance.now();
  const total = emptySummary(rejected);
  const options = {
    model: settings.model,
    maskType: settings.maskType,
    keyRegex: settings.keyRegex?.source,
    onDuplicate: settings.onDuplicate.toUpperCase(),
    createImages: settings.createImages,
    sourceOptions: settings.sourceOptions,
  };
  const bar = ingestProgressBar();
  try {
    const inputExtensions = settings.source.inputs.flatMap((i) => i.extensions);
    for await (const request of requests(files, inputExtensions)) {
      if ('tooLarge' in request) {
        total.files += 1;
        total.failures.push({
          file: request.tooLarge.name,
          reason: `is ${(request.bytes / 1e6).toFixed(1)} MB with its companions, more than the ${BYTES_PER_REQUEST / 1e6} MB a request to the server may carry; stop the server to ingest it directly`,
        });
        continue;
      }
      const { inputs, uploads } = request;
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: INGEST_MASKS, variables: { source: settings.source.name, files: uploads.map(() => null), options } }));
      form.set('map', JSON.stringify(Object.fromEntries(uploads.map((_, i) => [String(i), [`variables.files.${i}`]]))));
      uploads.forEach((u, i) => form.set(String(i), new Blob([u.bytes as Uint8Array<ArrayBuffer>]), u.name));
      const result = await post(url!, form, server, handOffHeaders(inUse));
      // Multipart file names arrive without folders; give failures back the paths the user named.
      const pathOf = new Map(inputs.map((f) => [basename(f.name), f.name]));
      for (const failure of result.failures) failure.file = pathOf.get(failure.file) ?? failure.file;
      total.files += result.files;
      total.ingestedFiles += result.ingestedFiles;
      total.failures.push(...result.failures);
      total.masks.inserted += result.insertedMasks;
      total.masks.replaced += result.replacedMasks;
      total.masks.skipped += result.skippedMasks;
      total.createdImages += result.createdImages;
      total.bytes.pixels += result.pixelBytes;
      total.bytes.chi += result.indexBytes;
      bar.update({ filesDone: total.files, filesTotal: files.length + rejected.length, masksStored: total.masks.inserted + total.masks.replaced + total.masks.skipped, filesFailed: total.failures.length });
    }
  } finally {
    bar.stop();
  }
  total.elapsedMs = performance.now() - started;
  return total;
}

async function post(url: string, form: FormData, server: string, headers: Record<string, string>): Promise<RemoteSummary> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body: form, headers });
  } catch (error) {
    throw new CliError(`cannot reach ${server}: ${rootMessage(error)}`);
  }
  const body = (await response.json().catch(() => undefined)) as { data?: { ingestMasks: RemoteSummary }; errors?: { message: string }[] } | undefined;
  if (!body) throw new CliError(`${server} answered the ingest with HTTP ${response.status} and no GraphQL result`);
  if (body.errors?.length || !body.data) throw new CliError(`${server} refused the ingest: ${body.errors?.[0]?.message ?? 'no data'}`);
  return body.data.ingestMasks;
}
