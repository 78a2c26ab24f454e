import type { Seeding } from '../api/types.js';
import { formatCount } from '../format.js';

interface Props {
  /** The preset's title, or the query in a few words. */
  label: string;
  /** What the grid holds now, e.g. "showing 48 of 1,234 masks"; null until the first answer. */
  count: string | null;
  /** While a demo seeds: the answer is over the masks stored so far. */
  seeding: Seeding | null;
  onClear(): void;
}

/**
 * Says that the grid is narrowed to a query's results (in result order), and clears it: back to
 * browsing every image the sidebar's filter selects.
 */
export function QueryFilterBar({ label, count, seeding, onClear }: Props) {
  return (
    <div className="query-filter" data-testid="query-filter">
      <span className="chip query-chip">
        Filtered by query: <strong>{label}</strong>
      </span>
      {count !== null && (
        <span className="result-count" data-testid="result-count">
          {count}
        </span>
      )}
      <button type="button" className="clear-query" onClick={onClear}>
        × Clear the query, browse all images
      </button>
      {seeding?.state === 'seeding' && count !== null && (
        <p className="partial-answer" data-testid="partial-answer">
          Answered over the {formatCount(seeding.masksStored)} of {formatCount(seeding.masksPlanned)} masks stored so far: the demo is still seeding, and the query
          runs again as more land.
        </p>
      )}
    </div>
  );
}
