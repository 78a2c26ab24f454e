/**
 * The k-th largest of a stream of values, in a bounded min-heap of k: a value below the heap's top
 * costs one comparison, so a pass over n values is O(n) with a small constant, and nothing is sorted.
 */
export class KthLargest {
  private readonly heap: Float64Array;
  private length = 0;

  constructor(private readonly k: number) {
    this.heap = new Float64Array(k);
  }

  /** −∞ until k values were offered. */
  get value(): number {
    return this.length < this.k ? -Infinity : this.heap[0];
  }

  offer(v: number): void {
    const h = this.heap;
    if (this.length < this.k) {
      let i = this.length++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (h[p] <= v) break;
        h[i] = h[p];
        i = p;
      }
      h[i] = v;
      return;
    }
    if (v <= h[0]) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.k) break;
      const r = l + 1;
      const c = r < this.k && h[r] < h[l] ? r : l;
      if (h[c] >= v) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = v;
  }
}

/**
 * Items ordered best first by (score descending, key ascending): building is O(n), and only the
 * items actually visited pay O(log n), where a sort would order them all. Scores may be lowered
 * and items pushed back (after refinement). The queue holds the first `length` entries of heap
 * and may grow to all of them.
 */
export class BestFirstQueue {
  private heap: Int32Array;
  private length: number;

  constructor(
    heap: Int32Array,
    private readonly score: Float64Array,
    private readonly keys: Float64Array,
    length = heap.length,
  ) {
    this.heap = heap;
    this.length = length;
    for (let i = (this.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.length;
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

  /** Adds an item (its score read now); the queue never holds more items than its heap has room for. */
  push(item: number): void {
    const h = this.heap;
    let i = this.length++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(item, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = item;
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
