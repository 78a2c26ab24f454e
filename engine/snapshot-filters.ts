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

/**
 * Undoes shuffle: `shuffled` (column.byteLength bytes) back into `column`. Each 32-bit word (16-bit
 * for 2-byte elements) is assembled from its bytes and written once, not byte by byte: a third of
 * the time on a start's columns.
 */
export function unshuffle(shuffled: Uint8Array, column: ElementArray): void {
  const width = column.BYTES_PER_ELEMENT;
  const n = column.length;
  if (width === 1) {
    bytesOf(column).set(shuffled);
    return;
  }
  if (width === 2) {
    const out = new Uint16Array(column.buffer, column.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = shuffled[i] | (shuffled[n + i] << 8);
    return;
  }
  // Typed arrays of 4- and 8-byte elements lie on 4-byte boundaries: element i is words i·w/4 ….
  const out = new Uint32Array(column.buffer, column.byteOffset, (n * width) >> 2);
  const step = width >> 2;
  for (let word = 0; word < step; word++) {
    const p0 = word * 4 * n;
    const p1 = p0 + n;
    const p2 = p1 + n;
    const p3 = p2 + n;
    for (let i = 0, to = word; i < n; i++, to += step) out[to] = shuffled[p0 + i] | (shuffled[p1 + i] << 8) | (shuffled[p2 + i] << 16) | (shuffled[p3 + i] << 24);
  }
}
