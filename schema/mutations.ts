import { resolveDeleteMasks, resolveUpsertImages, resolveUpsertModels } from '../resolvers/mutations.js';
import { builder } from './builder.js';
import { ImageInput, ModelInput } from './inputs.js';
import { ImageRef, ModelRef } from './objects.js';

const DeleteMasksResult = builder.objectRef<{ deletedIds: string[]; count: number }>('MaskSearchDeleteMasksResult').implement({
  fields: (t) => ({
    deletedIds: t.exposeIDList('deletedIds'),
    count: t.exposeInt('count'),
  }),
});

builder.mutationType({
  // Every mutation writes; deleting needs admin on top (see deleteMasks).
  authScopes: { write: true },
  fields: (t) => ({
    upsertImages: t.field({
      type: [ImageRef],
      description: 'Registers images, or replaces them wholesale by key.',
      args: { images: t.arg({ type: [ImageInput], required: true }) },
      resolve: (_, args, ctx) => resolveUpsertImages(args.images, ctx),
    }),
    upsertModels: t.field({
      type: [ModelRef],
      args: { models: t.arg({ type: [ModelInput], required: true }) },
      resolve: (_, args, ctx) => resolveUpsertModels(args.models, ctx),
    }),
    deleteMasks: t.field({
      type: DeleteMasksResult,
      description: 'Deletes masks; ids that do not exist are ignored. Needs an admin token.',
      authScopes: { admin: true },
      args: { ids: t.arg.idList({ required: true }) },
      resolve: (_, args, ctx) => resolveDeleteMasks(args.ids, ctx),
    }),
  }),
});
