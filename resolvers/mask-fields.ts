import { encodeGlobalID } from '@pothos/plugin-relay';
import type { ValueRange } from '../engine/index.js';
import { InvalidQueryError, RangeCounter, compileRange, histogram, maskRoiRect, newRect, validateQuery } from '../engine/index.js';
import type { MaskRow } from '../db/schema.js';
import type { RoiArg } from './arguments.js';
import { roiSpec } from './arguments.js';
import type { GraphQLContext } from './context.js';
import { badInput, notFound } from './errors.js';

const MAX_HISTOGRAM_BINS = 256;

/** The ROI of one mask in its own pixels, or null when its image lacks the named box. */
function maskRect(mask: MaskRow, roi: RoiArg, ctx: GraphQLContext) {
  const { table } = ctx.service;
  const slot = table.slotOf(mask.id);
  if (slot < 0) throw notFound(`mask ${mask.id} is not in the index`);
  const rect = newRect();
  const spec = roiSpec(roi, table);
  checked(() => validateQuery({ roi: spec }));
  return maskRoiRect(table, spec, slot, rect) ? rect : null;
}

/** Runs the engine's validation of field arguments, its rejections as BAD_USER_INPUT. */
function checked(validate: () => void): void {
  try {
    validate();
  } catch (error) {
    if (error instanceof InvalidQueryError) throw badInput(error.message, error.path);
    throw error;
  }
}

async function pixels(mask: MaskRow, ctx: GraphQLContext) {
  const loaded = await ctx.service.loadMask(mask.id);
  if (!loaded) throw notFound(`mask ${mask.id} no longer exists`);
  return loaded;
}

export async function maskCp(
  mask: MaskRow,
  args: { roi: RoiArg; range: ValueRange; normalize?: 'COUNT' | 'ROI_FRACTION' | null },
  ctx: GraphQLContext,
): Promise<number | null> {
  checked(() => validateQuery({ range: args.range }));
  const rect = maskRect(mask, args.roi, ctx);
  if (!rect) return null;
  const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
  if (args.normalize === 'ROI_FRACTION' && area === 0) return null;
  const count = new RangeCounter(compileRange(args.range)).count(await pixels(mask, ctx), rect);
  return args.normalize === 'ROI_FRACTION' ? count / area : count;
}

export async function maskHistogram(mask: MaskRow, args: { bins?: number | null; roi?: RoiArg | null }, ctx: GraphQLContext): Promise<number[]> {
  const bins = args.bins ?? 16;
  if (bins < 1 || bins > MAX_HISTOGRAM_BINS) throw badInput(`bins must be between 1 and ${MAX_HISTOGRAM_BINS}, got ${bins}`);
  const rect = maskRect(mask, args.roi ?? { full: true }, ctx);
  if (!rect) return [];
  return histogram(await pixels(mask, ctx), rect, bins);
}

/** The mask's PNG route, by the global id GraphQL uses (base64 of "Mask:<digits>" never holds "/" or "+"), at the origin the client reached us at. */
export const maskPngUrl = (mask: MaskRow, colormap: string | null | undefined, ctx: GraphQLContext): string =>
  `${ctx.origin}/masks/${encodeGlobalID('Mask', mask.id)}.png${colormap && colormap !== 'GRAY' ? `?colormap=${colormap.toLowerCase()}` : ''}`;
