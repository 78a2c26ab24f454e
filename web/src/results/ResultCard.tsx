import type { Colormap, MaskSummary } from '../api/types.js';
import { formatValue, valueCaption } from '../format.js';
import type { QueryState } from '../query/query-state.js';
import { groupMaskTypes } from '../query/query-state.js';
import { MaskOverlay } from './MaskOverlay.js';
import type { ResultItem } from './result-item.js';
import { pictureSize, roiRect } from './roi-rect.js';

export interface DisplaySettings {
  opacity: number;
  colormap: Colormap;
  /** Aggregation groups: the member mask type to overlay (the first member when absent). */
  overlayType: string | null;
}

interface Props {
  item: ResultItem;
  query: QueryState;
  display: DisplaySettings;
  onOpen(key: string): void;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The model's prediction as the demo data records it (metadata.prediction, metadata.correct); other data may have none. */
function Prediction({ metadata }: { metadata: Record<string, unknown> }) {
  const prediction = text(metadata.prediction);
  if (!prediction) return null;
  const correct = typeof metadata.correct === 'boolean' ? metadata.correct : null;
  return (
    <span className={correct === false ? 'wrong' : undefined}>
      predicted {prediction}
      {correct === null ? '' : correct ? ' ✓' : ' ✗'}
    </span>
  );
}

function memberToShow(item: ResultItem, overlayType: string | null): MaskSummary | undefined {
  return item.masks.find((m) => m.maskType === overlayType) ?? item.masks[0];
}

/** One result's tile in the grid: the image with its mask overlaid and the ROI drawn, its rank, value, label and prediction. */
export function ResultCard({ item, query, display, onOpen }: Props) {
  const { image } = item;
  const mask = memberToShow(item, display.overlayType);
  const measure = query.kind === 'aggregate' ? query.aggregate.measure : query.normalize;
  const scenario = text(image.metadata.scenario);
  const planted = scenario !== null && scenario !== 'normal';
  const missing = query.kind === 'aggregate' ? groupMaskTypes(query).filter((type) => !item.masks.some((m) => m.maskType === type)) : [];
  return (
    <article className="card" data-scenario={scenario ?? undefined} data-image-key={image.key}>
      <button type="button" className="card-open" onClick={() => onOpen(image.key)} aria-label={`${image.key}: show all its masks`}>
        <MaskOverlay
          image={image}
          size={pictureSize(image, mask)}
          maskSrc={mask?.[display.colormap]}
          maskAlt={mask ? `${mask.maskType} of ${image.key}` : undefined}
          opacity={display.opacity}
          roi={roiRect(query.roi, image, mask)}
        />
      </button>
      <div className="card-meta">
        <p className="card-title">
          {item.rank !== null && <span className="rank">#{item.rank}</span>} <span className="key">{image.key}</span>{' '}
          <span className="value" data-testid="value">
            {formatValue(item.value, measure === 'COUNT')} <small>{valueCaption(measure)}</small>
          </span>
        </p>
        <p className="card-facts">
          {image.label && <span>label {image.label}</span>}
          <Prediction metadata={image.metadata} />
          {image.split && <span>{image.split}</span>}
          {mask?.model && <span>{mask.model.name}</span>}
        </p>
        {(planted || missing.length > 0) && (
          <p className="card-flags">
            {planted && <span className="chip planted">planted: {scenario}</span>}
            {missing.length > 0 && <span className="chip">no {missing.join(', ')}</span>}
          </p>
        )}
      </div>
    </article>
  );
}
