import { DEFAULT_MAX_PIXELS } from '../../../plugins/kit/index.js';
import type { SourceContext, SourceRecord } from '../../../plugins/kit/index.js';

export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  return Uint8Array.from({ length: digits.length / 2 }, (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Bytes numpy printed: the preamble, the header dict, its padding spaces and newline, the data. */
export function numpyGolden(preamble: string, dict: string, spaces: number, data: string): Uint8Array {
  return concat(hex(preamble), new TextEncoder().encode(dict + ' '.repeat(spaces) + '\n'), hex(data));
}

export const f32Bytes = (values: readonly number[]) => new Uint8Array(new Float32Array(values).buffer);
export const f64Bytes = (values: readonly number[]) => new Uint8Array(new Float64Array(values).buffer);
export const u16Bytes = (values: readonly number[]) => new Uint8Array(new Uint16Array(values).buffer);


export function imageSizes(sizes: Record<string, { width: number; height: number }> = {}): SourceContext {
  return { maxPixels: DEFAULT_MAX_PIXELS, imageSize: async (key) => sizes[key] ?? null };
}

export async function collect(records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}
