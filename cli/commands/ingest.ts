import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CHI_CONFIG } from '../../engine/index.js';
import { DEFAULT_MAX_PIXELS } from '../../plugins/kit/index.js';
import { createMaskEncoder } from '../../ingest/encoder.js';
import { ingestFiles, parseSourceOptions, SourceOptionsError, type IngestSettings, type IngestSummary } from '../../ingest/ingest.js';
import { filesFromPaths, type IngestFile, type RejectedPath } from '../../ingest/input-files.js';
import type { MaskConflictPolicy } from '../../db/repositories/masks.js';
import { CliError } from '../errors.js';
import { plural } from '../../text/format.js';
import { ingestThroughServer } from '../ingest-through-server.js';
import { formatSummary, ingestProgressBar } from '../ingest-report.js';
import { loadSources, requireSource, withSourceOptions, type SourceOptionValues } from '../sources.js';
import { StoreInUse } from '../store-lock.js';
import { openStore, storeLocation, withStoreOptions, type StoreOptionValues } from '../store.js';

interface IngestOptions extends StoreOptionValues, SourceOptionValues {
  source: string;
  model?: string;
  maskType?: string;
  keyRegex?: RegExp;
  onDuplicate: MaskConflictPolicy;
  createImages: boolean;
  option: Record<string, unknown>;
  options?: Record<string, unknown>;
  workers?: number;
  maxMaskPixels: number;
}

function keyRegex(text: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(text);
  } catch (error) {
    throw new InvalidArgumentError(`not a regular expression: ${(error as Error).message}`);
  }
  if (!/\((?!\?)|\(\?<[^=!]/.test(text)) throw new InvalidArgumentError('needs a capture group, e.g. "^(.+)_cam"');
  return regex;
}

/** `name=value`, the value read as JSON when it is JSON (numbers, true, arrays) and as text otherwise. */
function sourceOption(text: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected NAME=VALUE, e.g. sigma=24');
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return { ...previous, [text.slice(0, eq)]: value };
}

function optionsObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError('expected a JSON object');
  return value as Record<string, unknown>;
}

const maxPixels = (text: string) => {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 2 ** 31) throw new InvalidArgumentError('expected a whole number from 1 to 2147483648');
  return Number(text);
};

const workerCount = (text: string) => {
  if (!/^\d+$/.test(text) || Number(text) > 64) throw new InvalidArgumentError('expected a whole number from 0 to 64');
  return Number(text);
};

export function ingestCommand(): Command {
  return withSourceOptions(withStoreOptions(new Command('ingest')))
    .description(
      'store masks from files through a source plugin (see `masksearch sources`); each file is stored whole or not at all, ' +
        'and a bad file is reported by name while the others are kept',
    )
    .argument('<paths...>', 'files, or folders to search for the files the source reads')
    .requiredOption('-s, --source <name>', 'the source plugin, e.g. gradcam, eyetracking, segmentation')
    .option('-m, --model <name>', 'the model the masks come from (registered if new)')
    .option('-t, --mask-type <type>', "the masks' type (default: the source's, e.g. saliency)")
    .option('--key-regex <regex>', "image key = the regex's first capture group on the file name (default: the name without extension)", keyRegex)
    .addOption(new Option('--on-duplicate <policy>', 'when the image already has a mask of this model and type').choices(['error', 'skip', 'replace']).default('error'))
    .option('--no-create-images', 'fail a file whose image is not registered, instead of registering it from the mask size')
    .option('-o, --option <name=value>', "a source option (repeatable), e.g. -o normalize=true", sourceOption, {})
    .option('--options <json>', 'source options as a JSON object', optionsObject)
    .option('--workers <n>', 'threads encoding masks (0: none, encode on the main thread)', workerCount)
    .option('--max-mask-pixels <n>', 'the most pixels (width × height) a mask or image may have (handed to a server, its own limit applies)', maxPixels, DEFAULT_MAX_PIXELS)
    .action((paths: string[], options: IngestOptions) => ingest(paths, options));
}

async function ingest(paths: string[], options: IngestOptions): Promise<void> {
  const location = storeLocation(options);
  const source = requireSource(await loadSources(options), options.source);
  const rawOptions = { ...options.options, ...options.option };
  let sourceOptions: unknown;
  try {
    sourceOptions = parseSourceOptions(source, rawOptions);
  } catch (error) {
    throw error instanceof SourceOptionsError ? new CliError(error.message) : error;
  }
  const extensions = source.inputs.flatMap((i) => i.extensions);
  const { files, rejected, passedOver } = await filesFromPaths(paths, extensions);
  if (files.length === 0) {
    if (rejected.length > 0) throw new CliError(`nothing to ingest: ${rejected.map((r) => `${r.file}: ${r.reason}`).join('; ')}`);
    throw new CliError(`no ${extensions.join(', ')} files in ${paths.join(', ')} (${plural(passedOver, 'other file')} passed over)`);
  }
  const settings: IngestSettings = {
    source,
    sourceOptions,
    model: options.model,
    maskType: options.maskType,
    keyRegex: options.keyRegex,
    onDuplicate: options.onDuplicate,
    createImages: options.createImages,
    maxPixels: options.maxMaskPixels,
  };

  let summary: IngestSummary;
  try {
    const store = await openStore(location, 'ingest');
    try {
      summary = await ingestLocally(store.handle.db, files, rejected, settings, options.workers);
    } finally {
      await store.close();
    }
  } catch (error) {
    // A server holding the embedded store takes the files over its GraphQL API instead.
    if (!(error instanceof StoreInUse && error.holder.command === 'serve' && error.holder.url)) throw error;
    summary = await ingestThroughServer(error, files, rejected, { ...settings, sourceOptions: rawOptions });
  }
  const { out, errors } = formatSummary(summary);
  for (const line of out) console.log(line);
  for (const line of errors) console.error(line);
  if (summary.failures.length > 0) process.exitCode = 1;
}

async function ingestLocally(
  db: Parameters<typeof ingestFiles>[0]['db'],
  files: IngestFile[],
  rejected: RejectedPath[],
  settings: IngestSettings,
  workers: number | undefined,
): Promise<IngestSummary> {
  const encoder = createMaskEncoder({ chi: DEFAULT_CHI_CONFIG, workers });
  const bar = ingestProgressBar();
  try {
    return await ingestFiles({ db, encoder, onProgress: (p) => bar.update(p) }, files, settings, rejected);
  } finally {
    bar.stop();
    await encoder.close();
  }
}
