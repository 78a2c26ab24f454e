/**
 * The byte shuffle a snapshot applies to its wider columns before LZ4: the elements' bytes
 * regrouped by significance (every element's byte 0, then every byte 1, …). Ids, slots and sizes
 * change slowly from one element to the next, so their high bytes form long runs. Works on
 * little-endian element bytes, as the snapshot stores them.
 */

export type ElementArray = Float64Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

const bytesOf = (a: ElementArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** `column`'s bytes, shuffled, in a new array. */
export function shuffle(column: ElementArray): Uint8Array {
  const width = column.BYTES_PER_ELEMENT;
  const bytes = bytesOf(column);
  if (width === 1) return bytes.slice();
  const n = column.length;
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < width; b++) {
    const base = b * n;
    for (let i = 0, from = b; i < n; i++, from += width) out[base + i] = bytes[from];
  }
  return out;
}

/** Undoes shuffle: `shuffled` (column.byteLength bytes) back into `column`. */
export function unshuffle(shuffled: Uint8Array, column: ElementArray): void {
  const width = column.BYTES_PER_ELEMENT;
  const bytes = bytesOf(column);
  if (width === 1) {
    bytes.set(shuffled);
    return;
  }
  const n = column.length;
  for (let b = 0; b < width; b++) {
    const base = b * n;
    for (let i = 0, to = b; i < n; i++, to += width) bytes[to] = shuffled[base + i];
  }
}
