import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { MaskWhere } from '../api/generated.js';
import { formatCount } from '../format.js';
import { imagePngUrl } from '../results/image-url.js';
import { TagForm } from '../tags/TagForm.js';
import { useImageWindow } from './use-image-window.js';

interface Props {
  where: MaskWhere;
  /** Moves when the store changed: the grid fetches again. */
  version: number;
  onOpen(key: string): void;
  onTagged(): void;
}

const CELL = 152;
const GAP = 8;
const SETTLE_MS = 120;

/**
 * Every image the where selects as a grid of thumbnails, virtualised: only the rows in view (and
 * a few around) are in the DOM, and only their pages are fetched, so scrolling through 100,000
 * images stays smooth.
 */
export function BrowseGrid({ where, version, onOpen, onTagged }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(6);
  const images = useImageWindow(where, version);
  const total = images.total ?? 0;
  const rows = Math.ceil(total / columns);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () => setColumns(Math.max(1, Math.floor((element.clientWidth - GAP) / (CELL + GAP))));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => CELL + GAP, overscan: 3 });
  const items = virtualizer.getVirtualItems();
  const firstRow = items[0]?.index ?? 0;
  const lastRow = items[items.length - 1]?.index ?? 0;
  // Pages are asked for once the scrolling rests a moment: a fling through 100,000 images would
  // otherwise queue a request for every page it passes.
  const { need } = images;
  useEffect(() => {
    if (rows === 0) return;
    const settled = setTimeout(() => need(firstRow * columns, Math.min(total - 1, (lastRow + 1) * columns - 1)), SETTLE_MS);
    return () => clearTimeout(settled);
  }, [firstRow, lastRow, columns, rows, total, need]);

  return (
    <section className="browse" aria-labelledby="browse-heading">
      <h2 id="browse-heading">
        Images <small data-testid="browse-count">{images.total === null ? '…' : `${formatCount(total)} images`}</small>
      </h2>
      {total > 0 && <TagForm target={{ where }} count={total} onTagged={onTagged} />}
      {images.error && <p role="alert">{images.error}</p>}
      {images.total === 0 && <p className="empty">No image matches the filter.</p>}
      <div ref={scroller} className="browse-scroller" data-testid="browse-scroller">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((row) => (
            <ul
              key={row.key}
              className="browse-row"
              style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, ${CELL}px)`, gap: GAP }}
              aria-label={`row ${row.index + 1}`}
            >
              {Array.from({ length: columns }, (_, c) => {
                const index = row.index * columns + c;
                if (index >= total) return null;
                const image = images.at(index);
                return (
                  <li key={c} className="thumb" data-image-key={image?.key} style={{ width: CELL, height: CELL }}>
                    {image ? (
                      <button type="button" onClick={() => onOpen(image.key)} title={`${image.key}${image.label ? ` · ${image.label}` : ''}`}>
                        <img src={imagePngUrl(image.key)} alt={image.key} loading="lazy" width={CELL} height={CELL - 22} />
                        <span className="thumb-caption">
                          {image.key}
                          {image.tags.length > 0 && <span className="thumb-tags"> · {image.tags.join(', ')}</span>}
                        </span>
                      </button>
                    ) : (
                      <span className="thumb-pending" aria-hidden="true" />
                    )}
                  </li>
                );
              })}
            </ul>
          ))}
        </div>
      </div>
    </section>
  );
}
