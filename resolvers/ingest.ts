import type { IngestSummary } from '../ingest/ingest.js';
import { parseSourceOptions, SourceOptionsError } from '../ingest/ingest.js';
import { filesFromUploads } from '../ingest/input-files.js';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';
import { unsafeRegexReason } from './safe-regex.js';

export type IngestSummaryShape = IngestSummary & { ignoredUploads: string[] };

export interface IngestOptionsArg {
  model?: string | null;
  maskType?: string | null;
  keyRegex?: string | null;
  onDuplicate?: 'ERROR' | 'SKIP' | 'REPLACE' | null;
  createImages?: boolean | null;
  sourceOptions?: unknown;
}

const MAX_FILES = 10_000;

function keyRegex(text: string | null | undefined): RegExp | undefined {
  if (!text) return undefined;
  const unsafe = unsafeRegexReason(text);
  if (unsafe) throw badInput(`options.keyRegex ${unsafe}; this server refuses such patterns from clients`, 'options.keyRegex');
  try {
    return new RegExp(text);
  } catch (error) {
    throw badInput(`options.keyRegex: not a regular expression: ${(error as Error).message.slice(0, 200)}`);
  }
}

const nonEmpty = (text: string | null | undefined, name: string) => {
  if (text === '') throw badInput(`options.${name} must not be empty`);
  return text ?? undefined;
};

export async function resolveIngestMasks(sourceName: string, uploads: readonly File[], options: IngestOptionsArg, ctx: GraphQLContext): Promise<IngestSummaryShape> {
  const source = ctx.service.sources.get(sourceName);
  if (!source) throw badInput(`source: no source named '${sourceName}'; installed: ${ctx.service.sources.names().join(', ')}`);
  if (uploads.length > MAX_FILES) throw badInput(`files: at most ${MAX_FILES} per call, got ${uploads.length}`);
  let sourceOptions: unknown;
  try {
    sourceOptions = parseSourceOptions(source, options.sourceOptions);
  } catch (error) {
    throw error instanceof SourceOptionsError ? badInput(`options.sourceOptions: ${error.message}`) : error;
  }
  const extensions = source.inputs.flatMap((i) => i.extensions);
  const { files, passedOver } = filesFromUploads(uploads, extensions);
  if (files.length === 0) throw badInput(`files: none is a ${extensions.join(', ')} file, which source '${source.name}' reads`);
  const summary = await ctx.service.ingest(files, {
    source,
    sourceOptions,
    model: nonEmpty(options.model, 'model'),
    maskType: nonEmpty(options.maskType, 'maskType'),
    keyRegex: keyRegex(options.keyRegex),
    onDuplicate: (options.onDuplicate ?? 'ERROR').toLowerCase() as 'error' | 'skip' | 'replace',
    createImages: options.createImages ?? true,
    maxPixels: ctx.maxPixels,
  });
  return { ...summary, ignoredUploads: passedOver };
}
