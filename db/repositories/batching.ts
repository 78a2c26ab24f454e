/**
 * Splits a batch so each multi-row statement stays small: PostgreSQL caps a statement at 65,535
 * parameters, and a statement carrying hundreds of megabytes of bytea strains both drivers.
 */
export function chunks<T>(items: readonly T[], maxCount: number, maxBytes = Infinity, bytesOf: (item: T) => number = () => 0): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length === maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Keys per `IN (...)` list: far below the parameter cap, large enough to be one statement usually. */
const LOOKUP_CHUNK = 10_000;

/** Runs `run` over the distinct keys, LOOKUP_CHUNK at a time, one after another. */
export async function forEachChunk<K>(keys: readonly K[], run: (chunk: K[]) => Promise<unknown>): Promise<void> {
  for (const chunk of chunks([...new Set(keys)], LOOKUP_CHUNK)) await run(chunk);
}

/** A lookup over the distinct keys, one statement per LOOKUP_CHUNK keys, rows concatenated. */
export async function lookupInChunks<K, R>(keys: readonly K[], lookup: (chunk: K[]) => Promise<R[]>): Promise<R[]> {
  const rows: R[] = [];
  await forEachChunk(keys, async (chunk) => {
    for (const row of await lookup(chunk)) rows.push(row);
  });
  return rows;
}
