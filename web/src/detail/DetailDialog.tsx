import { useEffect, useRef } from 'react';
import { IMAGE_DETAIL_QUERY } from '../api/documents.js';
import type { ImageDetail } from '../api/types.js';
import { MaskOverlay } from '../results/MaskOverlay.js';
import type { DisplaySettings } from '../results/ResultCard.js';
import { overlayPngUrl } from '../results/image-url.js';
import { pictureSize } from '../results/roi-rect.js';
import { useGraphQL } from '../state/use-graphql.js';
import type { QueryState } from '../query/query-state.js';
import { Agreement } from './Agreement.js';
import { MaskInspector } from './MaskInspector.js';

interface Props {
  imageKey: string;
  /** Where the agreement view binarises masks: the query's threshold when it aggregates. */
  threshold: number;
  display: DisplaySettings;
  /** The query whose result this is, if any: the inspector shows what it counted. */
  query: QueryState | null;
  /** Position among the results (or the browsed images), for the arrow keys; null when alone. */
  position: { index: number; count: number } | null;
  /** Moves to the previous (-1) or next (+1) result. */
  onStep(delta: -1 | 1): void;
  onClose(): void;
}

/** The metadata worth a line: everything the image record holds besides what the header shows. */
function facts(metadata: Record<string, unknown>): [string, string][] {
  return Object.entries(metadata).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
}

/** An image with all its masks side by side, and where two of them agree. A modal dialog: Escape closes it. */
export function DetailDialog({ imageKey, threshold, display, query, position, onStep, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current!;
    element.showModal();
    return () => element.close();
  }, []);
  const detail = useGraphQL<ImageDetail>(IMAGE_DETAIL_QUERY, { key: imageKey });
  const image = detail.status === 'done' ? detail.data.image : null;

  return (
    <dialog
      ref={dialog}
      className="detail"
      aria-labelledby="detail-heading"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onKeyDown={(event) => {
        // Arrow keys step through the results, except where they edit (a select, a field).
        if (!position || (event.target as HTMLElement).closest('input, select, textarea')) return;
        if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
          event.preventDefault();
          onStep(event.key === 'ArrowRight' ? 1 : -1);
        }
      }}
    >
      <header>
        <h2 id="detail-heading">{imageKey}</h2>
        {position && (
          <p className="detail-position" data-testid="detail-position">
            <button type="button" onClick={() => onStep(-1)} disabled={position.index === 0} aria-label="Previous result">
              ←
            </button>{' '}
            {position.index + 1} of {position.count}{' '}
            <button type="button" onClick={() => onStep(1)} disabled={position.index === position.count - 1} aria-label="Next result">
              →
            </button>
          </p>
        )}
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {detail.status === 'loading' && <p aria-busy="true">Loading…</p>}
      {detail.status === 'error' && <p role="alert">{detail.message}</p>}
      {detail.status === 'done' && !image && <p role="alert">There is no image '{imageKey}'.</p>}
      {image && (
        <>
          <dl className="facts">
            {[['label', image.label ?? '—'], ['split', image.split ?? '—'], ...facts(image.metadata)].map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          {image.masks.length > 0 && <MaskInspector key={image.key} image={image} masks={image.masks} query={query} colormap={display.colormap} opacity={display.opacity} />}
          <ul className="detail-masks" aria-label="Masks">
            {image.masks.map((mask) => (
              <li key={mask.id}>
                <figure>
                  <MaskOverlay image={image} size={pictureSize(image, mask)} maskSrc={mask[display.colormap]} maskAlt={`${mask.maskType} of ${image.key}`} opacity={display.opacity} roi={null} />
                  <figcaption>
                    <strong>{mask.maskType}</strong>
                    {mask.model && ` · ${mask.model.name}`} · {mask.width}×{mask.height} {mask.encoding} · {mask.source} ·{' '}
                    <a href={overlayPngUrl(image.key, mask.id, display.colormap, display.opacity)} download={`${image.key}-${mask.maskType}.png`}>
                      overlay PNG
                    </a>
                  </figcaption>
                </figure>
              </li>
            ))}
          </ul>
          {image.masks.length >= 2 && <Agreement image={image} masks={image.masks} threshold={threshold} />}
        </>
      )}
    </dialog>
  );
}
