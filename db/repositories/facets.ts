import { eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { images, masks, models } from '../schema.js';
import { imageConditions, maskFilterCondition, maskConditions, type MaskFilter } from './mask-where.js';

/** One distinct value of a facet: how many masks (and how many images of those masks) carry it. */
export interface FacetValue {
  /** null: the masks have no value here (no label, no split, no model). */
  value: string | null;
  masks: number;
  images: number;
}

export interface Confusion {
  label: string;
  prediction: string;
  images: number;
}

/** Labels against `metadata.prediction` over the images of the selection that have both. */
export interface PredictionSummary {
  images: number;
  correct: number;
  /** Label/prediction pairs that differ, most images first (then by label, prediction). */
  confusions: Confusion[];
}

export interface MaskFacets {
  masks: number;
  images: number;
  labels: FacetValue[];
  splits: FacetValue[];
  models: FacetValue[];
  maskTypes: FacetValue[];
  sources: FacetValue[];
  tags: FacetValue[];
  /** Names of image boxes (for ROIs by image box), counted over the images. */
  boxNames: FacetValue[];
  predictions: PredictionSummary;
}

type FacetName = 'labels' | 'splits' | 'models' | 'maskTypes' | 'sources';

/** The grouping-set columns, in the order of the `grouping(...)` bit mask (leftmost is the highest bit). */
const GROUPED: readonly FacetName[] = ['labels', 'splits', 'models', 'maskTypes', 'sources'];

const byCount = (a: FacetValue, b: FacetValue) => b.masks - a.masks || String(a.value).localeCompare(String(b.value));

/**
 * The distinct labels, splits, models, mask types and sources of the masks a filter selects,
 * with counts, in one GROUPING SETS statement; tags, box names and the prediction summary each
 * in one more, those three at once. Only masks are counted: an image without masks is in no facet.
 */
export async function maskFacets(db: Database, filter: MaskFilter | null | undefined): Promise<MaskFacets> {
  const where = maskFilterCondition(filter);
  const grouped = await db
    .select({
      grouping: sql<number>`grouping(${images.label}, ${images.split}, ${models.name}, ${masks.maskType}, ${masks.source})`.mapWith(Number),
      label: images.label,
      split: images.split,
      model: models.name,
      maskType: masks.maskType,
      source: masks.source,
      masks: sql<number>`count(*)`.mapWith(Number),
      images: sql<number>`count(distinct ${masks.imageId})`.mapWith(Number),
    })
    .from(masks)
    .innerJoin(images, eq(images.id, masks.imageId))
    .leftJoin(models, eq(models.id, masks.modelId))
    .where(where)
    .groupBy(
      sql`grouping sets ((${images.label}), (${images.split}), (${models.name}), (${masks.maskType}), (${masks.source}), ())`,
    );

  const facets: MaskFacets = {
    masks: 0,
    images: 0,
    labels: [],
    splits: [],
    models: [],
    maskTypes: [],
    sources: [],
    tags: [],
    boxNames: [],
    predictions: { images: 0, correct: 0, confusions: [] },
  };
  const valueOf = { labels: 'label', splits: 'split', models: 'model', maskTypes: 'maskType', sources: 'source' } as const;
  // grouping() sets a bit for each column not grouped by (the first column is the highest bit):
  // all bits set is the grand total, all but one a facet's row.
  const all = (1 << GROUPED.length) - 1;
  for (const row of grouped) {
    if (row.grouping === all) {
      facets.masks = row.masks;
      facets.images = row.images;
      continue;
    }
    const position = GROUPED.findIndex((_, i) => (all ^ row.grouping) === 1 << (GROUPED.length - 1 - i));
    const name = GROUPED[position];
    facets[name].push({ value: row[valueOf[name]], masks: row.masks, images: row.images });
  }

  // Tags, box names and predictions in parallel (PostgreSQL runs them at once; PGlite in turn).
  // Box names and predictions are about images: each image once, whatever its mask count.
  const tag = sql<string>`tag`;
  const boxName = sql<string>`box_name`;
  [facets.tags, facets.boxNames, facets.predictions] = await Promise.all([
    db
      .select({ value: tag, masks: sql<number>`count(*)`.mapWith(Number), images: sql<number>`count(distinct ${masks.imageId})`.mapWith(Number) })
      .from(sql`${masks} inner join ${images} on ${images.id} = ${masks.imageId} left join ${models} on ${models.id} = ${masks.modelId} cross join lateral unnest(${images.tags}) as tag`)
      .where(where)
      .groupBy(tag),
    db
      .select({ value: boxName, masks: sql<number>`0`.mapWith(Number), images: sql<number>`count(*)`.mapWith(Number) })
      .from(sql`${images} cross join lateral jsonb_object_keys(${images.boxes}) as box_name`)
      .where(selectedImages(filter))
      .groupBy(boxName),
    predictionSummary(db, filter),
  ]);

  for (const list of [facets.labels, facets.splits, facets.models, facets.maskTypes, facets.sources, facets.tags]) list.sort(byCount);
  facets.boxNames.sort((a, b) => b.images - a.images || String(a.value).localeCompare(String(b.value)));
  return facets;
}

/** Images with at least one mask the filter selects (the image conditions apply to the image itself). */
export function selectedImages(filter: MaskFilter | null | undefined) {
  const onMasks = filter ? maskConditions(filter) : undefined;
  const onImage = filter ? imageConditions(filter) : undefined;
  const hasMask = sql`exists (select 1 from ${masks} left join ${models} on ${models.id} = ${masks.modelId} where ${masks.imageId} = ${images.id}${
    onMasks ? sql` and ${onMasks}` : sql``
  })`;
  return onImage ? sql`${hasMask} and ${onImage}` : hasMask;
}

const CONFUSIONS = 10;

async function predictionSummary(db: Database, filter: MaskFilter | null | undefined): Promise<PredictionSummary> {
  const prediction = sql<string>`${images.metadata} ->> 'prediction'`;
  const rows = await db
    .select({ label: images.label, prediction, images: sql<number>`count(*)`.mapWith(Number) })
    .from(images)
    .where(sql`${selectedImages(filter)} and ${images.label} is not null and ${prediction} is not null`)
    .groupBy(images.label, prediction);
  let total = 0;
  let correct = 0;
  const confusions: Confusion[] = [];
  for (const row of rows) {
    total += row.images;
    if (row.label === row.prediction) correct += row.images;
    else confusions.push({ label: row.label!, prediction: row.prediction, images: row.images });
  }
  confusions.sort((a, b) => b.images - a.images || a.label.localeCompare(b.label) || a.prediction.localeCompare(b.prediction));
  return { images: total, correct, confusions: confusions.slice(0, CONFUSIONS) };
}
