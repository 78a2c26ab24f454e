import { and, inArray, sql, type SQL } from 'drizzle-orm';
import type { MaskWhere } from '../../engine/where.js';
import { images, masks, models } from '../schema.js';

/**
 * A mask selection as SQL sees it: the engine's `MaskWhere` (the GraphQL one with mask ids
 * decoded), with the same meaning in SQL as in memory. Every list given must match (AND), any
 * entry within a list (OR); an empty list matches nothing.
 */
export type MaskFilter = MaskWhere;

const given = <T>(list: readonly T[] | null | undefined): list is readonly T[] => list !== undefined && list !== null;

const NOTHING = sql`false`;

/** A text[] literal built from parameters, so both drivers pass each element the same way. */
export function textArray(values: readonly string[]): SQL {
  return values.length === 0 ? sql`'{}'::text[]` : sql`array[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::text[]`;
}

function anyOf<T extends string | number>(column: Parameters<typeof inArray>[0], list: readonly T[]): SQL {
  return list.length === 0 ? NOTHING : inArray(column, [...list]);
}

/** The conditions on the image row (`images`), or undefined when the filter has none. */
export function imageConditions(filter: MaskFilter): SQL | undefined {
  const parts: SQL[] = [];
  if (given(filter.imageKeys)) parts.push(anyOf(images.key, filter.imageKeys));
  if (given(filter.imageLabels)) parts.push(anyOf(images.label, filter.imageLabels));
  if (given(filter.imageSplits)) parts.push(anyOf(images.split, filter.imageSplits));
  if (given(filter.imageTags)) parts.push(filter.imageTags.length === 0 ? NOTHING : sql`${images.tags} && ${textArray(filter.imageTags)}`);
  return parts.length === 0 ? undefined : and(...parts);
}

/**
 * The conditions on the mask row (`masks`, with `models` left-joined), or undefined when the
 * filter has none. A model name matches only masks of that model: masks of no model never do.
 */
export function maskConditions(filter: MaskFilter): SQL | undefined {
  const parts: SQL[] = [];
  if (given(filter.ids)) parts.push(anyOf(masks.id, filter.ids));
  if (given(filter.modelNames)) parts.push(anyOf(models.name, filter.modelNames));
  if (given(filter.maskTypes)) parts.push(anyOf(masks.maskType, filter.maskTypes));
  if (given(filter.sources)) parts.push(anyOf(masks.source, filter.sources));
  return parts.length === 0 ? undefined : and(...parts);
}

/** Both: for statements over masks joined to their image and model. */
export function maskFilterCondition(filter: MaskFilter | null | undefined): SQL | undefined {
  if (!filter) return undefined;
  return and(imageConditions(filter), maskConditions(filter));
}
