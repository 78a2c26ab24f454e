import type { QueryStats } from '../api/types.js';
import { formatCount } from '../format.js';

const PARTS = [
  ['prunedByIndex', 'ruled out by the index'],
  ['acceptedByIndex', 'decided by the index'],
  ['verified', 'loaded and counted'],
  ['skipped', 'skipped (no usable ROI)'],
] as const;

/** Where the candidate masks went: a bar split by how each was decided, with its legend. */
export function StatsChart({ stats }: { stats: QueryStats }) {
  const total = Math.max(1, stats.candidates);
  const summary = PARTS.map(([part, label]) => `${formatCount(stats[part])} ${label}`).join(', ');
  return (
    <figure className="stats-chart">
      <div className="bar" role="img" aria-label={`Of ${formatCount(stats.candidates)} candidate masks: ${summary}`}>
        {PARTS.map(([part]) => (
          <span key={part} className={`bar-${part}`} style={{ width: `${(stats[part] / total) * 100}%` }} />
        ))}
      </div>
      <figcaption>
        <ul className="legend">
          {PARTS.map(([part, label]) => (
            <li key={part}>
              <span className={`swatch bar-${part}`} aria-hidden="true" /> {formatCount(stats[part])} {label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
