import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceInputError } from '../../../plugins/kit/index.js';
import { checkRleCounts, decodeRleString, encodeRleString, paintRle } from '../../../plugins/segmentation/coco-rle.js';
import { artOf } from './helpers.js';

function decodeMask(counts: readonly number[], width: number, height: number): string[] {
  const mask = new Uint8Array(width * height);
  paintRle(counts, mask, width, height);
  return artOf(mask, width);
}

describe('compressed RLE strings', () => {
  it('decodes hand-decoded strings', () => {
    // Single characters are 5-bit values + 48: '1' '2' '4'. The fourth number is stored as its
    // difference to the second: 1 - 2 = -1 is group 31 with the sign bit (0x10), 'O' (79); the
    // fifth, 4 - 4 = 0, is '0'.
    expect(decodeRleString('124O0')).toEqual([1, 2, 4, 1, 4]);
    // 100 = 3·32 + 4: group 4 with the continuation bit (0x20), 48 + 36 = 'T', then group 3, '3'.
    expect(decodeRleString('T35?')).toEqual([100, 5, 15]);
    // 50 = 1·32 + 18: 'b' (48 + 18 + 32), '1'. The fourth, 10 - 50 = -40 = -2·32 + 24: 'h' (48 + 24 + 32),
    // then -2's low five bits, 30, which have the sign bit and end the number: 'N'.
    expect(decodeRleString('0b13hN')).toEqual([0, 50, 3, 10]);
    expect(decodeRleString('')).toEqual([]);
  });

  it('encodes to the same strings', () => {
    expect(encodeRleString([1, 2, 4, 1, 4])).toBe('124O0');
    expect(encodeRleString([100, 5, 15])).toBe('T35?');
    expect(encodeRleString([0, 50, 3, 10])).toBe('0b13hN');
  });

  it('round-trips any counts', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2 ** 31 - 1 }), { maxLength: 40 }), (counts) => {
        expect(decodeRleString(encodeRleString(counts))).toEqual(counts);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses characters outside the alphabet, numbers cut off, and negative runs', () => {
    expect(() => decodeRleString('12 4')).toThrow(new SourceInputError(`has " " at character 2; compressed RLE uses only the characters '0' to 'o'`));
    expect(() => decodeRleString('12p')).toThrow(/has "p" at character 2/);
    // 'T' has the continuation bit set, and the string ends.
    expect(() => decodeRleString('12T')).toThrow(new SourceInputError('ends inside a number (the number starting at character 2 has its continuation bit set)'));
    // 'O' is -1 as the first count.
    expect(() => decodeRleString('O')).toThrow(new SourceInputError('decodes to a negative run length (-1) as count 0, at character 0'));
    expect(() => decodeRleString('oooooooo0')).toThrow(/number longer than 7 characters at character 0/);
  });
});

describe('RLE counts', () => {
  it('are column-major: a 4 wide, 3 high mask', () => {
    // Positions run down each column: 1–2 are column 0, rows 1–2; 7 is column 2, row 1.
    expect(decodeMask([1, 2, 4, 1, 4], 4, 3)).toEqual([
      '....',
      '#.#.',
      '#...',
    ]);
  });

  it('are column-major: a compressed string on a 12 wide, 10 high mask', () => {
    // Positions 100–104: column 10, rows 0–4.
    expect(decodeMask(decodeRleString('T35?'), 12, 10)).toEqual([
      ...Array.from({ length: 5 }, () => '..........#.'),
      ...Array.from({ length: 5 }, () => '............'),
    ]);
  });

  it('paint a union: pixels already set stay set', () => {
    const mask = new Uint8Array(4 * 3);
    paintRle([1, 2, 9], mask, 4, 3);
    paintRle([2, 2, 8], mask, 4, 3);
    expect(artOf(mask, 4)).toEqual(['.#..', '#...', '#...']);
  });

  it('must be non-negative integers summing to width × height', () => {
    expect(() => checkRleCounts([1, 2, 4, 1, 4], 4, 3)).not.toThrow();
    expect(() => checkRleCounts([1, 2, 4, 1, 3], 4, 3)).toThrow(new SourceInputError('has counts summing to 11; a 4×3 mask has 12 pixels'));
    expect(() => checkRleCounts([1, -2, 13], 4, 3)).toThrow(new SourceInputError('has -2 as count 1; counts are non-negative integers'));
    expect(() => checkRleCounts([1, 2.5, 8.5], 4, 3)).toThrow(/has 2.5 as count 1/);
    expect(() => checkRleCounts([1, '11'], 4, 3)).toThrow(/has "11" as count 1/);
  });
});
