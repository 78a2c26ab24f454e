/** The k-th largest value (k from 1), by quickselect on a scratch copy: O(n) expected, no full sort. */
export function kthLargest(values: Float64Array, k: number): number {
  const a = Float64Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = a.length - k;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/**
 * Items ordered best first by (score descending, key ascending), popped one at a time: building
 * is O(n) and only the items actually visited pay O(log n), where a sort would order them all.
 */
export class BestFirstQueue {
  private readonly heap: Int32Array;
  private length: number;

  constructor(
    items: Int32Array,
    private readonly score: Float64Array,
    private readonly keys: Float64Array,
  ) {
    this.heap = items;
    this.length = items.length;
    for (let i = (this.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.length;
  }

  /** The items not popped yet, in no particular order. */
  remaining(): Int32Array {
    return this.heap.subarray(0, this.length);
  }

  peek(): number {
    return this.heap[0];
  }

  pop(): number {
    const top = this.heap[0];
    this.heap[0] = this.heap[--this.length];
    this.siftDown(0);
    return top;
  }

  private before(a: number, b: number): boolean {
    const sa = this.score[a];
    const sb = this.score[b];
    return sa > sb || (sa === sb && this.keys[a] < this.keys[b]);
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.length) return;
      const r = l + 1;
      const c = r < this.length && this.before(h[r], h[l]) ? r : l;
      if (!this.before(h[c], h[i])) return;
      const t = h[c];
      h[c] = h[i];
      h[i] = t;
      i = c;
    }
  }
}
