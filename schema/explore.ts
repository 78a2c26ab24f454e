import type { Confusion, FacetValue, MaskFacets, PredictionSummary } from '../db/repositories/facets.js';
import type { ImageWindow } from '../db/repositories/image-browse.js';
import { resolveBrowseImages, resolveMaskFacets, resolveSeeding, resolveTagImages } from '../resolvers/explore.js';
import type { SeedingProgress } from '../search/seeding-status.js';
import { builder } from './builder.js';
import { MaskWhereInput } from './inputs.js';
import { ImageRef } from './objects.js';

const FacetValueRef = builder.objectRef<FacetValue>('MaskSearchFacetValue').implement({
  description: 'One distinct value and how many of the selected masks (and their images) carry it.',
  fields: (t) => ({
    value: t.exposeString('value', { nullable: true, description: 'null: no value (no label, no split, no model).' }),
    count: t.exposeInt('masks', { description: 'Masks.' }),
    images: t.exposeInt('images', { description: 'Distinct images of those masks.' }),
  }),
});

const ConfusionRef = builder.objectRef<Confusion>('MaskSearchConfusion').implement({
  fields: (t) => ({
    label: t.exposeString('label'),
    prediction: t.exposeString('prediction'),
    images: t.exposeInt('images'),
  }),
});

const PredictionSummaryRef = builder.objectRef<PredictionSummary>('MaskSearchPredictionSummary').implement({
  description: "The images' labels against their metadata.prediction, over the selected images that have both.",
  fields: (t) => ({
    images: t.exposeInt('images'),
    correct: t.exposeInt('correct'),
    accuracy: t.float({ nullable: true, description: 'correct / images; null without any image.', resolve: (p) => (p.images === 0 ? null : p.correct / p.images) }),
    topConfusions: t.field({ type: [ConfusionRef], description: 'The most frequent label → prediction mistakes (at most 10).', resolve: (p) => p.confusions }),
  }),
});

const MaskFacetsRef = builder.objectRef<MaskFacets>('MaskFacets').implement({
  description: 'The distinct values of the masks a where selects, with counts, most frequent first.',
  fields: (t) => ({
    masks: t.exposeInt('masks'),
    images: t.exposeInt('images', { description: 'Images with at least one selected mask.' }),
    labels: t.field({ type: [FacetValueRef], resolve: (f) => f.labels }),
    splits: t.field({ type: [FacetValueRef], resolve: (f) => f.splits }),
    models: t.field({ type: [FacetValueRef], resolve: (f) => f.models }),
    maskTypes: t.field({ type: [FacetValueRef], resolve: (f) => f.maskTypes }),
    sources: t.field({ type: [FacetValueRef], resolve: (f) => f.sources }),
    tags: t.field({ type: [FacetValueRef], resolve: (f) => f.tags }),
    boxNames: t.field({ type: [FacetValueRef], description: 'Named image boxes (count is 0; images counts the images having one).', resolve: (f) => f.boxNames }),
    predictions: t.field({ type: PredictionSummaryRef, resolve: (f) => f.predictions }),
  }),
});

const ImageWindowRef = builder.objectRef<ImageWindow>('MaskSearchImageWindow').implement({
  description: 'A window of the selected images in id order, by position.',
  fields: (t) => ({
    totalCount: t.exposeInt('totalCount'),
    images: t.field({ type: [ImageRef], resolve: (w) => w.images }),
  }),
});

const SeedingStateEnum = builder.enumType('MaskSearchSeedingState', {
  description: 'none: this server seeds nothing; seeding: data is landing (queries see what has committed); done, stopped, failed.',
  values: ['none', 'seeding', 'done', 'stopped', 'failed'] as const,
});

const SeedingRef = builder.objectRef<SeedingProgress>('MaskSearchSeeding').implement({
  description: 'Where seeding a demo dataset into this server stands.',
  fields: (t) => ({
    state: t.field({ type: SeedingStateEnum, resolve: (s) => s.state }),
    dataset: t.exposeString('dataset', { nullable: true }),
    imagesPlanned: t.exposeInt('imagesPlanned'),
    imagesMade: t.exposeInt('imagesMade'),
    masksPlanned: t.exposeInt('masksPlanned'),
    masksStored: t.exposeInt('masksStored'),
    message: t.exposeString('message', { nullable: true }),
  }),
});

builder.queryFields((t) => ({
  maskFacets: t.field({
    type: MaskFacetsRef,
    description: 'Labels, splits, models, mask types, sources, tags and box names of the masks where selects, with counts; and label/prediction accuracy.',
    args: { where: t.arg({ type: MaskWhereInput }) },
    resolve: (_, args, ctx) => resolveMaskFacets(args.where, ctx),
  }),
  browseImages: t.field({
    type: ImageWindowRef,
    description: 'Images in id order by position (for a virtualised grid): all of them, or those with a mask where selects (image conditions apply to the image).',
    args: { where: t.arg({ type: MaskWhereInput }), offset: t.arg.int({ defaultValue: 0 }), limit: t.arg.int({ defaultValue: 100 }) },
    complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.limit ?? 100, 1000)) }),
    resolve: (_, args, ctx) => resolveBrowseImages(args, ctx),
  }),
  seeding: t.field({ type: SeedingRef, resolve: (_, __, ctx) => resolveSeeding(ctx) }),
}));

const TagImagesResultRef = builder.objectRef<{ changedImages: number }>('MaskSearchTagImagesResult').implement({
  fields: (t) => ({ changedImages: t.exposeInt('changedImages', { description: 'Images whose tags changed.' }) }),
});

builder.mutationFields((t) => ({
  tagImages: t.field({
    type: TagImagesResultRef,
    description:
      'Adds and removes tags on the images named by imageKeys, or on the images where selects (those browseImages lists: with a mask condition, the images having such a mask). Usable at once in where.imageTags.',
    args: {
      imageKeys: t.arg.stringList(),
      where: t.arg({ type: MaskWhereInput }),
      add: t.arg.stringList(),
      remove: t.arg.stringList(),
    },
    resolve: (_, args, ctx) => resolveTagImages(args, ctx),
  }),
}));
