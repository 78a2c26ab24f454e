import { useVirtualizer } from '@tanstack/react-virtual';
import type { ReactNode } from 'react';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface CellSize {
  width: number;
  height: number;
}

interface Props {
  /** Tiles in the grid: every image browsed, or every result loaded so far. */
  count: number;
  cell: CellSize;
  /** The tile at a position; null while its data is on its way (a gray placeholder is drawn). */
  tile(index: number): ReactNode | null;
  /** The positions in view, once the scrolling rests: the tiles to fetch. */
  onRange(first: number, last: number): void;
}

const GAP = 8;
const SETTLE_MS = 120;
/** Rows drawn beyond those in view on each side: a ranked result set of 25 is drawn whole at 1,000 px. */
const OVERSCAN_ROWS = 4;

/**
 * The explorer's one grid of images, virtualised: only the rows in view (and a few around) are
 * in the DOM, and only their data is fetched, so scrolling through 100,000 images stays smooth.
 * Browsing draws thumbnails in it; a query narrows it to its results, in result order.
 */
export function ImageGrid({ count, cell, tile, onRange }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(6);
  const rows = Math.ceil(count / columns);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () => setColumns(Math.max(1, Math.floor((element.clientWidth - GAP) / (cell.width + GAP))));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [cell.width]);

  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => cell.height + GAP, overscan: OVERSCAN_ROWS });
  const items = virtualizer.getVirtualItems();
  const firstRow = items[0]?.index ?? 0;
  const lastRow = items[items.length - 1]?.index ?? 0;
  // Data is asked for once the scrolling rests a moment: a fling through 100,000 images would
  // otherwise queue a request for every page it passes.
  useEffect(() => {
    if (rows === 0) return;
    const settled = setTimeout(() => onRange(firstRow * columns, Math.min(count - 1, (lastRow + 1) * columns - 1)), SETTLE_MS);
    return () => clearTimeout(settled);
  }, [firstRow, lastRow, columns, rows, count, onRange]);

  return (
    <div ref={scroller} className="browse-scroller" data-testid="browse-scroller">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((row) => (
          <ul
            key={row.key}
            className="browse-row"
            style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, ${cell.width}px)`, gap: GAP }}
            aria-label={`row ${row.index + 1}`}
          >
            {Array.from({ length: columns }, (_, c) => {
              const index = row.index * columns + c;
              if (index >= count) return null;
              return (
                <li key={c} className="tile" style={{ width: cell.width, height: cell.height }}>
                  {tile(index) ?? <span className="thumb-pending" aria-hidden="true" />}
                </li>
              );
            })}
          </ul>
        ))}
      </div>
    </div>
  );
}
