import { DEFAULT_MAX_PIXELS } from '../../../plugins/kit/index.js';
import { encode } from 'fast-png';
import { sourceFile } from '../../support/source-file.js';
import type { SourceFile, SourceMaskRecord, SourceRecord } from '../../../plugins/kit/index.js';
import segmentation from '../../../plugins/segmentation/index.js';

/** A mask drawn as text rows: '#' is 255, '.' is 0. */
export function maskFromArt(rows: readonly string[]): Uint8Array {
  return Uint8Array.from(rows.join(''), (pixel) => (pixel === '#' ? 255 : 0));
}

/** The inverse of maskFromArt, so a failing comparison shows the picture. */
export function artOf(data: ArrayLike<number>, width: number): string[] {
  const rows: string[] = [];
  for (let start = 0; start < data.length; start += width) {
    rows.push(Array.from({ length: width }, (_, column) => (data[start + column] === 0 ? '.' : '#')).join(''));
  }
  return rows;
}

/** A single-channel PNG of the given samples; 1-, 2- and 4-bit samples are packed as PNG rows are. */
export function grayPng(width: number, height: number, samples: ArrayLike<number>, depth: 1 | 2 | 4 | 8 | 16 = 8): Uint8Array {
  return encode({ width, height, depth, channels: 1, data: packedSamples(width, height, samples, depth) });
}

/** A palette PNG whose samples are palette indices. */
export function palettePng(width: number, height: number, indices: ArrayLike<number>, colours: number, depth: 1 | 2 | 4 | 8 = 8): Uint8Array {
  const palette = Array.from({ length: colours }, (_, i) => [i, (i * 37) % 256, (i * 91) % 256]);
  return encode({ width, height, depth, channels: 1, palette, data: packedSamples(width, height, indices, depth) });
}

function packedSamples(width: number, height: number, samples: ArrayLike<number>, depth: number): Uint8Array | Uint16Array {
  if (depth === 16) return Uint16Array.from(samples);
  if (depth === 8) return Uint8Array.from(samples);
  const rowBytes = Math.ceil((width * depth) / 8);
  const packed = new Uint8Array(rowBytes * height);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const bit = column * depth;
      packed[row * rowBytes + (bit >> 3)] |= samples[row * width + column] << (8 - depth - (bit & 7));
    }
  }
  return packed;
}


export function jsonFile(name: string, value: unknown): SourceFile {
  return sourceFile(name, new TextEncoder().encode(JSON.stringify(value)));
}

/** Runs the source on one file with the given (unparsed) options, as the ingest does. */
export async function readAll(file: SourceFile, options: unknown = {}): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  const context = { maxPixels: DEFAULT_MAX_PIXELS, imageSize: async () => null };
  for await (const record of segmentation.read(file, segmentation.options.parse(options), context)) records.push(record);
  return records;
}

export function masksOf(records: readonly SourceRecord[]): SourceMaskRecord[] {
  return records.filter((record): record is SourceMaskRecord => record.kind === 'mask');
}
