import { maskFacets, type MaskFacets } from '../db/repositories/facets.js';
import { browseImages, type ImageWindow } from '../db/repositories/image-browse.js';
import { changeImageTags, type ImageSelection } from '../db/repositories/image-tags.js';
import type { MaskFilter } from '../db/repositories/mask-where.js';
import type { SeedingProgress } from '../search/seeding-status.js';
import { MAX_K, localId, type MaskWhereArg } from './arguments.js';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';

/** The where argument as SQL takes it: mask ids decoded from their global ids. */
function maskFilter(where: MaskWhereArg | null | undefined): MaskFilter | undefined {
  if (!where) return undefined;
  return { ...where, ids: where.ids?.map((id) => localId(id, 'Mask', 'where.ids')) };
}

export const resolveMaskFacets = (where: MaskWhereArg | null | undefined, ctx: GraphQLContext): Promise<MaskFacets> =>
  maskFacets(ctx.service.db, maskFilter(where));

export function resolveBrowseImages(args: { where?: MaskWhereArg | null; offset?: number | null; limit?: number | null }, ctx: GraphQLContext): Promise<ImageWindow> {
  const offset = args.offset ?? 0;
  const limit = args.limit ?? 100;
  if (offset < 0) throw badInput(`offset must not be negative, got ${offset}`);
  if (limit < 0 || limit > MAX_K) throw badInput(`limit must be between 0 and ${MAX_K}, got ${limit}`);
  return browseImages(ctx.service.db, maskFilter(args.where), { offset, limit });
}

const MAX_TAG_LENGTH = 100;
const MAX_TAGS = 100;

function tagList(tags: readonly string[] | null | undefined, name: string): string[] {
  const list = [...(tags ?? [])];
  if (list.length > MAX_TAGS) throw badInput(`${name}: at most ${MAX_TAGS} tags per call, got ${list.length}`);
  for (const tag of list) {
    if (tag.trim() === '' || tag !== tag.trim()) throw badInput(`${name}: a tag must be non-empty without leading or trailing spaces, got ${JSON.stringify(tag)}`);
    if (tag.length > MAX_TAG_LENGTH) throw badInput(`${name}: a tag is at most ${MAX_TAG_LENGTH} characters, got one of ${tag.length}`);
  }
  return list;
}

export interface TagImagesArgs {
  imageKeys?: readonly string[] | null;
  where?: MaskWhereArg | null;
  add?: readonly string[] | null;
  remove?: readonly string[] | null;
}

/**
 * Tags or untags the images named by key (a result set), or the images where selects (a
 * browsing selection, as browseImages lists it). Returns when this server's catalog has the change, so a query
 * by imageTags right after sees it.
 */
export async function resolveTagImages(args: TagImagesArgs, ctx: GraphQLContext): Promise<{ changedImages: number }> {
  const add = tagList(args.add, 'add');
  const remove = tagList(args.remove, 'remove');
  if (add.length + remove.length === 0) throw badInput('give tags to add or remove');
  const byKeys = args.imageKeys !== null && args.imageKeys !== undefined;
  const byWhere = args.where !== null && args.where !== undefined;
  if (byKeys === byWhere) throw badInput('give exactly one of imageKeys and where');
  if (byKeys && args.imageKeys!.length > MAX_K) throw badInput(`imageKeys: at most ${MAX_K} per call, got ${args.imageKeys!.length}`);
  const selection: ImageSelection = byKeys ? { keys: args.imageKeys! } : { filter: maskFilter(args.where)! };
  const changedImages = await changeImageTags(ctx.service.db, selection, { add, remove });
  await ctx.service.catchUp();
  return { changedImages };
}

const NO_SEEDING: SeedingProgress = { state: 'none', dataset: null, imagesPlanned: 0, imagesMade: 0, masksPlanned: 0, masksStored: 0, message: null };

export const resolveSeeding = (ctx: GraphQLContext): SeedingProgress => ctx.seeding?.current ?? NO_SEEDING;
