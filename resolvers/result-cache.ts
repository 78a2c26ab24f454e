import { createHash } from 'node:crypto';
import type { QueryStats } from '../engine/index.js';
import type { AppliedChanges, MaskSearch } from '../search/mask-search.js';

/** What a cached result was computed over, to tell which changes can alter it. */
export interface ResultScope {
  /** The mask ids whose deletion can alter the result (see cp-queries.ts), or undefined for every mask. */
  candidates: readonly number[] | undefined;
  /** Whether `where` selects any of these masks (masks inserted since the result was computed). */
  selectsAny(ids: readonly number[]): boolean;
  /** Whether a changed image (its boxes, size, key, label or split) can alter the result. */
  dependsOnImages: boolean;
}

/** A result with the stats of the run that computed it, before any page asked for values. */
export interface CachedResult<R> {
  id: string;
  result: R;
  stats: QueryStats;
}

interface Entry {
  id: string;
  value: Promise<CachedResult<unknown>>;
  /** Known once the result is: a change arriving before that drops the entry. */
  scope?: ResultScope;
  bytes: number;
  /** Cleared by a change that may alter the result; a result still computing is never reused after one. */
  valid: boolean;
}

/** Stable across processes and restarts, so a cursor outlives its cache entry (and its server). */
export const resultIdOf = (canonicalQuery: string): string => createHash('sha256').update(canonicalQuery).digest('base64url').slice(0, 16);

/**
 * Recent filter (and aggregation filter) results by their canonical query, least recently used
 * evicted first, bounded by an estimate of the memory each keeps alive (the engine's plan arrays,
 * per candidate, and the matches). A result is dropped as soon as a change may alter it: a mask
 * it depends on deleted (a filter's match, an aggregation's candidate), a mask its `where`
 * selects inserted, or, if it depends on images (imageBox ROI, image filters in where), any image
 * changed.
 */
export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(readonly capacityBytes: number) {}

  /**
   * The result of `canonicalQuery`, computed by `compute` unless a valid one is cached (or being
   * computed by a concurrent request). `reused` tells which.
   */
  async get<R>(
    canonicalQuery: string,
    compute: () => Promise<{ result: R; stats: QueryStats; bytes: number; scope: ResultScope }>,
  ): Promise<{ cached: CachedResult<R>; reused: boolean }> {
    const id = resultIdOf(canonicalQuery);
    const hit = this.entries.get(canonicalQuery);
    if (hit?.valid) {
      this.entries.delete(canonicalQuery);
      this.entries.set(canonicalQuery, hit);
      return { cached: (await hit.value) as CachedResult<R>, reused: true };
    }
    if (hit) this.drop(canonicalQuery);
    const value = compute().then(({ result, stats, bytes, scope }) => {
      const entry = this.entries.get(canonicalQuery);
      if (entry?.value === value) {
        entry.scope = scope;
        this.resize(canonicalQuery, entry, bytes);
      }
      return { id, result, stats: { ...stats } };
    });
    if (this.capacityBytes > 0) {
      const entry: Entry = { id, value, bytes: 0, valid: true };
      this.entries.set(canonicalQuery, entry);
      value.catch(() => {
        if (this.entries.get(canonicalQuery) === entry) this.drop(canonicalQuery);
      });
    }
    return { cached: (await value) as CachedResult<R>, reused: false };
  }

  /** Drops every result the changes may alter. */
  invalidate(changes: AppliedChanges): void {
    const deleted = changes.deletedMasks.length > 0 ? new Set(changes.deletedMasks) : undefined;
    for (const [key, entry] of this.entries) {
      if (this.alteredBy(entry.scope, changes, deleted)) this.drop(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private alteredBy(scope: ResultScope | undefined, changes: AppliedChanges, deleted: Set<number> | undefined): boolean {
    if (!scope) return true;
    if (changes.changedImages.length > 0 && scope.dependsOnImages) return true;
    if (scope.candidates === undefined) return changes.insertedMasks.length > 0 || deleted !== undefined;
    if (changes.insertedMasks.length > 0 && scope.selectsAny(changes.insertedMasks)) return true;
    if (deleted) for (const id of scope.candidates) if (deleted.has(id)) return true;
    return false;
  }

  private resize(key: string, entry: Entry, bytes: number): void {
    this.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    if (bytes > this.capacityBytes) {
      this.drop(key);
      return;
    }
    for (const [oldest] of this.entries) {
      if (this.bytes <= this.capacityBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.valid = false;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

const caches = new WeakMap<MaskSearch, ResultCache>();

/** The service's result cache, created on first use and following the service's changes. */
export function resultCacheOf(service: MaskSearch): ResultCache {
  let cache = caches.get(service);
  if (!cache) {
    const created = new ResultCache(service.resultCacheMb * 2 ** 20);
    service.onChanges((changes) => created.invalidate(changes));
    caches.set(service, created);
    cache = created;
  }
  return cache;
}
