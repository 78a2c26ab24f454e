import { badInput } from './errors.js';

export interface Page<T> {
  items: T[];
  keys: number[];
  hasNextPage: boolean;
  /** The cursor this page starts after, if any. */
  afterCursor?: string;
  /** All items of every page; a function when counting costs a statement only worth it when asked. */
  totalCount: number | (() => Promise<number>);
  /** The query result the page is cut from (see result-cache.ts); its cursors carry it. */
  resultId?: string;
}

const PREFIX = 'after:';
const RESULT = '@';

/**
 * Cursors name the key (mask or image id) of a result, so pages stay stable while results are
 * ordered by key; a query result's cursors also name the result (`after:<key>@<result id>`), so
 * later pages find the work of the first.
 */
export const cursorOf = (key: number, resultId?: string): string =>
  Buffer.from(`${PREFIX}${key}${resultId === undefined ? '' : RESULT + resultId}`).toString('base64url');

export interface Cursor {
  key: number;
  resultId?: string;
}

export function parseCursor(cursor: string): Cursor {
  const text = Buffer.from(cursor, 'base64url').toString();
  const at = text.indexOf(RESULT);
  const key = Number(text.slice(PREFIX.length, at < 0 ? undefined : at));
  const resultId = at < 0 ? undefined : text.slice(at + 1);
  if (!text.startsWith(PREFIX) || !Number.isSafeInteger(key) || resultId === '') throw badInput(`after: '${cursor}' is not a cursor of this query`);
  return resultId === undefined ? { key } : { key, resultId };
}

export const keyAfterCursor = (cursor: string): number => parseCursor(cursor).key;

/** The first `first` keys after the cursor, from keys sorted ascending. */
export function pageAfter(keys: Float64Array, after: string | null | undefined, first: number): Omit<Page<never>, 'items'> & { totalCount: number } {
  let start = 0;
  if (after) {
    const key = keyAfterCursor(after);
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] <= key) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const end = Math.min(keys.length, start + first);
  return { keys: Array.from(keys.subarray(start, end)), hasNextPage: end < keys.length, afterCursor: after ?? undefined, totalCount: keys.length };
}

export const totalCountOf = (page: Page<unknown>): number | Promise<number> =>
  typeof page.totalCount === 'function' ? page.totalCount() : page.totalCount;

/** The first `first` ranked items after the cursor (which names a rank); items come in rank order. */
export function pageOfRanked<T extends { rank: number }>(items: readonly T[], after: string | null | undefined, first: number): Page<T> {
  const page = pageAfter(Float64Array.from(items, (item) => item.rank), after, first);
  const start = page.keys.length ? items.findIndex((item) => item.rank === page.keys[0]) : 0;
  return { ...page, items: items.slice(start, start + page.keys.length) };
}
