/**
 * Reversible rewrites of a snapshot column's bytes that LZ4 compresses far better than the
 * column as it lies in memory (measured in docs/snapshots.md):
 *
 * - shuffle: the elements' bytes regrouped by significance (every element's byte 0, then every
 *   byte 1, …). Ids, slots and sizes change slowly from one element to the next, so their high
 *   bytes form long runs.
 * - bin deltas + shuffle, for the CHI planes of a 1×1 grid: plane b holds each mask's count of
 *   pixels in bins ≥ b, a large number that differs between masks; the previous plane minus this
 *   one is the count in bin b − 1 alone, mostly below 256, so after the shuffle its high bytes are
 *   nearly all zero. The first plane is stored as it is. Counts wrap in the array's own width, so
 *   any plane contents, consistent or not, come back exactly.
 *
 * Both work on little-endian element bytes, as the snapshot stores them.
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

export type CountPlane = Uint16Array | Uint32Array;

/** previous − plane, element by element, wrapping; shuffled. Without a previous plane, the plane shuffled. */
export function binDeltas(plane: CountPlane, previous: CountPlane | undefined): Uint8Array {
  if (!previous) return shuffle(plane);
  const deltas = plane instanceof Uint16Array ? new Uint16Array(plane.length) : new Uint32Array(plane.length);
  for (let i = 0; i < plane.length; i++) deltas[i] = previous[i] - plane[i];
  return shuffle(deltas);
}

/** Undoes binDeltas: `plane` = previous − the unshuffled deltas, wrapping. */
export function undoBinDeltas(shuffled: Uint8Array, plane: CountPlane, previous: CountPlane | undefined): void {
  if (!previous) {
    unshuffle(shuffled, plane);
    return;
  }
  const n = plane.length;
  if (plane instanceof Uint16Array) {
    // One pass for the common 16-bit case: the unshuffle and the subtraction together (over two views: ~15 % faster than indexing n + i).
    const low = shuffled.subarray(0, n);
    const high = shuffled.subarray(n, 2 * n);
    for (let i = 0; i < n; i++) plane[i] = previous[i] - (low[i] | (high[i] << 8));
    return;
  }
  unshuffle(shuffled, plane);
  for (let i = 0; i < n; i++) plane[i] = previous[i] - plane[i];
}
