import { Rng } from './rng.js';
import { CLASS_NAMES, objectClass, type ClassName } from './classes.js';

/**
 * What each demo image is: its class, split, planted case, prediction and layout. Everything
 * about image i follows from (seed, i) alone, so any image can be made without the others and a
 * larger dataset of the same seed extends a smaller one.
 */

export const IMAGE_SIZE = 224;

/** The most images a key of five digits numbers. */
export const MAX_IMAGES = 99_999;

export type Scenario = 'normal' | 'background-focus' | 'dispersed' | 'human-disagrees';

export const PLANTED_SCENARIOS = ['background-focus', 'dispersed', 'human-disagrees'] as const satisfies readonly Scenario[];

export type PlantedScenario = (typeof PLANTED_SCENARIOS)[number];

export type Split = 'train' | 'val' | 'test';

/** Independent random streams per image: how one aspect is drawn never shifts another. */
export const STREAM = { plan: 1, scene: 2, saliency: 3, fixations: 4 } as const;

/**
 * The planted shares. Human attention covers only the normal images (and so the disagreements
 * among them): on a background-focus or dispersed image people looking at the object would
 * disagree with the model too, and the human-vs-model query would mix the cases.
 */
const SHARE = {
  backgroundFocus: 0.04,
  dispersed: 0.04,
  /** Of the normal images. */
  humanAttention: 0.28,
  /** Of the images with human attention. */
  humanDisagrees: 0.15,
};

/** How often the model is right, by case: looking at the background or being attacked costs accuracy. */
const ACCURACY: Record<Scenario, number> = { normal: 0.92, 'human-disagrees': 0.9, 'background-focus': 0.45, dispersed: 0.3 };

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A conspicuous disc on the background. */
export interface Spot {
  x: number;
  y: number;
  radius: number;
}

export interface ImagePlan {
  index: number;
  key: string;
  label: ClassName;
  split: Split;
  scenario: Scenario;
  attacked: boolean;
  prediction: ClassName;
  correct: boolean;
  humanAttention: boolean;
  /** Where the silhouette's box is drawn, in pixels. */
  placement: Rect;
  /**
   * Something on the background that the model (background-focus) or the people
   * (human-disagrees) attend to instead of the object; null in the other cases.
   */
  distractor: Spot | null;
}

export const demoKey = (index: number): string => `demo-${String(index + 1).padStart(5, '0')}`;

function pickScenario(rng: Rng): { scenario: Scenario; humanAttention: boolean } {
  const u = rng.next();
  if (u < SHARE.backgroundFocus) return { scenario: 'background-focus', humanAttention: false };
  if (u < SHARE.backgroundFocus + SHARE.dispersed) return { scenario: 'dispersed', humanAttention: false };
  if (rng.next() >= SHARE.humanAttention) return { scenario: 'normal', humanAttention: false };
  return { scenario: rng.next() < SHARE.humanDisagrees ? 'human-disagrees' : 'normal', humanAttention: true };
}

/** The silhouette's box: its longer side a share of the image, its shape the class's. */
function boxSize(rng: Rng, label: ClassName, longer: readonly [number, number]): { width: number; height: number } {
  const side = IMAGE_SIZE * rng.uniform(longer[0], longer[1]);
  const { aspect } = objectClass(label);
  return aspect >= 1 ? { width: side, height: side / aspect } : { width: side * aspect, height: side };
}

/**
 * With a distractor, the object keeps to one corner and the distractor sits in the opposite
 * one, at least about 50 px from the object's box on both axes: far enough that a Grad-CAM cell
 * (32 px at 224 px) lit over one does not light the other.
 */
function layoutWithDistractor(rng: Rng, label: ClassName): { placement: Rect; distractor: Spot } {
  const { width, height } = boxSize(rng, label, [0.34, 0.44]);
  const right = rng.next() < 0.5;
  const bottom = rng.next() < 0.5;
  const x = right ? IMAGE_SIZE - width - rng.uniform(6, 18) : rng.uniform(6, 18);
  const y = bottom ? IMAGE_SIZE - height - rng.uniform(6, 18) : rng.uniform(6, 18);
  const dx = rng.uniform(26, 40);
  const dy = rng.uniform(26, 40);
  return {
    placement: { x, y, width, height },
    distractor: { x: right ? dx : IMAGE_SIZE - dx, y: bottom ? dy : IMAGE_SIZE - dy, radius: rng.uniform(9, 13) },
  };
}

function layoutAnywhere(rng: Rng, label: ClassName): Rect {
  const { width, height } = boxSize(rng, label, [0.38, 0.62]);
  return { x: rng.uniform(8, IMAGE_SIZE - 8 - width), y: rng.uniform(8, IMAGE_SIZE - 8 - height), width, height };
}

export function planImage(seed: number, index: number): ImagePlan {
  const rng = new Rng(seed, index, STREAM.plan);
  const label = CLASS_NAMES[rng.int(0, CLASS_NAMES.length - 1)];
  const u = rng.next();
  const split: Split = u < 0.7 ? 'train' : u < 0.85 ? 'val' : 'test';
  const { scenario, humanAttention } = pickScenario(rng);
  const correct = rng.next() < ACCURACY[scenario];
  // A wrong prediction is any other class: the first pick skips the label.
  const other = CLASS_NAMES[(CLASS_NAMES.indexOf(label) + rng.int(1, CLASS_NAMES.length - 1)) % CLASS_NAMES.length];
  const withDistractor = scenario === 'background-focus' || scenario === 'human-disagrees';
  const layout = withDistractor ? layoutWithDistractor(rng, label) : { placement: layoutAnywhere(rng, label), distractor: null };
  return {
    index,
    key: demoKey(index),
    label,
    split,
    scenario,
    attacked: scenario === 'dispersed',
    prediction: correct ? label : other,
    correct,
    humanAttention,
    ...layout,
  };
}

/** A point of the silhouette's unit square (0–1 across its box) in image pixels. */
export function inPlacement(placement: Rect, [u, v]: readonly [number, number]): [number, number] {
  return [placement.x + u * placement.width, placement.y + v * placement.height];
}
