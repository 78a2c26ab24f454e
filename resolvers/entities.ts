import { createContextCache } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import DataLoader from 'dataloader';
import { getImagesByIdsOrKeys } from '../db/repositories/images.js';
import { getMasksByIds } from '../db/repositories/masks.js';
import { getModelsByNames } from '../db/repositories/models.js';
import type { ImageRow, MaskRow, ModelRow } from '../db/schema.js';
import type { GraphQLContext } from './context.js';

/**
 * Federation's _entities resolves one representation at a time; these per-request loaders gather
 * them, so a request costs one statement per entity type whatever the number of representations.
 * A representation naming nothing of ours resolves to null, as the federation spec expects.
 */

/** The database id a global id of this type names; undefined for a malformed or foreign id. */
function localIdOf(globalId: unknown, typename: string): number | undefined {
  if (typeof globalId !== 'string') return undefined;
  try {
    const decoded = decodeGlobalID(globalId);
    const id = Number(decoded.id);
    return decoded.typename === typename && /^\d+$/.test(decoded.id) && Number.isSafeInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

type ImageName = { id: number } | { key: string };
const imageNameKey = (name: ImageName): string => ('id' in name ? `id:${name.id}` : `key:${name.key}`);

const loaders = createContextCache((ctx: GraphQLContext) => ({
  images: new DataLoader<ImageName, ImageRow | null, string>(
    async (names) => {
      const ids = names.flatMap((n) => ('id' in n ? [n.id] : []));
      const keys = names.flatMap((n) => ('key' in n ? [n.key] : []));
      const rows = await getImagesByIdsOrKeys(ctx.service.db, ids, keys);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const byKey = new Map(rows.map((r) => [r.key, r]));
      return names.map((n) => ('id' in n ? byId.get(n.id) : byKey.get(n.key)) ?? null);
    },
    { cacheKeyFn: imageNameKey },
  ),
  masks: new DataLoader<number, MaskRow | null>(async (ids) => {
    const byId = new Map((await getMasksByIds(ctx.service.db, ids)).map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }),
  models: new DataLoader<string, ModelRow | null>(async (names) => {
    const byName = new Map((await getModelsByNames(ctx.service.db, names)).map((r) => [r.name, r]));
    return names.map((name) => byName.get(name) ?? null);
  }),
}));

export function imageReference(ref: { id?: unknown; key?: unknown }, ctx: GraphQLContext): Promise<ImageRow | null> | null {
  if (typeof ref.key === 'string') return loaders(ctx).images.load({ key: ref.key });
  const id = localIdOf(ref.id, 'Image');
  return id === undefined ? null : loaders(ctx).images.load({ id });
}

export function maskReference(ref: { id?: unknown }, ctx: GraphQLContext): Promise<MaskRow | null> | null {
  const id = localIdOf(ref.id, 'Mask');
  return id === undefined ? null : loaders(ctx).masks.load(id);
}

export function modelReference(ref: { name?: unknown }, ctx: GraphQLContext): Promise<ModelRow | null> | null {
  return typeof ref.name === 'string' ? loaders(ctx).models.load(ref.name) : null;
}
