import type { ZodType } from 'zod';

/**
 * The contract between MaskSearch and a mask source plugin. A plugin module imports only this
 * folder (`plugins/kit/`) and its own libraries; the built-in sources are written the same way.
 */

/**
 * Pixel values of one mask, row-major (value at row r, column c is data[r * width + c]).
 * Uint8Array holds k/255, Uint16Array k/65535, Float32Array the value itself, which must be
 * finite and in [0, 1]. What a plugin hands over is stored exactly as given.
 */
export type MaskValues = Uint8Array | Uint16Array | Float32Array;

export interface SourceMask {
  readonly width: number;
  readonly height: number;
  readonly data: MaskValues;
}

/** A rectangle [x, y, w, h] in image pixel coordinates. */
export type ImageBox = [x: number, y: number, w: number, h: number];

/** One kind of file a source reads, for help texts and for picking files out of folders. */
export interface SourceInput {
  /** Lower-case file name endings with the dot, e.g. ['.npy'] or ['.json', '.jsonl']. */
  readonly extensions: readonly string[];
  readonly description: string;
}

/** A file handed to a source. */
export interface SourceFile {
  /** The name as the user gave it (a path, or an upload's file name); for messages. */
  readonly name: string;
  /** Its lower-case extension with the dot ('.npy'), '' when it has none. */
  readonly extension: string;
  /** The image key taken from the file name: the name without extension, or --key-regex's first group. */
  readonly key: string;
  /**
   * The file's contents, valid while the source reads the file: once its read ends, the memory
   * may hold the next file. A mask's data may be a view of them (MaskSearch has read it by then);
   * anything kept longer (in metadata, say) must be a copy.
   */
  readonly bytes: Uint8Array;
  /**
   * A companion file: the file name without its extension plus `suffix` (e.g. '.keys.txt' for
   * 'batch.npy' is 'batch.keys.txt'), next to it on disk or among the same upload. Null if absent.
   */
  sidecar(suffix: string): Promise<Uint8Array | null>;
}

export interface SourceContext {
  /** The registered size of an image, or null when the image is unknown or has no size. */
  imageSize(key: string): Promise<{ width: number; height: number } | null>;
  /**
   * The most pixels (width × height) a mask or image may have. A source checks sizes a file
   * declares (a PNG header, a COCO image, an array shape) against it before allocating for
   * them, with checkPixelCount.
   */
  readonly maxPixels: number;
}

/** The default of SourceContext.maxPixels (`--max-mask-pixels`): 4096 × 4096. */
export const DEFAULT_MAX_PIXELS = 4096 * 4096;

/** Throws SourceInputError when a declared width × height exceeds the limit; `what` says whose size it is. */
export function checkPixelCount(width: number, height: number, maxPixels: number, what: string): void {
  if (width * height > maxPixels) {
    throw new SourceInputError(`${what} is ${width}×${height} = ${width * height} pixels, more than the limit of ${maxPixels} (the server's --max-mask-pixels)`);
  }
}

/** A mask a source produced. */
export interface SourceMaskRecord {
  readonly kind: 'mask';
  readonly imageKey: string;
  readonly mask: SourceMask;
  /**
   * Overrides the mask type for this mask (e.g. one per segmentation class); otherwise the
   * ingest's --mask-type, else the source's defaultMaskType. A --mask-type given by the user
   * replaces the part before the first ':' of a per-mask type ('segmentation:dog' → 'T:dog').
   */
  readonly maskType?: string;
  readonly metadata?: Record<string, unknown>;
  /**
   * The mask is drawn in the image's pixel coordinates (fixations, segmentations): its size
   * must equal the image's registered size, and it gives the size of an image it registers.
   */
  readonly imageAligned?: boolean;
}

/** Facts about an image a source learned: its size (used only if the image is new) and named boxes (merged in). */
export interface SourceImageRecord {
  readonly kind: 'image';
  readonly key: string;
  readonly width?: number;
  readonly height?: number;
  readonly boxes?: Readonly<Record<string, ImageBox>>;
}

export type SourceRecord = SourceMaskRecord | SourceImageRecord;

/**
 * A mask source. `read` yields the records of one file; the ingest stores them all in one
 * transaction or, if anything is wrong with the file, none of them. Records may be yielded
 * lazily so a file of many large masks need not be held decoded at once.
 */
export interface MaskSource<Options = unknown> {
  /** Lower-case, used on the command line and in GraphQL (`--source gradcam`). */
  readonly name: string;
  readonly description: string;
  /** The mask type of masks that do not set one, when the user gives no --mask-type. */
  readonly defaultMaskType: string;
  readonly inputs: readonly SourceInput[];
  /** Validates and defaults the user's options; its JSON Schema is shown by Query.maskSources. */
  readonly options: ZodType<Options>;
  read(file: SourceFile, options: Options, context: SourceContext): AsyncIterable<SourceRecord> | Iterable<SourceRecord>;
}

/**
 * What is wrong with an input file, for its user: the ingest reports it with the file name in
 * front, so the message says where in the file (line, element, key) and what was expected.
 */
export class SourceInputError extends Error {
  override name = 'SourceInputError';
}

/** Typing help for plugin authors: infers Options from the schema. */
export function defineMaskSource<Options>(source: MaskSource<Options>): MaskSource<Options> {
  return source;
}
