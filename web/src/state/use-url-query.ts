import { useCallback, useEffect, useMemo, useState } from 'react';
import type { QueryState, Where } from '../query/query-state.js';
import { DETAIL_PARAM, paramsToQuery, paramsToWhere, queryToParams, whereToParams } from '../query/url-state.js';

/** Whether the current history entry was pushed by opening the detail view (closing it then goes back). */
const DETAIL_ENTRY = 'masksearch-detail';

export interface UrlQuery {
  /** The query the URL describes, the one whose results are shown; null before any. */
  active: QueryState | null;
  /** With no query: the browsing grid's filter (the query's where when one runs). */
  browseWhere: Where;
  /** The image whose detail view is open, if any. */
  detailKey: string | null;
  run(query: QueryState): void;
  /** Back to browsing, filtered by where: no query runs. */
  browse(where: Where): void;
  openDetail(key: string): void;
  /** Another image in the open detail view (the arrow keys): the same history entry. */
  switchDetail(key: string): void;
  closeDetail(): void;
}

/**
 * The URL is the explorer's state: running a query pushes it as a history entry, so a link
 * reproduces the query and the back button returns to the previous one; the detail view of an
 * image is an entry of its own.
 */
export function useUrlQuery(): UrlQuery {
  const [search, setSearch] = useState(() => window.location.search);
  // Running the same query again (Run pressed twice) must still rerun it.
  const [runs, setRuns] = useState(0);

  useEffect(() => {
    const onPopState = () => setSearch(window.location.search);
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const params = useMemo(() => new URLSearchParams(search), [search]);
  const detailKey = params.get(DETAIL_PARAM);
  const queryParams = useMemo(() => {
    const withoutDetail = new URLSearchParams(params);
    withoutDetail.delete(DETAIL_PARAM);
    return withoutDetail.toString();
  }, [params]);
  // runs is a trigger, not an input: a new object makes the results hook run the query again.
  const active = useMemo(() => paramsToQuery(new URLSearchParams(queryParams)), [queryParams, runs]);

  const go = useCallback((next: URLSearchParams, how: 'push' | 'replace', state: unknown = null) => {
    const url = `${window.location.pathname}?${next}`;
    if (how === 'push') window.history.pushState(state, '', url);
    else window.history.replaceState(state, '', url);
    setSearch(window.location.search);
  }, []);

  const run = useCallback(
    (query: QueryState) => {
      const next = queryToParams(query);
      go(next, next.toString() === queryParams ? 'replace' : 'push');
      setRuns((n) => n + 1);
    },
    [go, queryParams],
  );

  const browseWhere = useMemo(() => paramsToWhere(new URLSearchParams(queryParams)), [queryParams]);

  const browse = useCallback((where: Where) => go(whereToParams(where), 'push'), [go]);

  const switchDetail = useCallback(
    (key: string) => {
      const next = new URLSearchParams(queryParams);
      next.set(DETAIL_PARAM, key);
      go(next, 'replace', window.history.state);
    },
    [go, queryParams],
  );

  const openDetail = useCallback(
    (key: string) => {
      const next = new URLSearchParams(queryParams);
      next.set(DETAIL_PARAM, key);
      go(next, 'push', DETAIL_ENTRY);
    },
    [go, queryParams],
  );

  const closeDetail = useCallback(() => {
    if (window.history.state === DETAIL_ENTRY) window.history.back();
    else go(new URLSearchParams(queryParams), 'replace');
  }, [go, queryParams]);

  return { active, browseWhere, detailKey, run, browse, openDetail, switchDetail, closeDetail };
}
