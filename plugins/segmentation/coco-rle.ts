import { SourceInputError } from '../kit/index.js';

/**
 * COCO run-length encoding: counts of alternating 0- and 1-runs, starting with 0s, over the
 * mask in column-major (Fortran) order — down the first column, then the second, and so on.
 */

/** First and last character of the compressed alphabet: '0' (48) to 'o' (111), 6 bits each. */
const FIRST_CHAR = 48;
const LAST_CHAR = 111;
/** 7 characters carry 35 bits, more than any count of a mask that fits in memory needs. */
const MAX_CHARS_PER_NUMBER = 7;

/**
 * Decodes a compressed RLE string (pycocotools `rleFrString`): each number is written as 5-bit
 * groups, least significant first, with bit 0x20 meaning "another group follows" and bit 0x10 of
 * the last group its sign; from the fourth number on, each is stored as the difference to the
 * number two places before it (the run of the same colour).
 */
export function decodeRleString(encoded: string): number[] {
  const counts: number[] = [];
  let position = 0;
  while (position < encoded.length) {
    let value = 0;
    let weight = 1;
    let more = true;
    const start = position;
    while (more) {
      if (position >= encoded.length) {
        throw new SourceInputError(`ends inside a number (the number starting at character ${start} has its continuation bit set)`);
      }
      const code = encoded.charCodeAt(position);
      if (code < FIRST_CHAR || code > LAST_CHAR) {
        throw new SourceInputError(
          `has ${JSON.stringify(encoded[position])} at character ${position}; compressed RLE uses only the characters '0' to 'o'`,
        );
      }
      if (position - start === MAX_CHARS_PER_NUMBER) {
        throw new SourceInputError(`has a number longer than ${MAX_CHARS_PER_NUMBER} characters at character ${start}`);
      }
      const group = code - FIRST_CHAR;
      value += (group & 0x1f) * weight;
      weight *= 32;
      more = (group & 0x20) !== 0;
      if (!more && (group & 0x10) !== 0) value -= weight;
      position++;
    }
    if (counts.length > 2) value += counts[counts.length - 2];
    if (value < 0) {
      throw new SourceInputError(`decodes to a negative run length (${value}) as count ${counts.length}, at character ${start}`);
    }
    counts.push(value);
  }
  return counts;
}

/** Encodes counts as a compressed RLE string (pycocotools `rleToString`); the inverse of decodeRleString. */
export function encodeRleString(counts: readonly number[]): string {
  let encoded = '';
  for (let i = 0; i < counts.length; i++) {
    let value = i > 2 ? counts[i] - counts[i - 2] : counts[i];
    let more = true;
    while (more) {
      let group = value & 0x1f;
      value = Math.floor(value / 32);
      more = (group & 0x10) !== 0 ? value !== -1 : value !== 0;
      if (more) group |= 0x20;
      encoded += String.fromCharCode(group + FIRST_CHAR);
    }
  }
  return encoded;
}

/**
 * Sets to 255 the pixels of a row-major mask that the column-major counts cover with 1-runs;
 * pixels already set stay set, so painting several RLEs into one mask gives their union.
 * The counts must sum to width × height (checkRleCounts).
 */
export function paintRle(counts: ArrayLike<number>, mask: Uint8Array, width: number, height: number): void {
  let position = 0;
  for (let i = 0; i < counts.length; i++) {
    const run = counts[i];
    if (i % 2 === 1) {
      let row = position % height;
      let column = (position - row) / height;
      for (let k = 0; k < run; k++) {
        mask[row * width + column] = 255;
        if (++row === height) {
          row = 0;
          column++;
        }
      }
    }
    position += run;
  }
}

/** Throws unless counts are non-negative integers summing to width × height. */
export function checkRleCounts(counts: readonly unknown[], width: number, height: number): asserts counts is number[] {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new SourceInputError(`has ${JSON.stringify(count)} as count ${i}; counts are non-negative integers`);
    }
    sum += count;
  }
  if (sum !== width * height) {
    throw new SourceInputError(`has counts summing to ${sum}; a ${width}×${height} mask has ${width * height} pixels`);
  }
}
