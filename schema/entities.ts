import { imageReference, maskReference, modelReference } from '../resolvers/entities.js';
import { builder } from './builder.js';
import { ImageRef, MaskRef, ModelRef } from './objects.js';

// Federation v2 entities: another subgraph names our images by id or by its own key, masks by id
// and models by name; _entities resolves them in batches (resolvers/entities.ts).
builder.asEntity(ImageRef, {
  key: [builder.selection<{ id: string }>('id'), builder.selection<{ key: string }>('key')],
  resolveReference: (ref, ctx) => imageReference(ref, ctx),
});

builder.asEntity(MaskRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => maskReference(ref, ctx),
});

builder.asEntity(ModelRef, {
  key: builder.selection<{ name: string }>('name'),
  resolveReference: (ref, ctx) => modelReference(ref, ctx),
});
