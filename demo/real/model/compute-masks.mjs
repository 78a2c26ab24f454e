// Computes the real demo's model masks and object boxes, once, from the NUS Scene photographs:
//
//   npm ci && node compute-masks.mjs --nus PATH/TO/eye-tracking [--count 80] [--out ../data]
//
// The model is the CenterNet (MobileNetV3) COCO detector that ships inside @vladmandic/human,
// run on tfjs with the wasm backend: nothing is downloaded. For each photo it gives detections
// (boxes, scores, one of 80 COCO classes) and, free with them, a 128×128 centre heatmap per class
// (after sigmoid). The model's attention map of a photo is the maximum over the classes of those
// heatmaps — where the detector sees the centre of any object — bilinearly upsampled to the
// photo's size and min-max normalised, as Grad-CAM maps are. It is written as an 8-bit PNG that
// the gradcam source ingests as it is.
//
// Photos: the 256×256 ones (no rescaling of fixations needed) whose every observer's fixations
// are recorded and on which the detector finds something with a score ≥ MIN_TOP_SCORE, in the
// dataset's order, until --count. The JPEG files are copied unchanged.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { encode } from 'fast-png';
import jpeg from 'jpeg-js';

const HUMAN = join(dirname(new URL(import.meta.url).pathname), 'node_modules', '@vladmandic', 'human');
const WASM = join(dirname(new URL(import.meta.url).pathname), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist/');

const { values } = parseArgs({
  options: {
    nus: { type: 'string' },
    count: { type: 'string', default: '80' },
    out: { type: 'string', default: join(dirname(new URL(import.meta.url).pathname), '..', 'data') },
  },
});
if (!values.nus) {
  console.error('usage: node compute-masks.mjs --nus DIR (the NUS Scene folder: scene-fixations.json, stimuli/) [--count 80] [--out ../data]');
  process.exit(2);
}
const COUNT = Number(values.count);
const OUT = resolve(values.out);
const MIN_TOP_SCORE = 0.3;
const MIN_SCORE = 0.2;
const IOU = 0.4;
const MAX_DETECTED = 10;
const INPUT = 512;

// The COCO labels in the order of the model's classes (human's src/object/labels.ts).
const LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light', 'fire hydrant',
  'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
  'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
  'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork',
  'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut',
  'cake', 'chair', 'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
  'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush',
];

/** Plain tfjs in Node has no file:// loader: model.json and its weight shards, read from disk. */
function fileHandler(modelJson) {
  return {
    async load() {
      const json = JSON.parse(await readFile(modelJson, 'utf8'));
      const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dirname(modelJson), p))));
      const bytes = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
}

/** Detections as [x, y, w, h] in photo pixels, best first, after non-max suppression. */
async function detections(raw, width, height) {
  const rows = (await raw.array())[0];
  const boxes = tf.tensor2d(rows.map(([x1, y1, x2, y2]) => [y1, x1, y2, x2]));
  const scores = tf.tensor1d(rows.map((r) => r[4]));
  const kept = await tf.image.nonMaxSuppressionAsync(boxes, scores, MAX_DETECTED, IOU, MIN_SCORE);
  const ids = Array.from(await kept.data());
  tf.dispose([boxes, scores, kept]);
  return ids
    .map((id) => {
      const [x1, y1, x2, y2, score, cls] = rows[id];
      const x = Math.max(0, (x1 / INPUT) * width);
      const y = Math.max(0, (y1 / INPUT) * height);
      const w = Math.min(width, (x2 / INPUT) * width) - x;
      const h = Math.min(height, (y2 / INPUT) * height) - y;
      return { label: LABELS[cls], score: Math.round(score * 1000) / 1000, box: [x, y, w, h].map((v) => Math.round(v * 10) / 10) };
    })
    .filter((d) => d.label !== undefined && d.box[2] > 0 && d.box[3] > 0)
    .sort((a, b) => b.score - a.score);
}

/** A normalised 1-D Gaussian kernel of σ pixels, 3σ each side. */
function gaussian(sigma) {
  const radius = Math.ceil(3 * sigma);
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma ** 2)));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}

/**
 * The heatmap maximum over classes, at the photo's size, blurred by the Gaussian the eyetracking
 * source gives people's fixations by default (σ = 1/30 of the longer side, about one degree), so
 * that the two kinds of map are compared at one spatial scale; then min-max normalised to 8 bits.
 * Without the blur the detector's peaks are a few pixels wide and almost every IoU would be 0.
 */
async function attentionMap(keypoints, width, height) {
  const kernel = gaussian(Math.max(width, height) / 30);
  const map = tf.tidy(() => {
    const up = tf.image.resizeBilinear(tf.max(keypoints, 3, true), [height, width], true);
    const horizontal = tf.conv2d(up, tf.tensor4d(kernel, [1, kernel.length, 1, 1]), 1, 'same');
    return tf.conv2d(horizontal, tf.tensor4d(kernel, [kernel.length, 1, 1, 1]), 1, 'same').reshape([height * width]);
  });
  const values = await map.data();
  map.dispose();
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(((values[i] - lo) / (hi - lo || 1)) * 255);
  return { out, peak: hi };
}

async function main() {
  setWasmPaths(WASM);
  await tf.setBackend('wasm');
  await tf.ready();
  const model = await tf.loadGraphModel(fileHandler(join(HUMAN, 'models', 'centernet.json')));
  const recordings = JSON.parse(await readFile(join(values.nus, 'scene-fixations.json'), 'utf8'));
  const candidates = recordings.filter((r) => r.width === 256 && r.height === 256 && r.subjects.every((s) => s.length > 0));
  for (const folder of ['photos', 'saliency']) await mkdir(join(OUT, folder), { recursive: true });

  const images = [];
  const fixations = [];
  const started = performance.now();
  for (const recording of candidates) {
    if (images.length === COUNT) break;
    const number = recording.image.replace(/\.jpg$/, '');
    const key = `nus-${number}`;
    const photo = join(values.nus, 'stimuli', recording.image);
    const decoded = jpeg.decode(await readFile(photo), { useTArray: true, formatAsRGBA: false });
    const { width, height } = decoded;
    const input = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(decoded.data, [height, width, 3], 'int32').toFloat().expandDims(0), [INPUT, INPUT]));
    const [raw, keypoints] = model.execute(input, ['tower_0/detections', 'tower_0/keypoints']);
    input.dispose();
    const found = await detections(raw, width, height);
    if (found.length === 0 || found[0].score < MIN_TOP_SCORE) {
      tf.dispose([raw, keypoints]);
      continue;
    }
    const { out, peak } = await attentionMap(keypoints, width, height);
    tf.dispose([raw, keypoints]);
    await writeFile(join(OUT, 'saliency', `${key}.png`), encode({ width, height, data: out, channels: 1, depth: 8 }));
    await copyFile(photo, join(OUT, 'photos', `${key}.jpg`));
    // One box per class (its best detection), and the best detection of all as `object`.
    const boxes = { object: found[0].box };
    for (const d of found) boxes[d.label.replace(/ /g, '-')] ??= d.box;
    images.push({
      key,
      width,
      height,
      boxes,
      metadata: { dataset: 'NUS Scene', photo: recording.image, prediction: found[0].label, score: found[0].score, heatmapPeak: Math.round(peak * 1000) / 1000, detections: found },
    });
    fixations.push({ ...recording, image: `${key}.jpg` });
    console.log(`${key}: ${found.map((d) => `${d.label} ${d.score}`).join(', ')}`);
  }
  await writeFile(join(OUT, 'images.jsonl'), images.map((i) => JSON.stringify(i)).join('\n') + '\n');
  await writeFile(join(OUT, 'fixations.json'), JSON.stringify(fixations));
  console.log(`${images.length} photos in ${((performance.now() - started) / 1000).toFixed(1)} s, written to ${OUT}`);
}

await main();
