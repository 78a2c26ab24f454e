import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NewImage } from '../db/repositories/images.js';
import { encodeNpy } from '../plugins/kit/npy.js';
import { IMAGE_SIZE, demoKey, planImage, type ImagePlan } from './dataset.js';
import { fixationFile, simulateFixations, type WatchedImage } from './fixations.js';
import { encodeRgbPng } from './png.js';
import { renderSaliency } from './saliency.js';
import { renderScene } from './scene.js';
import { cocoFile, objectMask, objectPolygons, type AnnotatedImage } from './segmentation.js';

/**
 * A shard: a run of consecutive images made and written together, as the files a user would
 * have — the pictures, their image list, one batch of saliency maps, one COCO annotation file,
 * one fixation file. Shards are independent, so they are made in parallel; each file stays
 * small enough to be ingested (all or nothing) in one go.
 */

/** The folders of the demo's files, under the demo directory. */
export const FOLDERS = { images: 'images', imageLists: 'image-lists', saliency: 'saliency', segmentation: 'segmentation', fixations: 'fixations' } as const;

export const SHARD_IMAGES = 100;

/**
 * The first shard is small: made and stored in well under a second, it gives every preset the
 * masks and boxes it needs (saliency, segmentation, human attention, the object box) while the
 * rest of the dataset is still being made.
 */
export const FIRST_SHARD_IMAGES = 20;

export interface ShardTask {
  seed: number;
  /** Index of the shard's first image. */
  start: number;
  count: number;
  /** The demo directory (absolute: image uris are made from it). */
  dir: string;
}

export interface ShardFiles {
  /** The image records, one JSON object per line, as `masksearch images import` reads them. */
  imageList: string;
  /** An N×224×224 uint8 .npy of the shard's saliency maps, its image keys in a .keys.txt beside it. */
  saliency: string;
  /** COCO instance annotations with polygons. */
  segmentation: string;
  /** Fixations of the shard's images with human attention, null when it has none. */
  fixations: string | null;
}

export interface ShardResult {
  files: ShardFiles;
  images: number;
  /** How many of the images have human attention (fixations). */
  watched: number;
}

const SIZE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** The record a user would import for the image: contract of the demo dataset (see README.md). */
function imageRecord(plan: ImagePlan, uri: string, annotated: AnnotatedImage): NewImage {
  return {
    key: plan.key,
    width: IMAGE_SIZE,
    height: IMAGE_SIZE,
    uri,
    label: plan.label,
    split: plan.split,
    metadata: { synthetic: true, prediction: plan.prediction, correct: plan.correct, scenario: plan.scenario, attacked: plan.attacked },
    boxes: { object: annotated.mask.box },
  };
}

export async function generateShard(task: ShardTask): Promise<ShardResult> {
  const { seed, start, count, dir } = task;
  // Named by its first and last image: demo-00001-00100.
  const name = `${demoKey(start)}-${demoKey(start + count - 1).slice('demo-'.length)}`;
  const path = (folder: keyof typeof FOLDERS, file: string) => join(dir, FOLDERS[folder], file);
  const saliency = new Uint8Array(count * SIZE_PIXELS);
  const annotated: AnnotatedImage[] = [];
  const watched: WatchedImage[] = [];
  const records: NewImage[] = [];
  const writes: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const plan = planImage(seed, start + i);
    const polygons = objectPolygons(plan);
    const image: AnnotatedImage = { plan, polygons, mask: objectMask(polygons) };
    const uri = path('images', `${plan.key}.png`);
    writes.push(writeFile(uri, encodeRgbPng(IMAGE_SIZE, IMAGE_SIZE, renderScene(seed, plan, image.mask))));
    saliency.set(renderSaliency(seed, plan), i * SIZE_PIXELS);
    if (plan.humanAttention) watched.push({ plan, observers: simulateFixations(seed, plan) });
    annotated.push(image);
    records.push(imageRecord(plan, uri, image));
  }
  const files: ShardFiles = {
    imageList: path('imageLists', `${name}.jsonl`),
    saliency: path('saliency', `${name}.npy`),
    segmentation: path('segmentation', `${name}.json`),
    fixations: watched.length > 0 ? path('fixations', `${name}.json`) : null,
  };
  writes.push(
    writeFile(files.imageList, records.map((r) => `${JSON.stringify(r)}\n`).join('')),
    writeFile(files.saliency, encodeNpy({ descr: '|u1', shape: [count, IMAGE_SIZE, IMAGE_SIZE], data: saliency })),
    writeFile(path('saliency', `${name}.keys.txt`), records.map((r) => `${r.key}\n`).join('')),
    writeFile(files.segmentation, JSON.stringify(cocoFile(annotated))),
  );
  if (files.fixations) writes.push(writeFile(files.fixations, JSON.stringify(fixationFile(watched))));
  await Promise.all(writes);
  return { files, images: count, watched: watched.length };
}

