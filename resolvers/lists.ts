import { countImages, listImages } from '../db/repositories/images.js';
import { getMasksByIds } from '../db/repositories/masks.js';
import { listModels } from '../db/repositories/models.js';
import type { ImageRow, MaskRow, ModelRow } from '../db/schema.js';
import type { MaskWhereArg } from './arguments.js';
import { MAX_K, maskWhere } from './arguments.js';
import { selectSlots } from '../engine/index.js';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';
import type { Page } from './pagination.js';
import { keyAfterCursor, pageAfter } from './pagination.js';

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

function pageSize(first: number | null | undefined): number {
  const size = first ?? 100;
  if (size < 0 || size > MAX_K) throw badInput(`first must be between 0 and ${MAX_K}, got ${size}`);
  return size;
}

export async function resolveImages(args: PageArgs, ctx: GraphQLContext): Promise<Page<ImageRow>> {
  const limit = pageSize(args.first);
  const afterId = args.after ? keyAfterCursor(args.after) : undefined;
  const page = await listImages(ctx.service.db, { limit, afterId });
  return {
    items: page.images,
    keys: page.images.map((i) => i.id),
    hasNextPage: page.hasNextPage,
    afterCursor: args.after ?? undefined,
    totalCount: () => countImages(ctx.service.db),
  };
}

export const resolveModels = (ctx: GraphQLContext): Promise<ModelRow[]> => listModels(ctx.service.db);

/**
 * Masks in id order, the page chosen from the in-memory table and its rows loaded here in one
 * statement. A mask another process deleted can linger in the table until its change is
 * applied; its row is gone, so it is left out (the page comes back shorter) rather than failing
 * the query. keys stay the table's page, so endCursor and hasNextPage move past it.
 */
export async function resolveMasks(args: PageArgs & { where?: MaskWhereArg | null }, ctx: GraphQLContext): Promise<Page<MaskRow>> {
  const { table } = ctx.service;
  const slots = selectSlots(table, maskWhere(args.where));
  const ids = Float64Array.from(slots, (slot) => table.idAt(slot)).sort();
  const page = pageAfter(ids, args.after, pageSize(args.first));
  const byId = new Map((await getMasksByIds(ctx.service.db, page.keys)).map((row) => [row.id, row]));
  return { ...page, items: page.keys.flatMap((id) => byId.get(id) ?? []) };
}
