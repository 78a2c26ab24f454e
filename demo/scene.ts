import { Rng } from './rng.js';
import { resizeBilinear } from '../plugins/kit/resample.js';
import { objectClass } from './classes.js';
import { IMAGE_SIZE, STREAM, type ImagePlan } from './dataset.js';
import type { ObjectMask } from './segmentation.js';

/**
 * The demo's pictures: a textured background in muted colours (noise, stripes or a gradient),
 * the object as a shaded, outlined silhouette in its class's colour, and in some images a
 * bright disc on the background, the distractor. Plainly synthetic, and legible under an overlay.
 */

type Rgb = [number, number, number];

const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
const WAVE_STEPS = 256;

/** Loud colours no class uses, so the distractor stands out from everything else. */
const DISTRACTOR_COLOURS: readonly Rgb[] = [
  [255, 0, 200],
  [0, 230, 230],
  [130, 255, 0],
];

/** Hue, saturation and lightness in [0, 1] as 8-bit RGB. */
function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + hue * 12) % 12;
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

const mutedColour = (rng: Rng): Rgb => hslToRgb(rng.next(), rng.uniform(0.12, 0.35), rng.uniform(0.3, 0.7));

/** How much of the second background colour each pixel takes, 0–1. */
function textureField(rng: Rng): Float32Array {
  const kind = rng.int(0, 2);
  if (kind === 0) {
    // Value noise, two octaves: a coarse grid and a finer one, each upsampled bilinearly.
    const octave = (cells: number, weight: number) =>
      resizeBilinear(Float32Array.from({ length: cells * cells }, () => rng.next() * weight), cells, cells, IMAGE_SIZE, IMAGE_SIZE);
    const coarse = octave(rng.int(4, 7), 0.7);
    const fine = octave(rng.int(18, 28), 0.3);
    for (let i = 0; i < PIXELS; i++) coarse[i] += fine[i];
    return coarse;
  }
  const angle = rng.uniform(0, Math.PI);
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const field = new Float32Array(PIXELS);
  if (kind === 1) {
    // One period of the wave, looked up: a sine per pixel is most of the time a scene takes.
    const period = rng.uniform(10, 28);
    const wave = Float32Array.from({ length: WAVE_STEPS }, (_, k) => 0.5 + 0.5 * Math.sin((2 * Math.PI * k) / WAVE_STEPS));
    const step = WAVE_STEPS / period;
    for (let y = 0, i = 0; y < IMAGE_SIZE; y++) {
      for (let x = 0; x < IMAGE_SIZE; x++, i++) field[i] = wave[Math.floor((x * dx + y * dy + IMAGE_SIZE) * step) % WAVE_STEPS];
    }
    return field;
  }
  // A linear gradient across the image along the angle.
  const span = IMAGE_SIZE * (Math.abs(dx) + Math.abs(dy));
  const offset = Math.min(0, IMAGE_SIZE * dx) + Math.min(0, IMAGE_SIZE * dy);
  for (let y = 0, i = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++, i++) field[i] = (x * dx + y * dy - offset) / span;
  }
  return field;
}

function paintBackground(rng: Rng, out: Uint8Array): void {
  const [a, b] = [mutedColour(rng), mutedColour(rng)];
  const field = textureField(rng);
  for (let i = 0; i < PIXELS; i++) {
    const t = field[i];
    out[i * 3] = a[0] + (b[0] - a[0]) * t;
    out[i * 3 + 1] = a[1] + (b[1] - a[1]) * t;
    out[i * 3 + 2] = a[2] + (b[2] - a[2]) * t;
  }
}

/** The silhouette: lit from above, with a dark outline where it meets the background. */
function paintObject(plan: ImagePlan, object: ObjectMask, out: Uint8Array): void {
  const colour = objectClass(plan.label).colour;
  const { data } = object;
  const [left, top, width, height] = object.box;
  const last = IMAGE_SIZE - 1;
  for (let y = top; y < top + height; y++) {
    const light = 1.1 - 0.3 * ((y - top) / height);
    for (let x = left, i = y * IMAGE_SIZE + left; x < left + width; x++, i++) {
      if (data[i] === 0) continue;
      const edge =
        x === 0 || y === 0 || x === last || y === last || data[i - 1] === 0 || data[i + 1] === 0 || data[i - IMAGE_SIZE] === 0 || data[i + IMAGE_SIZE] === 0;
      const shade = edge ? 0.45 : light;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.min(255, colour[c] * shade);
    }
  }
}

function paintDistractor(rng: Rng, plan: ImagePlan, out: Uint8Array): void {
  const spot = plan.distractor!;
  const colour = DISTRACTOR_COLOURS[rng.int(0, DISTRACTOR_COLOURS.length - 1)];
  const reach = Math.ceil(spot.radius);
  for (let y = Math.floor(spot.y) - reach; y <= spot.y + reach; y++) {
    for (let x = Math.floor(spot.x) - reach; x <= spot.x + reach; x++) {
      const distance = Math.hypot(x + 0.5 - spot.x, y + 0.5 - spot.y);
      if (distance > spot.radius || x < 0 || y < 0 || x >= IMAGE_SIZE || y >= IMAGE_SIZE) continue;
      const shade = distance > spot.radius - 2 ? 0.5 : 1;
      for (let c = 0; c < 3; c++) out[(y * IMAGE_SIZE + x) * 3 + c] = colour[c] * shade;
    }
  }
}

/** The picture of a planned image, RGB row-major; `object` is its segmentation. */
export function renderScene(seed: number, plan: ImagePlan, object: ObjectMask): Uint8Array {
  const rng = new Rng(seed, plan.index, STREAM.scene);
  const out = new Uint8Array(PIXELS * 3);
  paintBackground(rng, out);
  if (plan.distractor) paintDistractor(rng, plan, out);
  paintObject(plan, object, out);
  return out;
}
