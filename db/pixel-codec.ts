import { endianness } from 'node:os';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import type { Mask, MaskData, MaskEncoding } from '../engine/mask.js';

/**
 * How mask_pixels.data is written; the name is stored per row so the choice can change later
 * without rewriting old rows. Measurements behind the default are in db/README.md.
 * - raw: the values' little-endian bytes.
 * - delta-deflate: each value minus its predecessor (wrapping, in the integer domain of the
 *   encoding — f32 as its bit pattern), then raw deflate. Exact for every encoding.
 * - shuffle-deflate: the same deltas with their bytes regrouped by significance (all low bytes,
 *   then the next, ...), then raw deflate at level 1. For u16 and f32: the high bytes of small
 *   deltas form long runs deflate takes cheaply, the low bytes are near-random whatever the level.
 * - shuffle-lz4: the same regrouped deltas (for u8 the deltas alone), as one LZ4 block preceded
 *   by its decompressed length (4 bytes, little-endian), as lz4_flex's `compress_prepend_size`
 *   and python-lz4's `lz4.block.compress(store_size=True)` write it.
 */
export type PixelCodec = 'raw' | 'delta-deflate' | 'shuffle-deflate' | 'shuffle-lz4';

export const PIXEL_CODECS: readonly PixelCodec[] = ['raw', 'delta-deflate', 'shuffle-deflate', 'shuffle-lz4'];

/**
 * What encodeMaskPixels uses when not told, for every encoding: measured in db/README.md, it
 * encodes 2–4× faster than the deflate codecs and decodes as fast or faster, for 20–140 % more
 * bytes. Rows written with the others stay readable: the codec is stored per row.
 */
export const DEFAULT_PIXEL_CODEC: PixelCodec = 'shuffle-lz4';

// Level 4 is the first with lazy matching: within 10% of level 6's size at about a third of its
// encode time (db/README.md). Shuffled planes gain little from it: their matches are runs.
const DEFLATE_LEVEL = 4;
const SHUFFLED_DEFLATE_LEVEL = 1;

// Typed-array views give host byte order; the stored format is little-endian.
if (endianness() !== 'LE') throw new Error('db/pixel-codec.ts requires a little-endian host');

export class PixelCodecError extends Error {
  override name = 'PixelCodecError';
}

export interface MaskShape {
  readonly width: number;
  readonly height: number;
  readonly encoding: MaskEncoding;
}

/** A mask as stored: its shape plus its pixels in a codec. Cheap to pass between threads. */
export interface EncodedMask extends MaskShape {
  readonly codec: PixelCodec;
  readonly bytes: Uint8Array;
}

const bytesPerValue: Record<MaskEncoding, number> = { u8: 1, u16: 2, f32: 4 };

/** Deltas are taken in these integer views — f32 as its bit pattern — so wrapping arithmetic is exact. */
type IntegerValues = Uint8Array | Uint16Array | Uint32Array;

function newIntegerValues(encoding: MaskEncoding, length: number): IntegerValues {
  return encoding === 'u8' ? new Uint8Array(length) : encoding === 'u16' ? new Uint16Array(length) : new Uint32Array(length);
}

function integerView(encoding: MaskEncoding, bytes: Uint8Array, length: number): IntegerValues {
  const { buffer, byteOffset } = bytes;
  return encoding === 'u8'
    ? new Uint8Array(buffer, byteOffset, length)
    : encoding === 'u16'
      ? new Uint16Array(buffer, byteOffset, length)
      : new Uint32Array(buffer, byteOffset, length);
}

function maskData(values: IntegerValues): MaskData {
  return values instanceof Uint32Array ? new Float32Array(values.buffer, values.byteOffset, values.length) : values;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// One loop per width keeps each loop's element accesses monomorphic, several times faster on V8
// than one loop over the union type.
function deltaEncode(values: IntegerValues, out: IntegerValues): void {
  const n = values.length;
  if (n === 0) return;
  out[0] = values[0];
  if (values instanceof Uint8Array) for (let i = 1; i < n; i++) out[i] = values[i] - values[i - 1];
  else if (values instanceof Uint16Array) for (let i = 1; i < n; i++) out[i] = values[i] - values[i - 1];
  else for (let i = 1; i < n; i++) out[i] = values[i] - values[i - 1];
}

/**
 * One buffer, reused, for the planes an encode hands to the compressor, which copies what it
 * keeps: a fresh 200 KB buffer per float mask would be garbage at ingest rate.
 */
let scratch = new Uint8Array(0);
function scratchBytes(byteLength: number): Uint8Array {
  if (scratch.byteLength < byteLength) scratch = new Uint8Array(byteLength);
  return scratch.subarray(0, byteLength);
}

/**
 * Deltas (as deltaEncode) with their bytes regrouped by significance: byte k of every delta
 * lands in plane k of `n` bytes. One pass, reading the values once. The result is scratch space,
 * valid until the next call.
 */
function deltaShuffle(values: Uint16Array | Uint32Array): Uint8Array {
  const n = values.length;
  const out = scratchBytes(n * values.BYTES_PER_ELEMENT);
  if (values instanceof Uint32Array && (n & 3) === 0) {
    deltaShuffleWords(new Int32Array(values.buffer, values.byteOffset, n), new Int32Array(out.buffer, out.byteOffset, n));
    return out;
  }
  let previous = 0;
  if (values instanceof Uint16Array) {
    for (let i = 0; i < n; i++) {
      const d = (values[i] - previous) & 0xffff;
      previous = values[i];
      out[i] = d;
      out[n + i] = d >>> 8;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const d = (values[i] - previous) >>> 0;
      previous = values[i];
      out[i] = d;
      out[n + i] = d >>> 8;
      out[2 * n + i] = d >>> 16;
      out[3 * n + i] = d >>> 24;
    }
  }
  return out;
}

/**
 * deltaShuffle of 32-bit values, a multiple of four of them, each plane a quarter of `planes`:
 * four deltas at a time, each plane's four bytes written as one little-endian word. On int32
 * views, where V8 keeps the arithmetic in integers (Uint32Array elements above 2³¹ are doubles):
 * 2.5–3× faster than a byte store per plane and value.
 */
function deltaShuffleWords(values: Int32Array, planes: Int32Array): void {
  const words = values.length >> 2;
  let previous = 0;
  for (let w = 0, i = 0; w < words; w++, i += 4) {
    const v0 = values[i];
    const v1 = values[i + 1];
    const v2 = values[i + 2];
    const v3 = values[i + 3];
    const d0 = v0 - previous;
    const d1 = v1 - v0;
    const d2 = v2 - v1;
    const d3 = v3 - v2;
    previous = v3;
    planes[w] = (d0 & 255) | ((d1 & 255) << 8) | ((d2 & 255) << 16) | (d3 << 24);
    planes[words + w] = ((d0 >>> 8) & 255) | (((d1 >>> 8) & 255) << 8) | (((d2 >>> 8) & 255) << 16) | ((d3 >>> 8) << 24);
    planes[2 * words + w] = ((d0 >>> 16) & 255) | (((d1 >>> 16) & 255) << 8) | (((d2 >>> 16) & 255) << 16) | ((d3 >>> 16) << 24);
    planes[3 * words + w] = (d0 >>> 24) | ((d1 >>> 24) << 8) | ((d2 >>> 24) << 16) | ((d3 >>> 24) << 24);
  }
}

/**
 * Byte deltas (as deltaEncode), four per 32-bit word where both arrays are word-aligned: each
 * byte minus the byte before it, without borrows between the bytes of a word
 * (((x | H) − (y & ~H)) ^ ((x ^ ~y) & H), H the bytes' top bits). About twice as fast as a loop
 * per byte; a uint8 mask is no more work than this, the CHI and LZ4.
 */
function byteDeltas(values: Uint8Array, out: Uint8Array): void {
  const n = values.length;
  const words = ((values.byteOffset | out.byteOffset) & 3) === 0 ? n >> 2 : 0;
  // The bytes after the last whole word first: code after the hot loop that no call has run
  // yet makes V8's optimised code bail out on every call.
  for (let i = words << 2; i < n; i++) out[i] = values[i] - (i > 0 ? values[i - 1] : 0);
  if (words === 0) return;
  const x = new Int32Array(values.buffer, values.byteOffset, words);
  const d = new Int32Array(out.buffer, out.byteOffset, words);
  let last = 0;
  for (let w = 0; w < words; w++) {
    const v = x[w];
    // Each byte's predecessor: the word's bytes moved up one, the last byte of the word before in front.
    const before = (v << 8) | (last >>> 24);
    last = v;
    d[w] = ((v | 0x80808080) - (before & 0x7f7f7f7f)) ^ ((v ^ ~before) & 0x80808080);
  }
}

function unshuffleDeltas(planes: Uint8Array, out: Uint16Array | Uint32Array): void {
  const n = out.length;
  let sum = 0;
  if (out instanceof Uint16Array) {
    for (let i = 0; i < n; i++) out[i] = sum = (sum + (planes[i] | (planes[n + i] << 8))) & 0xffff;
  } else {
    for (let i = 0; i < n; i++) {
      out[i] = sum = (sum + (planes[i] | (planes[n + i] << 8) | (planes[2 * n + i] << 16) | (planes[3 * n + i] << 24))) >>> 0;
    }
  }
}

function newDeltas(values: IntegerValues): IntegerValues {
  const deltas = newIntegerValues(values instanceof Uint8Array ? 'u8' : values instanceof Uint16Array ? 'u16' : 'f32', values.length);
  deltaEncode(values, deltas);
  return deltas;
}

function deltaDecode(deltas: IntegerValues, out: IntegerValues): void {
  const n = deltas.length;
  let sum = 0;
  if (deltas instanceof Uint8Array) for (let i = 0; i < n; i++) out[i] = sum = (sum + deltas[i]) & 0xff;
  else if (deltas instanceof Uint16Array) for (let i = 0; i < n; i++) out[i] = sum = (sum + deltas[i]) & 0xffff;
  else for (let i = 0; i < n; i++) out[i] = sum = (sum + deltas[i]) >>> 0;
}

function checkShape(mask: Mask): void {
  const expected = mask.encoding === 'u8' ? Uint8Array : mask.encoding === 'u16' ? Uint16Array : Float32Array;
  if (!(mask.data instanceof expected) || mask.data.length !== mask.width * mask.height) {
    throw new PixelCodecError(
      `mask ${mask.width}×${mask.height} ${mask.encoding} has ${mask.data.constructor.name} of ${mask.data.length} values`,
    );
  }
}

/**
 * Compression is most of the cost of storing a mask; an ingest pipeline can run this in worker
 * threads and hand the result to insertMasks in place of the mask.
 */
export function encodeMaskPixels(mask: Mask, codec: PixelCodec = DEFAULT_PIXEL_CODEC): EncodedMask {
  checkShape(mask);
  const { width, height, encoding } = mask;
  return { width, height, encoding, codec, bytes: encodeBytes(mask, codec) };
}

function encodeBytes(mask: Mask, codec: PixelCodec): Uint8Array {
  const bytes = bytesOf(mask.data);
  switch (codec) {
    case 'raw':
      return bytes.slice();
    case 'delta-deflate':
      return bytesOf(deflateRawSync(bytesOf(newDeltas(integerView(mask.encoding, bytes, mask.data.length))), { level: DEFLATE_LEVEL }));
    case 'shuffle-deflate':
      return bytesOf(deflateRawSync(shuffledDeltas(mask), { level: SHUFFLED_DEFLATE_LEVEL }));
    case 'shuffle-lz4': {
      const planes = shuffledDeltas(mask);
      return bytesOf(lz4Compress(Buffer.from(planes.buffer, planes.byteOffset, planes.byteLength)));
    }
  }
}

/** Scratch space, valid until the next encode. */
function shuffledDeltas(mask: Mask): Uint8Array {
  const values = integerView(mask.encoding, bytesOf(mask.data), mask.data.length);
  if (!(values instanceof Uint8Array)) return deltaShuffle(values);
  // One byte per value has nothing to regroup.
  const deltas = scratchBytes(values.length);
  byteDeltas(values, deltas);
  return deltas;
}

function unshuffle(planes: Uint8Array, values: IntegerValues): void {
  if (values instanceof Uint8Array) deltaDecode(planes, values);
  else unshuffleDeltas(planes, values);
}

/**
 * The length prefix is checked before the block is handed to LZ4: a corrupt prefix must not make
 * the decoder allocate gigabytes.
 */
function lz4Exactly(bytes: Uint8Array, byteLength: number): Uint8Array {
  if (bytes.byteLength < 4) throw new PixelCodecError(`shuffle-lz4 pixels have ${bytes.byteLength} bytes, too few for the length prefix`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (declared !== byteLength) throw new PixelCodecError(`shuffle-lz4 pixels declare ${declared} bytes, expected ${byteLength}`);
  let out: Uint8Array;
  try {
    out = lz4Uncompress(bytes);
  } catch (error) {
    throw new PixelCodecError(`shuffle-lz4 pixels do not decompress to ${byteLength} bytes: ${(error as Error).message}`);
  }
  if (out.byteLength !== byteLength) throw new PixelCodecError(`shuffle-lz4 pixels decompress to ${out.byteLength} bytes, expected ${byteLength}`);
  return out;
}

function inflateExactly(codec: string, bytes: Uint8Array, byteLength: number): Uint8Array {
  let inflated: Uint8Array;
  try {
    // Spare room in the one output chunk lets zlib finish the stream without a second chunk
    // and a concatenating copy.
    inflated = inflateRawSync(bytes, { maxOutputLength: byteLength, chunkSize: byteLength + 1024 });
  } catch (error) {
    throw new PixelCodecError(`${codec} pixels do not inflate to ${byteLength} bytes: ${(error as Error).message}`);
  }
  if (inflated.byteLength !== byteLength) {
    throw new PixelCodecError(`${codec} pixels inflate to ${inflated.byteLength} bytes, expected ${byteLength}`);
  }
  return inflated;
}

/** The returned mask owns its data: never a view into `bytes` or into a shared buffer. */
export function decodeMaskPixels(codec: string, bytes: Uint8Array, shape: MaskShape): Mask {
  const values = newIntegerValues(shape.encoding, shape.width * shape.height);
  decodeInto(codec, bytes, shape, values);
  return { width: shape.width, height: shape.height, encoding: shape.encoding, data: maskData(values) };
}

/**
 * As decodeMaskPixels, into the start of `scratch` rather than a buffer of the mask's own: for a
 * caller that counts one mask and is done with it before decoding the next (a scan), which saves
 * an allocation per mask. The mask's data is a view of scratch, valid until scratch is reused.
 * Throws RangeError if scratch is smaller than the decoded mask.
 */
export function decodeMaskPixelsInto(codec: string, bytes: Uint8Array, shape: MaskShape, scratch: ArrayBuffer): Mask {
  const length = shape.width * shape.height;
  const values = shape.encoding === 'u8' ? new Uint8Array(scratch, 0, length) : shape.encoding === 'u16' ? new Uint16Array(scratch, 0, length) : new Uint32Array(scratch, 0, length);
  decodeInto(codec, bytes, shape, values);
  return { width: shape.width, height: shape.height, encoding: shape.encoding, data: maskData(values) };
}

/** The decoded bytes of a mask of this shape. */
export const decodedByteLength = (shape: MaskShape): number => shape.width * shape.height * bytesPerValue[shape.encoding];

function decodeInto(codec: string, bytes: Uint8Array, shape: MaskShape, values: IntegerValues): void {
  const { width, height, encoding } = shape;
  const length = width * height;
  const byteLength = length * bytesPerValue[encoding];
  switch (codec) {
    case 'raw': {
      if (bytes.byteLength !== byteLength) {
        throw new PixelCodecError(`raw pixels have ${bytes.byteLength} bytes, expected ${byteLength} for ${width}×${height} ${encoding}`);
      }
      bytesOf(values).set(bytes);
      break;
    }
    case 'delta-deflate': {
      let inflated = inflateExactly(codec, bytes, byteLength);
      // Small outputs come from Buffer's shared pool at any offset; typed views need alignment.
      if (inflated.byteOffset % bytesPerValue[encoding] !== 0) inflated = new Uint8Array(inflated);
      deltaDecode(integerView(encoding, inflated, length), values);
      break;
    }
    case 'shuffle-deflate':
      unshuffle(inflateExactly(codec, bytes, byteLength), values);
      break;
    case 'shuffle-lz4':
      unshuffle(lz4Exactly(bytes, byteLength), values);
      break;
    default:
      throw new PixelCodecError(`unknown pixel codec '${codec}'`);
  }
}
