import type { ImageRow, MaskRow } from '../db/schema.js';
import { resolveAggregateMasks, resolveFilterByCP, resolveTopKByCP } from '../resolvers/cp-queries.js';
import { resolveImages, resolveMasks, resolveModels } from '../resolvers/lists.js';
import { loadImageByKey } from '../resolvers/loaders.js';
import { builder } from './builder.js';
import { listComplexity, searchComplexity } from './cost.js';
import { AggregateMeasureEnum, AggregateOpEnum, CompareOpEnum, NormalizeEnum, OrderEnum } from './enums.js';
import { AggregateMemberInput, HavingInput, MaskWhereInput, RoiInput, ValueRangeInput } from './inputs.js';
import { ImageRef, MaskRef, ModelRef } from './objects.js';
import { AggregateResultRef, FilterResultRef, TopKResultRef, connectionTypes } from './results.js';

const ImageConnection = connectionTypes<ImageRow>('MaskSearchImage', ImageRef, (image) => image.id, 'Images in id order.');
const MaskConnection = connectionTypes<MaskRow>('Mask', MaskRef, (mask) => mask.id, 'Masks in id order.');

builder.queryType({
  // Every query field (those added with queryFields too) needs read; anonymous requests have it unless the operator says otherwise.
  authScopes: { read: true },
  fields: (t) => ({
    images: t.field({
      type: ImageConnection,
      args: { first: t.arg.int({ defaultValue: 100 }), after: t.arg.string() },
      complexity: listComplexity,
      resolve: (_, args, ctx) => resolveImages(args, ctx),
    }),
    image: t.field({
      type: ImageRef,
      nullable: true,
      args: { key: t.arg.string({ required: true }) },
      resolve: (_, args, ctx) => loadImageByKey(args.key, ctx),
    }),
    models: t.field({ type: [ModelRef], resolve: (_, __, ctx) => resolveModels(ctx) }),
    masks: t.field({
      type: MaskConnection,
      args: { where: t.arg({ type: MaskWhereInput }), first: t.arg.int({ defaultValue: 100 }), after: t.arg.string() },
      complexity: listComplexity,
      resolve: (_, args, ctx) => resolveMasks(args, ctx),
    }),
  }),
});

const cpArgs = builder.args((t) => ({
  where: t.field({ type: MaskWhereInput }),
  roi: t.field({ type: RoiInput, required: true }),
  range: t.field({ type: ValueRangeInput, required: true }),
  normalize: t.field({ type: NormalizeEnum, defaultValue: 'COUNT' }),
  minRoiArea: t.int({ description: 'Skip masks whose ROI has fewer pixels.' }),
  useIndex: t.boolean({ defaultValue: true, description: 'false: load and count every candidate mask instead of using the CHI (the comparison baseline).' }),
}));

builder.queryFields((t) => ({
  filterByCP: t.field({
    type: FilterResultRef,
    description: 'Masks whose CP(mask, roi, range) (or CP / area(roi)) compares op to threshold, ordered by mask id.',
    args: {
      ...cpArgs,
      op: t.arg({ type: CompareOpEnum, required: true }),
      threshold: t.arg.float({ required: true }),
      first: t.arg.int({ defaultValue: 100 }),
      after: t.arg.string(),
    },
    complexity: searchComplexity((args) => args.first),
    resolve: (_, args, ctx) => resolveFilterByCP(args, ctx),
  }),
  topKByCP: t.field({
    type: TopKResultRef,
    description: 'The k masks with the largest (DESC) or smallest (ASC) CP (or CP / area(roi)); ties by mask id.',
    args: {
      ...cpArgs,
      k: t.arg.int({ required: true }),
      order: t.arg({ type: OrderEnum, defaultValue: 'DESC' }),
      first: t.arg.int({ description: 'Ranked masks per page; default all k.' }),
      after: t.arg.string(),
    },
    complexity: searchComplexity((args) => args.k),
    resolve: (_, args, ctx) => resolveTopKByCP({ ...args, order: args.order ?? 'DESC' }, ctx),
  }),
  aggregateMasks: t.field({
    type: AggregateResultRef,
    description: "Masks grouped by image, each binarised as value > threshold, combined by op, measured in the ROI; then ranked (k, order) or filtered (having).",
    args: {
      where: t.arg({ type: MaskWhereInput }),
      op: t.arg({ type: AggregateOpEnum, defaultValue: 'INTERSECT' }),
      threshold: t.arg.float({ required: true }),
      roi: t.arg({ type: RoiInput, defaultValue: { full: true } }),
      measure: t.arg({ type: AggregateMeasureEnum, defaultValue: 'COUNT' }),
      k: t.arg.int(),
      order: t.arg({ type: OrderEnum, defaultValue: 'DESC' }),
      having: t.arg({ type: HavingInput }),
      members: t.arg({
        type: [AggregateMemberInput],
        description: 'The members of each group by selector, e.g. one model\'s saliency and the human attention map; without it every mask of the image matching where.',
      }),
      minRoiArea: t.arg.int(),
      useIndex: t.arg.boolean({ defaultValue: true }),
      first: t.arg.int({ description: 'Groups per page; default all k with k, 100 with having.' }),
      after: t.arg.string(),
    },
    complexity: searchComplexity((args) => args.k ?? args.first),
    resolve: (_, args, ctx) =>
      resolveAggregateMasks({ ...args, op: args.op ?? 'INTERSECT', measure: args.measure ?? 'COUNT', roi: args.roi ?? { full: true } }, ctx),
  }),
}));
