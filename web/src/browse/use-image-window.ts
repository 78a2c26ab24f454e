import { useCallback, useEffect, useRef, useState } from 'react';
import { graphql } from '../api/client.js';
import { BROWSE_QUERY } from '../api/documents.js';
import type { BrowseQueryVariables, MaskWhere } from '../api/generated.js';
import type { BrowsedImage } from '../api/types.js';

/** Images per request: a few screens of thumbnails. */
export const WINDOW_PAGE = 120;

export interface ImageWindowState {
  /** Every image the where selects; null until the first answer. */
  total: number | null;
  /** The image at a position, if its page has arrived. */
  at(index: number): BrowsedImage | undefined;
  /** Asks for the pages holding these positions (those not already here or on their way). */
  need(first: number, last: number): void;
  error: string | null;
}

/**
 * The images the where selects, fetched by position a page at a time as a virtualised grid
 * scrolls to them, so 100,000 images cost only the pages looked at. A new where or version
 * starts afresh.
 */
export function useImageWindow(where: MaskWhere, version: number): ImageWindowState {
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setArrived] = useState(0);
  const pages = useRef(new Map<number, BrowsedImage[]>());
  const asked = useRef(new Set<number>());
  const controller = useRef<AbortController | null>(null);
  const whereKey = JSON.stringify(where);

  const fetchPage = useCallback(
    (page: number, signal: AbortSignal) => {
      asked.current.add(page);
      const variables: BrowseQueryVariables = { where: JSON.parse(whereKey) as MaskWhere, offset: page * WINDOW_PAGE, limit: WINDOW_PAGE };
      graphql(BROWSE_QUERY, variables, signal).then(
        ({ window }) => {
          if (signal.aborted) return;
          pages.current.set(page, window.images);
          setTotal(window.totalCount);
          setArrived((n) => n + 1);
        },
        (e: unknown) => {
          if (signal.aborted) return;
          asked.current.delete(page);
          setError(e instanceof Error ? e.message : String(e));
        },
      );
    },
    [whereKey],
  );

  useEffect(() => {
    controller.current?.abort();
    const next = new AbortController();
    controller.current = next;
    pages.current = new Map();
    asked.current = new Set();
    setError(null);
    fetchPage(0, next.signal);
    return () => next.abort();
  }, [fetchPage, version]);

  const need = useCallback(
    (first: number, last: number) => {
      const signal = controller.current?.signal;
      if (!signal) return;
      for (let page = Math.floor(first / WINDOW_PAGE); page <= Math.floor(last / WINDOW_PAGE); page++) {
        if (!asked.current.has(page)) fetchPage(page, signal);
      }
    },
    [fetchPage],
  );

  const at = useCallback((index: number) => pages.current.get(Math.floor(index / WINDOW_PAGE))?.[index % WINDOW_PAGE], []);
  return { total, at, need, error };
}
