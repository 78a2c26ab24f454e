/**
 * Rows of the store by id, kept so that the masks and images of query results are shaped from
 * memory instead of a statement per request; at most `capacity` rows, least recently used evicted
 * first. The change log drops a row when it changes (forget); a row read from the store while a
 * change was being applied is not kept (see `generation`), so what the cache holds is never older
 * than what the service has applied.
 */
export class RowCache<T extends { id: number }> {
  private readonly rows = new Map<number, T>();
  private forgotten = 0;

  constructor(readonly capacity: number) {}

  get(id: number): T | undefined {
    const row = this.rows.get(id);
    if (row) {
      this.rows.delete(id);
      this.rows.set(id, row);
    }
    return row;
  }

  /** Taken before reading rows from the store, and given back to `keep` with them. */
  get generation(): number {
    return this.forgotten;
  }

  /** Keeps rows read from the store, unless a row was forgotten since `generation` was taken. */
  keep(rows: readonly T[], generation: number): void {
    if (generation !== this.forgotten || this.capacity === 0) return;
    for (const row of rows) {
      this.rows.delete(row.id);
      this.rows.set(row.id, row);
    }
    for (const [oldest] of this.rows) {
      if (this.rows.size <= this.capacity) break;
      this.rows.delete(oldest);
    }
  }

  forget(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.forgotten++;
    for (const id of ids) this.rows.delete(id);
  }

  get size(): number {
    return this.rows.size;
  }
}
