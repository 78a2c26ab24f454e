import { resolveIngestMasks, type IngestSummaryShape } from '../resolvers/ingest.js';
import { describeOptions, optionsJsonSchema, type SourceOptionInfo } from '../plugins/describe.js';
import type { RegisteredSource } from '../plugins/registry.js';
import type { SourceInput } from '../plugins/kit/index.js';
import { builder } from './builder.js';
import { DuplicatePolicyEnum } from './enums.js';
import { JsonScalar, UploadScalar } from './scalars.js';

const SourceInputRef = builder.objectRef<SourceInput>('MaskSearchSourceInput').implement({
  description: 'A kind of file a source reads.',
  fields: (t) => ({
    extensions: t.stringList({ resolve: (i) => [...i.extensions] }),
    description: t.exposeString('description'),
  }),
});

const SourceOptionRef = builder.objectRef<SourceOptionInfo>('MaskSearchSourceOption').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.exposeString('type', { description: 'In TypeScript-like notation, e.g. "boolean", "number", "string[]".' }),
    description: t.exposeString('description', { nullable: true }),
    default: t.field({ type: JsonScalar, nullable: true, resolve: (o) => o.default }),
    required: t.exposeBoolean('required'),
  }),
});

const MaskSourceRef = builder.objectRef<RegisteredSource>('MaskSource').implement({
  description: 'An installed source plugin: what it reads and the options ingestMasks(sourceOptions) takes.',
  fields: (t) => ({
    name: t.string({ resolve: (r) => r.source.name }),
    description: t.string({ resolve: (r) => r.source.description }),
    defaultMaskType: t.string({ resolve: (r) => r.source.defaultMaskType }),
    builtin: t.exposeBoolean('builtin'),
    inputs: t.field({ type: [SourceInputRef], resolve: (r) => [...r.source.inputs] }),
    options: t.field({ type: [SourceOptionRef], resolve: (r) => describeOptions(r.source) }),
    optionsSchema: t.field({ type: JsonScalar, description: 'The options as JSON Schema.', resolve: (r) => optionsJsonSchema(r.source) }),
  }),
});

const IngestFailureRef = builder.objectRef<{ file: string; reason: string }>('MaskSearchIngestFailure').implement({
  fields: (t) => ({ file: t.exposeString('file'), reason: t.exposeString('reason') }),
});

const IngestSummaryRef = builder.objectRef<IngestSummaryShape>('MaskSearchIngestSummary').implement({
  description: 'What an ingest stored. Each file is stored whole or not at all; failures name the file and the reason.',
  fields: (t) => ({
    files: t.exposeInt('files'),
    ingestedFiles: t.exposeInt('ingestedFiles'),
    failures: t.field({ type: [IngestFailureRef], resolve: (s) => s.failures }),
    insertedMasks: t.int({ resolve: (s) => s.masks.inserted }),
    replacedMasks: t.int({ resolve: (s) => s.masks.replaced }),
    skippedMasks: t.int({ resolve: (s) => s.masks.skipped }),
    createdImages: t.exposeInt('createdImages'),
    pixelBytes: t.int({ description: 'Stored (compressed) pixel bytes of the masks written.', resolve: (s) => s.bytes.pixels }),
    indexBytes: t.int({ description: 'CHI bytes of the masks written.', resolve: (s) => s.bytes.chi }),
    ignoredUploads: t.stringList({ description: 'Uploads the source does not read (kept only as companions, e.g. key lists).', resolve: (s) => s.ignoredUploads }),
    elapsedMs: t.float({ resolve: (s) => s.elapsedMs }),
  }),
});

export const IngestOptionsInput = builder.inputType('MaskSearchIngestOptions', {
  fields: (t) => ({
    model: t.string({ description: 'The model the masks come from; registered if new.' }),
    maskType: t.string({ description: "The masks' type; default the source's." }),
    keyRegex: t.string({ description: 'Image key = the first capture group of this regex on the file name; default the name without extension.' }),
    onDuplicate: t.field({ type: DuplicatePolicyEnum, defaultValue: 'ERROR' }),
    createImages: t.boolean({ defaultValue: true, description: 'Register missing images from the mask size; false fails such files.' }),
    sourceOptions: t.field({ type: JsonScalar, description: "The source's options (see Query.maskSources)." }),
  }),
});

builder.queryField('maskSources', (t) =>
  t.field({
    type: [MaskSourceRef],
    description: 'The installed mask source plugins, built-in ones first.',
    resolve: (_, __, ctx) => ctx.service.sources.list(),
  }),
);

builder.mutationField('ingestMasks', (t) =>
  t.field({
    type: IngestSummaryRef,
    description: 'Stores masks from uploaded files (GraphQL multipart) through a source plugin.',
    args: {
      source: t.arg.string({ required: true }),
      files: t.arg({ type: [UploadScalar], required: true }),
      options: t.arg({ type: IngestOptionsInput }),
    },
    resolve: (_, args, ctx) => resolveIngestMasks(args.source, args.files, args.options ?? {}, ctx),
  }),
);
