import { Rng } from './rng.js';
import { objectClass } from './classes.js';
import { IMAGE_SIZE, STREAM, inPlacement, type ImagePlan } from './dataset.js';

/**
 * Simulated eye tracking: six to nine observers each fixate a few points of the image. People
 * look mostly at the object's telling detail (a face, a cab), then at its middle, and now and
 * then anywhere; in the human-disagrees case they look at the distractor instead, away from
 * where the model looks. The eyetracking source renders the maps from these fixations.
 */

/** [x, y, start (s), duration (s)]: a fixation as the nested format of recorded datasets lists it. */
export type Fixation = [x: number, y: number, start: number, duration: number];

interface Target {
  x: number;
  y: number;
  /** Scatter of the fixations around it, in pixels. */
  spread: number;
}

// Within the last pixel even after rounding to 1/10 px.
const clampToImage = (v: number) => Math.min(Math.max(v, 0), IMAGE_SIZE - 0.1);

/** A standard normal deviate (Box–Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function pickTarget(rng: Rng, plan: ImagePlan): Target | null {
  const u = rng.next();
  const { placement } = plan;
  const spread = 0.1 * Math.max(placement.width, placement.height);
  if (plan.scenario === 'human-disagrees') {
    return u < 0.85 ? { x: plan.distractor!.x, y: plan.distractor!.y, spread: 6 } : null;
  }
  if (u < 0.6) {
    const [x, y] = inPlacement(placement, objectClass(plan.label).focus);
    return { x, y, spread };
  }
  if (u < 0.9) {
    const [x, y] = inPlacement(placement, [0.5, 0.5]);
    return { x, y, spread };
  }
  return null;
}

/** Each observer's fixations, in viewing order; coordinates to 1/10 px, times to 1 ms. */
export function simulateFixations(seed: number, plan: ImagePlan): Fixation[][] {
  const rng = new Rng(seed, plan.index, STREAM.fixations);
  // Dividing by the power of ten, not multiplying by its inverse, gives the shortest decimals.
  const round = (v: number, scale: number) => Math.round(v * scale) / scale;
  const observers: Fixation[][] = [];
  for (let n = rng.int(6, 9); n > 0; n--) {
    const fixations: Fixation[] = [];
    let time = rng.uniform(0.05, 0.25);
    for (let k = rng.int(3, 6); k > 0; k--) {
      const target = pickTarget(rng, plan);
      // A glance elsewhere lands anywhere in the image.
      const x = target ? target.x + target.spread * gaussian(rng) : rng.uniform(0, IMAGE_SIZE);
      const y = target ? target.y + target.spread * gaussian(rng) : rng.uniform(0, IMAGE_SIZE);
      const duration = rng.uniform(0.15, 0.45);
      fixations.push([round(clampToImage(x), 10), round(clampToImage(y), 10), round(time, 1000), round(duration, 1000)]);
      time += duration + rng.uniform(0.02, 0.06);
    }
    observers.push(fixations);
  }
  return observers;
}

export interface WatchedImage {
  plan: ImagePlan;
  observers: Fixation[][];
}

/** The fixation file of some images, in the nested format the eyetracking source reads. */
export function fixationFile(images: readonly WatchedImage[]): object[] {
  return images.map(({ plan, observers }) => ({ image: `${plan.key}.png`, width: IMAGE_SIZE, height: IMAGE_SIZE, subjects: observers }));
}
