import type { ReactNode } from 'react';
import { useCallback } from 'react';
import { ImageGrid } from '../browse/ImageGrid.js';
import type { QueryState } from '../query/query-state.js';
import type { DisplaySettings } from './ResultCard.js';
import { ResultCard } from './ResultCard.js';
import type { ResultPage } from './result-item.js';

interface Props {
  /** null until the query first answers (the status above says what it waits for). */
  page: ResultPage | null;
  query: QueryState;
  display: DisplaySettings;
  /** Above the grid: the chip naming the query, with the way back to browsing. */
  filterBar: ReactNode;
  loadingMore: boolean;
  moreError: string | null;
  onLoadMore(): void;
  onOpen(key: string): void;
}

/** A result's tile: the picture with its mask and ROI, then rank, key, value and facts below. */
const CELL = { width: 168, height: 290 };
const NO_ITEMS: ResultPage['items'] = [];

/** Filter results come in pages: the next is asked for when the grid draws one of the last tiles loaded. */
const TILES_AHEAD = 12;

/**
 * The grid narrowed to a query's results: the same grid as browsing, its tiles the result
 * images in result order, each with its rank and value. Filter results come in pages, loaded as
 * the grid scrolls to the end (or with the button: the keyboard's way).
 */
export function QueryGrid({ page, query, display, filterBar, loadingMore, moreError, onLoadMore, onOpen }: Props) {
  const items = page?.items ?? NO_ITEMS;
  const hasNextPage = page?.hasNextPage ?? false;
  const tile = useCallback((index: number) => <ResultCard item={items[index]} query={query} display={display} onOpen={onOpen} />, [items, query, display, onOpen]);
  const onRange = useCallback(
    (_first: number, last: number) => {
      if (hasNextPage && last >= items.length - 1 - TILES_AHEAD) onLoadMore();
    },
    [hasNextPage, items.length, onLoadMore],
  );
  return (
    <section className="browse" aria-labelledby="browse-heading" data-view="query">
      <h2 id="browse-heading">Images</h2>
      {filterBar}
      {page && items.length === 0 && <p className="empty">No results.</p>}
      {items.length > 0 && <ImageGrid count={items.length} cell={CELL} tile={tile} onRange={onRange} />}
      {hasNextPage && (
        <div className="more">
          <button type="button" onClick={onLoadMore} disabled={loadingMore} aria-busy={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
          {moreError && <p role="alert">{moreError}</p>}
        </div>
      )}
    </section>
  );
}
