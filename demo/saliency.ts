import { Rng } from './rng.js';
import { resizeBilinear } from '../plugins/kit/resample.js';
import { objectClass } from './classes.js';
import { IMAGE_SIZE, STREAM, inPlacement, type ImagePlan } from './dataset.js';

/**
 * The model's saliency maps, made the way Grad-CAM makes them (as pytorch-grad-cam does): class
 * evidence on the coarse grid of the last convolutional layer, ReLU, min–max normalised, then
 * bilinearly upsampled to the image and kept as 8-bit values.
 */

/** ResNet-50's last convolutional layer at 224 px input is 7×7: one cell spans 32 px. */
const CAM_GRID = 7;
const CELL = IMAGE_SIZE / CAM_GRID;

/** A Gaussian bump of class evidence, in image pixels. */
interface Evidence {
  x: number;
  y: number;
  sigma: number;
  amplitude: number;
}

/**
 * Where the model finds evidence: on the object (mostly its telling detail), or, when it learned
 * a spurious cue, on the distractor with only a trace on the object. The distractor's bump is
 * wide enough that its best cell holds at least 2/3 of it wherever it falls between cell centres,
 * and the object's trace stays under 1/4, so after normalising the object stays below 0.4.
 */
function evidence(rng: Rng, plan: ImagePlan): Evidence[] {
  const { placement } = plan;
  const longer = Math.max(placement.width, placement.height);
  const [fx, fy] = inPlacement(placement, objectClass(plan.label).focus);
  if (plan.scenario === 'background-focus') {
    const { x, y } = plan.distractor!;
    return [
      { x, y, sigma: 24, amplitude: 1 },
      { x: fx, y: fy, sigma: 0.3 * longer, amplitude: rng.uniform(0.1, 0.25) },
    ];
  }
  const [cx, cy] = inPlacement(placement, [0.5, 0.5]);
  const found: Evidence[] = [
    { x: fx, y: fy, sigma: 0.3 * longer, amplitude: 1 },
    { x: cx, y: cy, sigma: 0.35 * longer, amplitude: rng.uniform(0.45, 0.75) },
  ];
  // Now and then a weak response to some texture of the background, as real maps have.
  if (rng.next() < 0.3) found.push({ x: rng.uniform(0, IMAGE_SIZE), y: rng.uniform(0, IMAGE_SIZE), sigma: 18, amplitude: rng.uniform(0.15, 0.35) });
  return found;
}

/** The class activation map on the coarse grid: evidence plus noise, ReLU, min–max normalised. */
function classActivation(rng: Rng, plan: ImagePlan): Float32Array {
  const bumps = evidence(rng, plan);
  const cam = new Float32Array(CAM_GRID * CAM_GRID);
  for (let r = 0; r < CAM_GRID; r++) {
    const y = (r + 0.5) * CELL;
    for (let c = 0; c < CAM_GRID; c++) {
      const x = (c + 0.5) * CELL;
      let v = 0.04 * (2 * rng.next() - 1) - 0.06;
      for (const b of bumps) v += b.amplitude * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.sigma * b.sigma));
      cam[r * CAM_GRID + c] = Math.max(v, 0);
    }
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of cam) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  for (let i = 0; i < cam.length; i++) cam[i] = (cam[i] - min) / (max - min);
  return cam;
}

/**
 * An attacked input's map: activation spread over the whole grid at middling values (0.24–0.56),
 * no strong peak, and only the cell over the object's centre somewhat higher (0.7–0.8), since the
 * model still sees the object a little. Not normalised: that is the pattern the dispersed-attention
 * query looks for.
 */
function attackedActivation(rng: Rng, plan: ImagePlan): Float32Array {
  const cam = new Float32Array(CAM_GRID * CAM_GRID);
  for (let i = 0; i < cam.length; i++) cam[i] = rng.uniform(0.24, 0.56);
  const [cx, cy] = inPlacement(plan.placement, [0.5, 0.5]);
  cam[Math.floor(cy / CELL) * CAM_GRID + Math.floor(cx / CELL)] = rng.uniform(0.7, 0.8);
  return cam;
}

/** The image's saliency map, IMAGE_SIZE² values k/255, row-major. */
export function renderSaliency(seed: number, plan: ImagePlan): Uint8Array {
  const rng = new Rng(seed, plan.index, STREAM.saliency);
  const cam = plan.scenario === 'dispersed' ? attackedActivation(rng, plan) : classActivation(rng, plan);
  const map = resizeBilinear(cam, CAM_GRID, CAM_GRID, IMAGE_SIZE, IMAGE_SIZE);
  const out = new Uint8Array(map.length);
  // + 0.5 and truncation round the non-negative values.
  for (let i = 0; i < map.length; i++) out[i] = (map[i] * 255 + 0.5) | 0;
  return out;
}
