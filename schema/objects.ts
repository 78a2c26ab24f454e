import type { ImageRow, MaskRow, ModelRow } from '../db/schema.js';
import { loadImages, loadMasks, loadMasksOfImages, loadModels, maskImage, maskModel, type ModelName } from '../resolvers/loaders.js';
import { maskCp, maskHistogram, maskPngUrl } from '../resolvers/mask-fields.js';
import { builder } from './builder.js';
import { MASK_PIXELS_COST } from './cost.js';
import { ColormapEnum, NormalizeEnum } from './enums.js';
import { RoiInput, ValueRangeInput } from './inputs.js';

export const ImageRef = builder.loadableNodeRef<ImageRow, string, string>('Image', {
  id: { resolve: (image) => image.id },
  load: (ids, ctx) => loadImages(ids, ctx),
});

export const ModelRef = builder.loadableNodeRef<ModelRow | ModelName, string, string>('Model', {
  id: { resolve: (model) => model.id },
  load: (ids, ctx) => loadModels(ids, ctx),
});

export const MaskRef = builder.loadableNodeRef<MaskRow, string, string>('Mask', {
  id: { resolve: (mask) => mask.id },
  load: (ids, ctx) => loadMasks(ids, ctx),
});

const NamedBox = builder.objectRef<{ name: string; box: [number, number, number, number] }>('MaskSearchNamedBox').implement({
  description: 'A named rectangle [x, x + width) × [y, y + height) in image pixel coordinates.',
  fields: (t) => ({
    name: t.exposeString('name'),
    x: t.float({ resolve: (b) => b.box[0] }),
    y: t.float({ resolve: (b) => b.box[1] }),
    width: t.float({ resolve: (b) => b.box[2] }),
    height: t.float({ resolve: (b) => b.box[3] }),
  }),
});

ImageRef.implement({
  description: 'An image: masks describe it, named boxes mark regions of it.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Your own unique identifier of the image.' }),
    uri: t.exposeString('uri', {
      nullable: true,
      description: "Where the image's file is. Null for clients without write scope: a server path is not theirs to see (GET /images/KEY.png serves the file).",
      authScopes: { write: true },
      unauthorizedResolver: () => null,
    }),
    width: t.exposeInt('width', { nullable: true }),
    height: t.exposeInt('height', { nullable: true }),
    label: t.exposeString('label', { nullable: true }),
    split: t.exposeString('split', { nullable: true }),
    metadata: t.field({ type: 'JSONObject', resolve: (image) => image.metadata }),
    tags: t.exposeStringList('tags', { description: 'Set with Mutation.tagImages; kept when the image is imported again.' }),
    boxes: t.field({
      type: [NamedBox],
      resolve: (image) => Object.entries(image.boxes).map(([name, box]) => ({ name, box })),
    }),
    masks: t.loadableList({
      type: MaskRef,
      load: (ids: string[], ctx) => loadMasksOfImages(ids, ctx),
      resolve: (image) => String(image.id),
    }),
  }),
});

/** A mask's model comes as the index names it; its other fields are read (batched) when asked for. */
const modelRow = async (model: ModelRow | ModelName, ctx: Parameters<typeof loadModels>[1]): Promise<ModelRow> =>
  'kind' in model ? model : (ModelRef.getDataloader(ctx).load(String(model.id)) as Promise<ModelRow>);

ModelRef.implement({
  description: 'A model whose outputs (e.g. saliency maps) are stored as masks.',
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.string({ nullable: true, resolve: async (model, _args, ctx) => (await modelRow(model, ctx)).kind }),
    metadata: t.field({ type: 'JSONObject', nullable: true, resolve: async (model, _args, ctx) => (await modelRow(model, ctx)).metadata }),
  }),
});

MaskRef.implement({
  description: 'One value in [0, 1] per pixel, for one image (and optionally one model).',
  fields: (t) => ({
    image: t.field({ type: ImageRef, resolve: (mask, _args, ctx) => maskImage(mask, ctx) }),
    model: t.field({ type: ModelRef, nullable: true, resolve: (mask, _args, ctx) => maskModel(mask, ctx) }),
    maskType: t.exposeString('maskType'),
    source: t.exposeString('source', { description: 'The source plugin that produced the mask.' }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    encoding: t.exposeString('encoding', { description: 'u8 (k/255), u16 (k/65535) or f32.' }),
    metadata: t.field({ type: 'JSONObject', nullable: true, resolve: (mask) => mask.metadata }),
    createdAt: t.string({ resolve: (mask) => mask.createdAt.toISOString() }),
    cp: t.float({
      complexity: MASK_PIXELS_COST,
      description: 'The exact number of pixels in the ROI whose value lies in the range (or that number / area(ROI)); null when the ROI does not apply to this mask.',
      nullable: true,
      args: {
        roi: t.arg({ type: RoiInput, required: true }),
        range: t.arg({ type: ValueRangeInput, required: true }),
        normalize: t.arg({ type: NormalizeEnum, defaultValue: 'COUNT' }),
      },
      resolve: (mask, args, ctx) => maskCp(mask, args, ctx),
    }),
    histogram: t.intList({
      complexity: MASK_PIXELS_COST,
      description: 'Pixel counts in the ROI per value bin: bin b holds values in [b/bins, (b+1)/bins), the last bin also 1.',
      args: {
        bins: t.arg.int({ defaultValue: 16 }),
        roi: t.arg({ type: RoiInput, defaultValue: { full: true } }),
      },
      resolve: (mask, args, ctx) => maskHistogram(mask, args, ctx),
    }),
    pngUrl: t.string({
      description: 'The mask rendered as a PNG.',
      args: { colormap: t.arg({ type: ColormapEnum, defaultValue: 'GRAY' }) },
      resolve: (mask, args, ctx) => maskPngUrl(mask, args.colormap, ctx),
    }),
  }),
});
