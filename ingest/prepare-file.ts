import { basename } from 'node:path';
import type { MaskSource, SourceContext, SourceRecord } from '../plugins/kit/index.js';
import type { Box } from '../db/schema.js';
import type { EncodedMaskWithChi } from './encode-mask.js';
import type { MaskEncoder } from './encoder.js';
import { giveWayWhenDue } from './give-way.js';
import { extensionOf, imageKeyOf, type IngestFile } from './input-files.js';

/** Why one file fails; the ingest reports it with the file's name and goes on with the others. */
export class FileFailure extends Error {
  override name = 'FileFailure';
}

/** A mask of a file, validated and encoded, waiting to be stored. */
export interface PreparedMask {
  imageKey: string;
  maskType: string;
  metadata: Record<string, unknown>;
  imageAligned: boolean;
  stored: EncodedMaskWithChi;
}

/** What a file told about an image: its size (for a new image) and boxes to merge. */
export interface ImageFacts {
  width?: number;
  height?: number;
  boxes: Record<string, Box>;
}

export interface PreparedFile {
  name: string;
  masks: PreparedMask[];
  images: Map<string, ImageFacts>;
}

export interface PrepareSettings {
  source: MaskSource<unknown>;
  sourceOptions: unknown;
  context: SourceContext;
  encoder: MaskEncoder;
  maskType?: string;
  keyRegex?: RegExp;
}

/** The user's --mask-type replaces the part of a per-mask type before its first ':' ('segmentation:dog' → 'T:dog'). */
function maskTypeOf(recordType: string | undefined, userType: string | undefined, defaultType: string): string {
  if (!recordType) return userType ?? defaultType;
  if (!userType) return recordType;
  const colon = recordType.indexOf(':');
  return colon < 0 ? userType : userType + recordType.slice(colon);
}

const isPositiveInteger = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkBox(name: string, box: unknown, key: string): Box {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((n) => Number.isFinite(n)) || box[2] < 0 || box[3] < 0) {
    throw new FileFailure(`box '${name}' of image '${key}' must be [x, y, width, height] with finite numbers and width, height ≥ 0`);
  }
  return box as Box;
}

function addImageFacts(images: Map<string, ImageFacts>, record: SourceRecord & { kind: 'image' }): void {
  const { key, width, height, boxes } = record;
  if (typeof key !== 'string' || key === '') throw new FileFailure('the source gave an image without a key');
  if ((width !== undefined || height !== undefined) && !(isPositiveInteger(width) && isPositiveInteger(height))) {
    throw new FileFailure(`image '${key}' has size ${width}×${height}; width and height must be positive integers`);
  }
  const facts = images.get(key) ?? { boxes: {} };
  if (width !== undefined && facts.width !== undefined && (facts.width !== width || facts.height !== height)) {
    throw new FileFailure(`image '${key}' is given two sizes, ${facts.width}×${facts.height} and ${width}×${height}`);
  }
  if (width !== undefined) Object.assign(facts, { width, height });
  for (const [name, box] of Object.entries(boxes ?? {})) facts.boxes[name] = checkBox(name, box, key);
  images.set(key, facts);
}

function withinLimit(width: number, height: number, maxPixels: number, what: string): void {
  if (width * height > maxPixels) throw new FileFailure(`${what} is ${width}×${height} = ${width * height} pixels, more than the limit of ${maxPixels} (--max-mask-pixels)`);
}

const isMaskData = (d: unknown) => d instanceof Uint8Array || d instanceof Uint16Array || d instanceof Float32Array;

/**
 * Reads one file through its source and encodes every mask in it (in the encoder's workers,
 * several at a time). Throws FileFailure, naming the mask and what is wrong, if anything in the
 * file is; nothing is stored here.
 */
export async function prepareFile(file: IngestFile, settings: PrepareSettings): Promise<PreparedFile> {
  const { source, encoder } = settings;
  const key = imageKeyOf(file.name, settings.keyRegex);
  if (key === null) throw new FileFailure(`the file name does not match --key-regex ${settings.keyRegex} with a non-empty first group`);
  let bytes: Uint8Array;
  try {
    bytes = await file.read();
  } catch (error) {
    throw new FileFailure(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }

  const images = new Map<string, ImageFacts>();
  const masks: PreparedMask[] = [];
  const encoding: Promise<void>[] = [];
  let failure: Error | undefined;
  const sourceFile = { name: file.name, extension: extensionOf(file.name), key, bytes, sidecar: (suffix: string) => file.sidecar(suffix) };
  let index = 0;
  try {
    for await (const record of source.read(sourceFile, settings.sourceOptions, settings.context)) {
      if (failure) break;
      // A fixation file renders one map per image as it goes (0.5 s for the real demo's first dozen at load 2).
      await giveWayWhenDue();
      if (record.kind === 'image') {
        addImageFacts(images, record);
        if (record.width && record.height) withinLimit(record.width, record.height, settings.context.maxPixels, `image '${record.key}'`);
        continue;
      }
      const at = index++;
      const { imageKey, mask, metadata } = record;
      const which = `mask ${at + 1} (image '${imageKey}')`;
      if (typeof imageKey !== 'string' || imageKey === '') throw new FileFailure(`mask ${at + 1} has no image key`);
      if (!mask || !isMaskData(mask.data)) {
        throw new FileFailure(`${which}: pixel data must be a Uint8Array, Uint16Array or Float32Array, got ${mask?.data?.constructor?.name ?? typeof mask?.data}`);
      }
      // Sources check declared sizes before allocating; this catches one that did not.
      withinLimit(mask.width, mask.height, settings.context.maxPixels, which);
      if (metadata !== undefined && !isPlainObject(metadata)) throw new FileFailure(`${which}: metadata must be an object`);
      const entry = {
        imageKey,
        maskType: maskTypeOf(record.maskType, settings.maskType, source.defaultMaskType),
        metadata: { file: basename(file.name), ...metadata },
        imageAligned: record.imageAligned === true,
      };
      encoding.push(
        encoder.encode(mask.width, mask.height, mask.data).then(
          (result) => {
            if (result.ok) masks[at] = { ...entry, stored: result.value };
            else failure ??= new FileFailure(`${which}: ${result.reason}`);
          },
          (error: unknown) => {
            failure ??= error instanceof Error ? error : new Error(String(error));
          },
        ),
      );
      // Bounded: a file of many large masks must not be held decoded all at once.
      if (encoding.length >= encoder.concurrency) await encoding.shift();
    }
  } finally {
    // Masks already handed to the encoder are waited for even when the file fails: a pool closed
    // under them would reject with nobody listening.
    await Promise.all(encoding);
    // The encoder has read the masks (or its own copies of them): the bytes may be reused.
    file.release?.(bytes);
  }
  if (failure) throw failure;
  return { name: file.name, masks, images };
}
