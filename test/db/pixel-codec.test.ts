import { describe, expect, it } from 'vitest';
import type { Mask, MaskData } from '../../engine/mask.js';
import { decodeMaskPixels, encodeMaskPixels, PIXEL_CODECS, PixelCodecError } from '../../db/pixel-codec.js';
import { blobMask, seededRandom } from './mask-fixtures.js';

const bytesOf = (data: MaskData) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

function roundTrip(mask: Mask, codec: (typeof PIXEL_CODECS)[number]): Mask {
  return decodeMaskPixels(codec, encodeMaskPixels(mask, codec).bytes, mask);
}

function randomMask(encoding: Mask['encoding'], width: number, height: number, seed: number): Mask {
  const random = seededRandom(seed);
  const n = width * height;
  if (encoding === 'u8') return { width, height, encoding, data: Uint8Array.from({ length: n }, () => Math.floor(random() * 256)) };
  if (encoding === 'u16') return { width, height, encoding, data: Uint16Array.from({ length: n }, () => Math.floor(random() * 65536)) };
  return { width, height, encoding, data: Float32Array.from({ length: n }, () => random()) };
}

describe.each(PIXEL_CODECS)('pixel codec %s', (codec) => {
  it.each(['u8', 'u16', 'f32'] as const)('round-trips random %s masks bit for bit', (encoding) => {
    for (const [width, height] of [[1, 1], [3, 7], [64, 48]]) {
      const mask = randomMask(encoding, width, height, width * 1000 + height);
      const back = roundTrip(mask, codec);
      expect(back).toMatchObject({ width, height, encoding });
      expect(back.data.constructor).toBe(mask.data.constructor);
      expect(bytesOf(back.data)).toEqual(bytesOf(mask.data));
    }
  });

  it('keeps values whose deltas wrap around, and f32 edge values, exactly', () => {
    const u8: Mask = { width: 4, height: 2, encoding: 'u8', data: Uint8Array.of(0, 255, 0, 255, 255, 0, 1, 254) };
    const u16: Mask = { width: 4, height: 1, encoding: 'u16', data: Uint16Array.of(0, 65535, 0, 1) };
    const f32: Mask = {
      width: 6,
      height: 1,
      encoding: 'f32',
      data: Float32Array.of(0, 1, -0, 1.401298464324817e-45, 0.99999994, 1 / 3),
    };
    for (const mask of [u8, u16, f32]) expect(bytesOf(roundTrip(mask, codec).data)).toEqual(bytesOf(mask.data));
    expect(Object.is(roundTrip(f32, codec).data[2], -0)).toBe(true);
  });

  it('encodes only the view it is given, and decodes into a buffer of its own', () => {
    const backing = new Uint16Array(20).fill(7);
    const view = new Uint16Array(backing.buffer, 6, 12);
    view.set(Array.from({ length: 12 }, (_, i) => i * 5000));
    const mask: Mask = { width: 4, height: 3, encoding: 'u16', data: view };
    const stored = encodeMaskPixels(mask, codec).bytes;
    const back = decodeMaskPixels(codec, stored, mask);
    expect(Array.from(back.data)).toEqual(Array.from(view));
    expect(back.data.byteOffset).toBe(0);
    expect(back.data.buffer.byteLength).toBe(back.data.byteLength);
    const before = stored.slice();
    back.data.fill(0);
    expect(stored).toEqual(before);
  });

  it('rejects bytes that do not decode to the declared shape', () => {
    const mask = randomMask('u8', 8, 8, 1);
    const stored = encodeMaskPixels(mask, codec).bytes;
    expect(() => decodeMaskPixels(codec, stored, { width: 8, height: 9, encoding: 'u8' })).toThrow(PixelCodecError);
    expect(() => decodeMaskPixels(codec, stored.subarray(0, stored.length - 3), mask)).toThrow(PixelCodecError);
  });
});

describe('pixel codecs', () => {
  it('store little-endian values', () => {
    const u16: Mask = { width: 1, height: 1, encoding: 'u16', data: Uint16Array.of(0x0102) };
    const f32: Mask = { width: 1, height: 1, encoding: 'f32', data: Float32Array.of(1) };
    expect(Array.from(encodeMaskPixels(u16, 'raw').bytes)).toEqual([0x02, 0x01]);
    expect(Array.from(encodeMaskPixels(f32, 'raw').bytes)).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it('reject an unknown codec name and data that does not match the mask', () => {
    const mask = randomMask('u8', 2, 2, 3);
    expect(() => decodeMaskPixels('lz77', encodeMaskPixels(mask, 'raw').bytes, mask)).toThrow(/unknown pixel codec 'lz77'/);
    expect(() => encodeMaskPixels({ width: 3, height: 2, encoding: 'u8', data: new Uint8Array(5) })).toThrow(PixelCodecError);
    expect(() => encodeMaskPixels({ width: 2, height: 2, encoding: 'u16', data: new Uint8Array(4) })).toThrow(PixelCodecError);
  });

  it('delta-deflate shrinks a smooth 224×224 saliency mask well below raw', () => {
    const mask = blobMask(224, 224, 11);
    expect(encodeMaskPixels(mask, 'delta-deflate').bytes.byteLength).toBeLessThan(0.25 * encodeMaskPixels(mask, 'raw').bytes.byteLength);
  });
});
