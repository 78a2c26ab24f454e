import { useCallback } from 'react';
import type { MaskWhere } from '../api/generated.js';
import { formatCount } from '../format.js';
import { imagePngUrl } from '../results/image-url.js';
import { TagForm } from '../tags/TagForm.js';
import { ImageGrid } from './ImageGrid.js';
import { useImageWindow } from './use-image-window.js';

interface Props {
  where: MaskWhere;
  /** Moves when the store changed: the grid fetches again. */
  version: number;
  onOpen(key: string): void;
  onTagged(): void;
}

const CELL = { width: 152, height: 152 };

/** Browsing: every image the where selects, as thumbnails in the grid, fetched a page at a time as it scrolls. */
export function BrowseGrid({ where, version, onOpen, onTagged }: Props) {
  const images = useImageWindow(where, version);
  const total = images.total ?? 0;
  const { at } = images;
  const tile = useCallback(
    (index: number) => {
      const image = at(index);
      if (!image) return null;
      return (
        <div className="thumb" data-image-key={image.key}>
          <button type="button" onClick={() => onOpen(image.key)} title={`${image.key}${image.label ? ` · ${image.label}` : ''}`}>
            <img src={imagePngUrl(image.key)} alt={image.key} loading="lazy" width={CELL.width} height={CELL.height - 22} />
            <span className="thumb-caption">
              {image.key}
              {image.tags.length > 0 && <span className="thumb-tags"> · {image.tags.join(', ')}</span>}
            </span>
          </button>
        </div>
      );
    },
    [at, onOpen],
  );

  return (
    <section className="browse" aria-labelledby="browse-heading" data-view="browse">
      <h2 id="browse-heading">
        Images <small data-testid="browse-count">{images.total === null ? '…' : `${formatCount(total)} images`}</small>
      </h2>
      {total > 0 && <TagForm target={{ where }} count={total} onTagged={onTagged} />}
      {images.error && <p role="alert">{images.error}</p>}
      {images.total === 0 && <p className="empty">No image matches the filter.</p>}
      <ImageGrid count={total} cell={CELL} tile={tile} onRange={images.need} />
    </section>
  );
}
