import type { Database } from '../db/client.js';
import { getImagesByKeys } from '../db/repositories/images.js';
import { getMasksByImageIds } from '../db/repositories/masks.js';
import { getModelsByNames } from '../db/repositories/models.js';
import { planImage, type ImagePlan } from './dataset.js';
import { DEMO_MODEL } from './seed.js';

/** How much of the demo dataset of a seed and size a store holds. */
export type DemoState = 'absent' | 'partial' | 'complete';

/** The store holds demo images of another dataset (another seed): seeding would overwrite them. */
export class DemoConflict extends Error {
  override name = 'DemoConflict';
}

/** The image's label, split and metadata are those the plan gives: the store holds this dataset's image. */
function matches(row: { label: string | null; split: string | null; metadata: Record<string, unknown> }, plan: ImagePlan): boolean {
  const m = row.metadata;
  return (
    row.label === plan.label &&
    row.split === plan.split &&
    m.synthetic === true &&
    m.prediction === plan.prediction &&
    m.correct === plan.correct &&
    m.scenario === plan.scenario &&
    m.attacked === plan.attacked
  );
}

/**
 * Whether the store already has the dataset: none of its images, some (an interrupted or smaller
 * seeding), or every image with every mask. Throws DemoConflict when an image under a demo key is
 * not the one this seed makes.
 */
export async function demoState(db: Database, seed: number, images: number): Promise<DemoState> {
  const plans = new Map(Array.from({ length: images }, (_, i) => planImage(seed, i)).map((plan) => [plan.key, plan]));
  const rows = await getImagesByKeys(db, [...plans.keys()]);
  if (rows.length === 0) return 'absent';
  const stranger = rows.find((row) => !matches(row, plans.get(row.key)!));
  if (stranger) throw new DemoConflict(`the store holds an image ${stranger.key} that is not the one the demo makes with seed ${seed}`);
  if (rows.length < images) return 'partial';
  const [model] = await getModelsByNames(db, [DEMO_MODEL.name]);
  const slots = new Set((await getMasksByImageIds(db, rows.map((r) => r.id))).map((m) => `${m.imageId}/${m.modelId}/${m.maskType}`));
  const complete = rows.every((row) => {
    const plan = plans.get(row.key)!;
    return (
      slots.has(`${row.id}/${model?.id}/saliency`) &&
      slots.has(`${row.id}/null/segmentation:${plan.label}`) &&
      (!plan.humanAttention || slots.has(`${row.id}/null/human-attention`))
    );
  });
  return complete ? 'complete' : 'partial';
}
