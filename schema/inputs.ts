import { builder } from './builder.js';
import { CompareOpEnum } from './enums.js';

export const MaskWhereInput = builder.inputType('MaskWhere', {
  description: 'Which masks a query considers. Every list given must match; any entry of a list may.',
  fields: (t) => ({
    ids: t.idList({ description: 'Mask ids (global Relay ids).' }),
    imageKeys: t.stringList(),
    modelNames: t.stringList(),
    maskTypes: t.stringList(),
    sources: t.stringList(),
    imageLabels: t.stringList(),
    imageSplits: t.stringList(),
    imageTags: t.stringList({ description: 'Images carrying any of these tags (see Mutation.tagImages).' }),
  }),
});


export const AggregateMemberInput = builder.inputType('MaskSearchAggregateMember', {
  description:
    "One member of every group: the image's mask matching where (the smallest id if several), binarised at threshold (default: the query's). Images lacking a member are skipped and counted.",
  fields: (t) => ({
    where: t.field({ type: MaskWhereInput, required: true }),
    threshold: t.float(),
  }),
});

export const BoxInput = builder.inputType('MaskSearchBoxInput', {
  description: 'The half-open rectangle [x, x + width) × [y, y + height) in mask pixels.',
  fields: (t) => ({
    x: t.int({ required: true }),
    y: t.int({ required: true }),
    width: t.int({ required: true }),
    height: t.int({ required: true }),
  }),
});

export const RoiInput = builder.inputType('MaskSearchRoiInput', {
  description: 'Exactly one of: the full mask, a constant box, or a named box of the image (scaled to the mask).',
  isOneOf: true,
  fields: (t) => ({
    full: t.boolean(),
    box: t.field({ type: BoxInput }),
    imageBox: t.string({ description: 'The name of a box attached to the image, e.g. "object".' }),
  }),
});

export const ValueRangeInput = builder.inputType('MaskSearchValueRangeInput', {
  description: 'Pixel values with an optional lower end (gt or gte) and upper end (lt or lte); a missing end is unbounded. The paper\'s (lv, uv) is {gt: lv, lte: uv}.',
  fields: (t) => ({
    gt: t.float(),
    gte: t.float(),
    lt: t.float(),
    lte: t.float(),
  }),
});

export const HavingInput = builder.inputType('MaskSearchHavingInput', {
  description: 'Keep the groups whose value compares op to value.',
  fields: (t) => ({
    op: t.field({ type: CompareOpEnum, required: true }),
    value: t.float({ required: true }),
  }),
});

export const NamedBoxInput = builder.inputType('MaskSearchNamedBoxInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    x: t.float({ required: true }),
    y: t.float({ required: true }),
    width: t.float({ required: true }),
    height: t.float({ required: true }),
  }),
});

export const ImageInput = builder.inputType('MaskSearchImageInput', {
  fields: (t) => ({
    key: t.string({ required: true, description: 'Your own unique identifier of the image.' }),
    width: t.int({ required: true }),
    height: t.int({ required: true }),
    uri: t.string(),
    label: t.string(),
    split: t.string(),
    boxes: t.field({ type: [NamedBoxInput] }),
    metadata: t.field({ type: 'JSON' }),
  }),
});

export const ModelInput = builder.inputType('MaskSearchModelInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    kind: t.string(),
    metadata: t.field({ type: 'JSON' }),
  }),
});
