import { useEffect, useRef } from 'react';
import type { QueryState } from '../query/query-state.js';
import type { DisplaySettings } from './ResultCard.js';
import { ResultCard } from './ResultCard.js';
import type { ResultPage } from './result-item.js';

interface Props {
  page: ResultPage;
  query: QueryState;
  display: DisplaySettings;
  loadingMore: boolean;
  moreError: string | null;
  onLoadMore(): void;
  onOpen(key: string): void;
}

/**
 * The results as cards. Filter results come in pages: the next loads when the end of the grid
 * scrolls into view, or with the button (the keyboard's way).
 */
export function ResultsGrid({ page, query, display, loadingMore, moreError, onLoadMore, onOpen }: Props) {
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const end = sentinel.current;
    if (!end || !page.hasNextPage) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onLoadMore(), { rootMargin: '400px' });
    observer.observe(end);
    return () => observer.disconnect();
    // Observing anew after each page: if the end is still in view, the next page loads too.
  }, [page.hasNextPage, page.items.length, onLoadMore]);

  if (page.items.length === 0) return <p className="empty">No results.</p>;
  return (
    <>
      <p className="result-count" data-testid="result-count">
        {page.totalCount === null
          ? `${page.items.length} ranked`
          : `showing ${page.items.length} of ${page.totalCount} ${query.kind === 'aggregate' ? 'images' : 'masks'}`}
      </p>
      <ol className="grid" aria-label="Results">
        {page.items.map((item) => (
          <ResultCard key={item.id} item={item} query={query} display={display} onOpen={onOpen} />
        ))}
      </ol>
      {page.hasNextPage && (
        <div ref={sentinel} className="more">
          <button type="button" onClick={onLoadMore} disabled={loadingMore} aria-busy={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
          {moreError && <p role="alert">{moreError}</p>}
        </div>
      )}
    </>
  );
}
