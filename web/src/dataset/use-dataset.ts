import { useCallback, useEffect, useRef, useState } from 'react';
import { graphql } from '../api/client.js';
import { DATASET_QUERY, SEEDING_PROGRESS_QUERY } from '../api/documents.js';
import type { Facets, Seeding } from '../api/types.js';
import type { QueryState } from '../query/query-state.js';
import { missingData } from './requirements.js';

export interface Dataset {
  seeding: Seeding;
  /** Facets of every mask. */
  facets: Facets;
  /** All images, with or without masks. */
  imageCount: number;
}

export interface DatasetState {
  dataset: Dataset | null;
  error: string | null;
  /** Grows each time the store is seen to hold more (or other) data: a cue to fetch again. */
  version: number;
  /** Asks again now (after a tag change, say). */
  refresh(): void;
}

/** How often to look again while a demo is seeding. */
const SEEDING_POLL_MS = 1000;
/**
 * How often to ask how far seeding got while the query shown waits for data that has not landed
 * (it runs about this long after the data lands): only the count of masks stored, which reads
 * nothing from the store, and everything again once that count moves.
 */
const WAITING_POLL_MS = 100;

/**
 * What the store holds and whether a demo is landing in it. While seeding it asks every second
 * (while `query` waits for data it names, as soon as more masks are stored), and the version
 * moves whenever the mask or image count changes, so views refetch as data lands.
 */
export function useDataset(query: QueryState | null): DatasetState {
  // Read when the next look is scheduled, not a reason to start polling anew.
  const shown = useRef(query);
  shown.current = query;
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [asks, setAsks] = useState(0);
  const seen = useRef<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const failed = (e: unknown) => {
      if (controller.signal.aborted) return;
      setError(e instanceof Error ? e.message : String(e));
      timer = setTimeout(ask, SEEDING_POLL_MS * 2);
    };
    // Waiting for data: the whole dataset again once more masks than `stored` are there (or a second has passed).
    const watch = (stored: number, since: number) => {
      graphql(SEEDING_PROGRESS_QUERY, {}, controller.signal).then(({ seeding }) => {
        if (controller.signal.aborted) return;
        if (seeding.state !== 'seeding' || seeding.masksStored !== stored || performance.now() - since >= SEEDING_POLL_MS) ask();
        else timer = setTimeout(() => watch(stored, since), WAITING_POLL_MS);
      }, failed);
    };
    const ask = () => {
      graphql(DATASET_QUERY, {}, controller.signal).then(
        (data) => {
          if (controller.signal.aborted) return;
          const next = { seeding: data.seeding, facets: data.facets, imageCount: data.all.totalCount };
          const fingerprint = `${next.facets.masks}/${next.imageCount}/${next.seeding.state}/${JSON.stringify(next.facets.tags)}`;
          if (fingerprint !== seen.current) {
            seen.current = fingerprint;
            setVersion((v) => v + 1);
          }
          setDataset(next);
          setError(null);
          if (next.seeding.state === 'seeding') {
            const waiting = shown.current !== null && missingData(shown.current, next.facets).length > 0;
            const asked = performance.now();
            timer = waiting ? setTimeout(() => watch(next.seeding.masksStored, asked), WAITING_POLL_MS) : setTimeout(ask, SEEDING_POLL_MS);
          }
        },
        failed,
      );
    };
    ask();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [asks]);

  const refresh = useCallback(() => setAsks((n) => n + 1), []);
  return { dataset, error, version, refresh };
}
