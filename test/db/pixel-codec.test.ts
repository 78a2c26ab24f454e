import { compressSync as lz4Compress } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import type { Mask, MaskData } from '../../engine/mask.js';
import { decodeMaskPixels, decodeMaskPixelsInto, decodedByteLength, encodeMaskPixels, PIXEL_CODECS, PixelCodecError } from '../../db/pixel-codec.js';
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

  it('decodes into a reused scratch buffer exactly as into a buffer of its own, whatever the scratch held', () => {
    const scratch = new ArrayBuffer(64 * 48 * 4).slice(0);
    new Uint8Array(scratch).fill(0xa5);
    for (const encoding of ['f32', 'u8', 'u16'] as const) {
      for (const [width, height] of [[64, 48], [3, 7], [1, 1]]) {
        const mask = randomMask(encoding, width, height, width * 7 + height);
        const stored = encodeMaskPixels(mask, codec).bytes;
        const into = decodeMaskPixelsInto(codec, stored, mask, scratch);
        expect(into.data.buffer).toBe(scratch);
        expect(into.data.constructor).toBe(mask.data.constructor);
        expect(bytesOf(into.data)).toEqual(bytesOf(decodeMaskPixels(codec, stored, mask).data));
        expect(into.data.byteLength).toBe(decodedByteLength(mask));
      }
    }
    const big = randomMask('u8', 65, 65, 3);
    expect(() => decodeMaskPixelsInto(codec, encodeMaskPixels(big, codec).bytes, big, new ArrayBuffer(16))).toThrow(RangeError);
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

/**
 * Bytes as the codecs before shuffle-lz4 wrote them (produced by the db/pixel-codec.ts of commit
 * 7d173cb, when delta-deflate and shuffle-deflate were the defaults): stores written then must
 * stay readable whatever the current default is.
 */
describe('stored bytes of earlier defaults', () => {
  const masks = {
    u8: { width: 4, height: 3, encoding: 'u8', data: Uint8Array.of(0, 10, 20, 255, 254, 3, 3, 3, 128, 127, 0, 1) },
    u16: { width: 4, height: 3, encoding: 'u16', data: Uint16Array.of(0, 1000, 65535, 2, 3, 3, 40000, 39999, 7, 0, 65534, 1) },
    f32: { width: 4, height: 3, encoding: 'f32', data: Float32Array.of(0, 1, 0.5, 1 / 3, 0.25, 0.2500001, 1e-30, 0.9999999, 0.1, 0.7, 0, 1) },
  } satisfies Record<string, Mask>;
  const stored: [keyof typeof masks, string, string][] = [
    ['u8', 'delta-deflate', '63e0e27afd9f9581a1f67f232300'],
    ['u8', 'shuffle-deflate', '63e0e27afd9f9581a1f67f232300'],
    ['u16', 'delta-deflate', '636078c12cfe879981918181c176ceffff27927ffefff79f990100'],
    ['u16', 'shuffle-deflate', '637821ceccc860fbffc4cf7fcc0ccc7f181818e6fc4ffeff9f0100'],
    ['f32', 'delta-deflate', '63600081067b068686ffab57adfa1f1a7af53f33030343ac93d2f9797bef1a9e3fe3f32f2d2d8df1ec99330740ea00'],
    ['f32', 'shuffle-deflate', '013000cfff000000ab55035d9ecf66cd00000000aa550042bdcc66cc00008080aad50022dd4c66cc80003fffffff00cf31fe01c03f'],
  ];
  it.each(stored)('%s %s decodes bit for bit', (encoding, codec, hex) => {
    const mask = masks[encoding];
    const back = decodeMaskPixels(codec, Buffer.from(hex, 'hex'), mask);
    expect(bytesOf(back.data)).toEqual(bytesOf(mask.data));
  });
});

describe('shuffle-lz4', () => {
  it('writes one LZ4 block after the decompressed length, as python-lz4 store_size=True does', () => {
    const mask: Mask = { width: 4, height: 3, encoding: 'u8', data: new Uint8Array(12).fill(5) };
    const bytes = encodeMaskPixels(mask, 'shuffle-lz4').bytes;
    expect(Array.from(bytes.subarray(0, 4))).toEqual([12, 0, 0, 0]);
    // A hand-made block of the deltas 5, 0 × 11 as twelve literals (token 0xc0), which any
    // conforming LZ4 decoder reads.
    const literal = Uint8Array.of(12, 0, 0, 0, 0xc0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    expect(Array.from(decodeMaskPixels('shuffle-lz4', literal, mask).data)).toEqual(Array(12).fill(5));
  });

  it('compresses the deltas plane by plane as defined, for any length and alignment of the values', () => {
    // The definition, one value and one byte at a time: byte k of delta i at k·n + i.
    const planesOf = (mask: Mask) => {
      const size = mask.data.BYTES_PER_ELEMENT;
      const n = mask.data.length;
      const bytes = bytesOf(mask.data);
      const planes = new Uint8Array(n * size);
      for (let i = 0; i < n; i++) {
        for (let k = 0, borrow = 0; k < size; k++) {
          const d = bytes[i * size + k] - (i > 0 ? bytes[(i - 1) * size + k] : 0) - borrow;
          borrow = d < 0 ? 1 : 0;
          planes[k * n + i] = d & 255;
        }
      }
      return planes;
    };
    for (const encoding of ['u8', 'f32'] as const) {
      for (const [width, height] of [[224, 224], [4, 3], [5, 3], [1, 1]]) {
        for (const offset of [0, 1, 4]) {
          const mask = randomMask(encoding, width, height, width + height + offset);
          // The same values at an offset in a larger buffer (u8 views need not be word-aligned).
          const size = mask.data.BYTES_PER_ELEMENT;
          const backing = new ArrayBuffer((mask.data.length + offset + 1) * size);
          const data = encoding === 'u8' ? new Uint8Array(backing, offset, mask.data.length) : new Float32Array(backing, offset * size, mask.data.length);
          data.set(mask.data);
          const planes = planesOf(mask);
          // Compared as a whole: a deep equality of 200 KB arrays takes seconds.
          expect(Buffer.compare(encodeMaskPixels({ ...mask, data }, 'shuffle-lz4').bytes, lz4Compress(Buffer.from(planes)))).toBe(0);
        }
      }
    }
  });

  it('rejects a length prefix other than the shape gives before decompressing anything', () => {
    const mask = randomMask('f32', 8, 8, 4);
    const stored = encodeMaskPixels(mask, 'shuffle-lz4').bytes.slice();
    stored.set([0xff, 0xff, 0xff, 0xff], 0);
    expect(() => decodeMaskPixels('shuffle-lz4', stored, mask)).toThrow(/declare 4294967295 bytes, expected 256/);
    expect(() => decodeMaskPixels('shuffle-lz4', Uint8Array.of(1, 2), mask)).toThrow(PixelCodecError);
  });

  it('rejects a corrupt block with a PixelCodecError', () => {
    const mask = randomMask('u8', 8, 8, 5);
    // Prefix right, then a token announcing 15+ literals and a length byte running past the end.
    const corrupt = Uint8Array.of(64, 0, 0, 0, 0xf0, 0xff, 1, 2, 3);
    expect(() => decodeMaskPixels('shuffle-lz4', corrupt, mask)).toThrow(PixelCodecError);
  });
});
