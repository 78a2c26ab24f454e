import type { Database } from '../db/client.js';
import { getImagesByKeys, registerImages, type ImageRegistration } from '../db/repositories/images.js';
import { insertMasks, type InsertedMask, type MaskConflictPolicy, type NewMask } from '../db/repositories/masks.js';
import { getModelsByNames, upsertModels } from '../db/repositories/models.js';
import type { ImageRow } from '../db/schema.js';
import { giveWayWhenDue } from './give-way.js';
import { FileFailure, type PreparedFile } from './prepare-file.js';

export interface StoreSettings {
  source: string;
  model?: string;
  onDuplicate: MaskConflictPolicy;
  /** Register images that do not exist yet, sized from their masks; otherwise such a file fails. */
  createImages: boolean;
}

export interface StoredFile {
  name: string;
  outcomes: InsertedMask['outcome'][];
  createdImages: number;
}

const sizeText = (w: number | null | undefined, h: number | null | undefined) => `${w}×${h}`;

/**
 * The images a file needs, checked against those registered: a mask drawn in image coordinates
 * must have the image's size, and a missing image is created (from what the file says of its
 * size, else from its masks) only when allowed. Throws FileFailure naming the image.
 */
function imageRegistrations(file: PreparedFile, existing: Map<string, ImageRow>, createImages: boolean): { registrations: ImageRegistration[]; created: number } {
  const keys = new Set([...file.masks.map((m) => m.imageKey), ...file.images.keys()]);
  const registrations: ImageRegistration[] = [];
  let created = 0;
  for (const key of keys) {
    const facts = file.images.get(key);
    const masks = file.masks.filter((m) => m.imageKey === key);
    const image = existing.get(key);
    const width = image ? image.width : (facts?.width ?? (masks.find((m) => m.imageAligned) ?? masks[0])?.stored.pixels.width);
    const height = image ? image.height : (facts?.height ?? (masks.find((m) => m.imageAligned) ?? masks[0])?.stored.pixels.height);
    if (!image && !createImages) {
      throw new FileFailure(`image '${key}' is not registered (register it first with \`masksearch images import\`, or let the ingest create missing images)`);
    }
    if (image && facts?.width !== undefined && image.width !== null && (facts.width !== image.width || facts.height !== image.height)) {
      throw new FileFailure(`image '${key}' is ${sizeText(facts.width, facts.height)} in this file but registered as ${sizeText(image.width, image.height)}`);
    }
    for (const m of masks) {
      const { width: mw, height: mh } = m.stored.pixels;
      if (m.imageAligned && width != null && (mw !== width || mh !== height)) {
        throw new FileFailure(`the ${m.maskType} mask of image '${key}' is ${sizeText(mw, mh)}, but the image is ${sizeText(width, height)}${image ? ' as registered' : ''}`);
      }
    }
    const boxes = facts?.boxes ?? {};
    if (!image) created++;
    if (!image || Object.keys(boxes).length > 0) registrations.push({ key, width, height, boxes });
  }
  return { registrations, created };
}

/** The model's id, registering it (without kind or metadata) the first time it is named. */
async function modelId(tx: Database, name: string): Promise<number> {
  const [existing] = await getModelsByNames(tx, [name]);
  return existing ? existing.id : (await upsertModels(tx, [{ name }]))[0];
}

/**
 * Stores several prepared files in one transaction: their new images and boxes, the model, and
 * every mask with its pixels and CHI. Throws if anything fails, and then nothing of any of them
 * is stored; the caller retries file by file to find whose fault it was.
 */
export async function storeFiles(db: Database, files: readonly PreparedFile[], settings: StoreSettings): Promise<StoredFile[]> {
  const keys = [...new Set(files.flatMap((f) => [...f.masks.map((m) => m.imageKey), ...f.images.keys()]))];
  const existing = new Map((await getImagesByKeys(db, keys)).map((row) => [row.key, row]));
  // Each file is checked against the images as they were plus those created by files before it.
  const plans = files.map((file) => {
    const plan = imageRegistrations(file, existing, settings.createImages);
    for (const r of plan.registrations) {
      if (!existing.has(r.key)) existing.set(r.key, { key: r.key, width: r.width ?? null, height: r.height ?? null } as ImageRow);
    }
    return plan;
  });
  await giveWayWhenDue();
  return db.transaction(async (tx) => {
    const imageIds = await registerImages(tx, plans.flatMap((p) => p.registrations));
    const missing = keys.filter((k) => !imageIds.has(k));
    for (const row of await getImagesByKeys(tx, missing)) imageIds.set(row.key, row.id);
    const model = settings.model === undefined ? null : await modelId(tx, settings.model);
    const newMasks: NewMask[] = files.flatMap((file) =>
      file.masks.map((m) => {
        const imageId = imageIds.get(m.imageKey);
        if (imageId === undefined) throw new FileFailure(`image '${m.imageKey}' was deleted during the ingest`);
        return { imageId, modelId: model, maskType: m.maskType, source: settings.source, mask: m.stored.pixels, chi: m.stored.chi, metadata: m.metadata };
      }),
    );
    // Other statements wait for the transaction; requests that need none (the explorer's files) need not.
    await giveWayWhenDue();
    const outcomes = await insertMasks(tx, newMasks, { onConflict: settings.onDuplicate });
    let at = 0;
    return files.map((file, i) => ({
      name: file.name,
      outcomes: outcomes.slice(at, (at += file.masks.length)).map((o) => o.outcome),
      createdImages: plans[i].created,
    }));
  });
}
