import { useCallback, useEffect, useRef, useState } from 'react';
import { GraphQLRequestError, graphql } from '../api/client.js';
import { AGGREGATE_QUERY, FILTER_QUERY, TOP_K_QUERY } from '../api/documents.js';
import type { FieldError } from '../api/field-errors.js';
import { fieldErrors } from '../api/field-errors.js';
import type { AggregateResult, FilterResult, TopKResult } from '../api/types.js';
import { queryVariables } from '../api/variables.js';
import type { QueryState } from '../query/query-state.js';
import { isPaged } from '../query/query-state.js';
import type { ResultPage } from './result-item.js';
import { aggregatePage, filterPage, topKPage } from './result-item.js';

/** Filter results per page; the grid asks for the next page as it scrolls to the end. */
export const PAGE_SIZE = 48;

export type ResultsState =
  | { status: 'idle' }
  /** previous: the results shown until the new ones arrive (dimmed), with their query. */
  | { status: 'loading'; previous: { query: QueryState; page: ResultPage } | null }
  | { status: 'done'; query: QueryState; page: ResultPage; loadingMore: boolean; moreError: string | null }
  | { status: 'error'; errors: FieldError[] };

async function fetchPage(query: QueryState, after: string | null, signal: AbortSignal): Promise<ResultPage> {
  const variables = { ...queryVariables(query), ...(isPaged(query) && { first: PAGE_SIZE, after }) };
  switch (query.kind) {
    case 'filter':
      return filterPage((await graphql<{ result: FilterResult }>(FILTER_QUERY, variables, signal)).result);
    case 'topk':
      return topKPage((await graphql<{ result: TopKResult }>(TOP_K_QUERY, variables, signal)).result);
    case 'aggregate':
      return aggregatePage((await graphql<{ result: AggregateResult }>(AGGREGATE_QUERY, variables, signal)).result, query.aggregate.ranked);
  }
}

const errorsOf = (error: unknown): FieldError[] =>
  error instanceof GraphQLRequestError ? fieldErrors(error.errors) : [{ field: null, message: error instanceof Error ? error.message : String(error) }];

/**
 * Runs the query whenever it changes (a stale answer is dropped), and pages through filter
 * results on request. The stats are the first page's: each page runs the whole query again.
 * `refresh` moving (a demo seeding stored more) runs the same query again, but never cuts short a
 * run under way: that one is shown, then the query runs once more. Aborted instead, a query
 * slower than the seeding's pace would never answer.
 */
export function useQueryResults(query: QueryState | null, refresh = 0): { state: ResultsState; loadMore: () => void } {
  const [state, setState] = useState<ResultsState>({ status: 'idle' });
  // The query running now and what aborts it when the next one starts.
  const current = useRef<{ query: QueryState; controller: AbortController; settled: boolean } | null>(null);
  // Runs asked for by a refresh: one now if none is under way, else one once it settles.
  const [rerun, setRerun] = useState(0);
  const refreshSeen = useRef(refresh);
  const rerunDue = useRef(false);
  useEffect(() => {
    if (refresh === refreshSeen.current) return;
    refreshSeen.current = refresh;
    // A query that changed with it runs anew anyway (the effect below).
    if (!current.current || current.current.query !== query) return;
    if (current.current.settled) setRerun((n) => n + 1);
    else rerunDue.current = true;
  }, [refresh]);

  useEffect(() => {
    rerunDue.current = false;
    if (!query) {
      current.current = null;
      setState({ status: 'idle' });
      return;
    }
    const controller = new AbortController();
    const running = { query, controller, settled: false };
    current.current = running;
    setState((shown) => ({ status: 'loading', previous: shown.status === 'done' ? shown : shown.status === 'loading' ? shown.previous : null }));
    const settle = (next: ResultsState) => {
      if (controller.signal.aborted) return;
      running.settled = true;
      setState(next);
      if (rerunDue.current) setRerun((n) => n + 1);
    };
    fetchPage(query, null, controller.signal).then(
      (page) => settle({ status: 'done', query, page, loadingMore: false, moreError: null }),
      (error) => settle({ status: 'error', errors: errorsOf(error) }),
    );
    return () => controller.abort();
  }, [query, rerun]);

  // loadMore reads the latest state without being recreated on each change (the grid's range callback holds it).
  const latest = useRef(state);
  latest.current = state;

  const loadMore = useCallback(() => {
    const running = current.current;
    const shown = latest.current;
    // Pages only of the query shown: one just started replaces it on its first page.
    if (!running || shown.status !== 'done' || shown.query !== running.query || shown.loadingMore || !shown.page.hasNextPage) return;
    const { page } = shown;
    latest.current = { ...shown, loadingMore: true };
    setState(latest.current);
    fetchPage(shown.query, page.endCursor, running.controller.signal).then(
      (next) =>
        !running.controller.signal.aborted &&
        setState({ ...shown, page: { ...next, items: [...page.items, ...next.items], stats: page.stats }, loadingMore: false, moreError: null }),
      (error) => !running.controller.signal.aborted && setState({ ...shown, loadingMore: false, moreError: errorsOf(error)[0].message }),
    );
  }, []);

  return { state, loadMore };
}
