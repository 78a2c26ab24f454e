import type { MaskTable } from './mask-table.js';
import type { RoiSpec } from './roi.js';
import type { MaskWhere } from './where.js';

/** Recent candidate sets per table, bounded in entries and bytes; an entry is valid for one table version. */
const MAX_ENTRIES = 16;
const MAX_BYTES = 256 * 2 ** 20;
/** Keys longer than this (long id lists) are not worth keeping. */
const MAX_KEY_LENGTH = 4096;

/** A query's candidates with the counts its stats report. */
export interface CandidateEntry<T extends { readonly bytes: number }> {
  value: T;
  /** Masks matching where. */
  matched: number;
  /** Masks dropped for their ROI (no such box, area 0 when normalising, below minRoiArea). */
  skipped: number;
}

type Kept = CandidateEntry<{ readonly bytes: number }> & { version: number };

const caches = new WeakMap<MaskTable, Map<string, Kept>>();

/**
 * The entry for key at the table's current version, made by build on a miss. Queries that repeat
 * a where and an ROI with other ranges or thresholds (a slider in the explorer, a sweep in an
 * audit) then skip selecting and resolving their masks.
 */
export function cachedCandidates<T extends { readonly bytes: number }>(table: MaskTable, key: string, build: () => CandidateEntry<T>): CandidateEntry<T> {
  if (key.length > MAX_KEY_LENGTH) return build();
  let cache = caches.get(table);
  if (!cache) caches.set(table, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && hit.version === table.version) {
    cache.delete(key);
    cache.set(key, hit);
    return hit as unknown as CandidateEntry<T>;
  }
  const entry = { ...build(), version: table.version };
  for (const [k, e] of cache) if (e.version !== table.version) cache.delete(k);
  cache.set(key, entry);
  let bytes = 0;
  for (const e of cache.values()) bytes += e.value.bytes;
  // Oldest first; the new entry stays even when it alone exceeds the budget.
  for (const [k, e] of cache) {
    if (k === key || (cache.size <= MAX_ENTRIES && bytes <= MAX_BYTES)) break;
    cache.delete(k);
    bytes -= e.value.bytes;
  }
  return entry;
}

const sorted = (list: readonly (string | number)[] | null | undefined) =>
  list === undefined || list === null ? null : [...new Set(list)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** where with its lists as sets: two spellings of one condition give one key. */
export function whereKey(where: MaskWhere | null | undefined): string {
  const w = where ?? {};
  return JSON.stringify([
    sorted(w.ids),
    sorted(w.imageKeys),
    sorted(w.modelNames),
    sorted(w.maskTypes),
    sorted(w.sources),
    sorted(w.imageLabels),
    sorted(w.imageSplits),
    sorted(w.imageTags),
  ]);
}

/** An ROI as part of a cache key. */
export const roiKey = (roi: RoiSpec): string =>
  roi.kind === 'box' ? `box ${roi.x} ${roi.y} ${roi.width} ${roi.height}` : roi.kind === 'imageBox' ? `imageBox ${JSON.stringify(roi.name)}` : 'full';
