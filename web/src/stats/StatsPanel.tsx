import type { QueryStats } from '../api/types.js';
import { formatCount, formatMs } from '../format.js';
import { StatsChart } from './StatsChart.js';

/** The same question's latest stats with and without the index. */
export interface StatsComparison {
  withIndex?: QueryStats;
  scan?: QueryStats;
}

interface Props {
  stats: QueryStats | null;
  comparison: StatsComparison;
  useIndex: boolean;
  /** Whether there is a query to rerun. */
  canRerun: boolean;
  onToggleIndex(useIndex: boolean): void;
}

function Comparison({ withIndex, scan }: Required<StatsComparison>) {
  const speedup = scan.elapsedMs / Math.max(withIndex.elapsedMs, 0.01);
  return (
    <table className="comparison" data-testid="index-comparison">
      <caption>The same query with and without the index</caption>
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col">time</th>
          <th scope="col">masks loaded</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">with the index</th>
          <td>{formatMs(withIndex.elapsedMs)}</td>
          <td>{formatCount(withIndex.verified)}</td>
        </tr>
        <tr>
          <th scope="row">full scan</th>
          <td>{formatMs(scan.elapsedMs)}</td>
          <td>{formatCount(scan.verified)}</td>
        </tr>
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={3}>
            {speedup >= 1 ? `${speedup.toFixed(1)}× faster with the index` : 'no faster with the index on this query'}, loading{' '}
            {formatCount(withIndex.verified)} instead of {formatCount(scan.verified)} masks
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

/** What the last query did: time, masks loaded vs pruned, and the switch to rerun it without the index. */
export function StatsPanel({ stats, comparison, useIndex, canRerun, onToggleIndex }: Props) {
  return (
    <section className="stats" aria-labelledby="stats-heading">
      <h2 id="stats-heading">Query stats</h2>
      {stats && (
        <>
          <p className="stats-summary" data-testid="stats-summary">
            {formatMs(stats.elapsedMs)} · loaded {formatCount(stats.verified)} of {formatCount(stats.candidates)} masks
            {stats.groups !== null && ` · ${formatCount(stats.groups)} image groups`}
            {stats.usedIndex ? '' : ' · full scan, no index'}
          </p>
          <StatsChart stats={stats} />
        </>
      )}
      <label className="checkbox">
        <input type="checkbox" data-testid="index-toggle" checked={useIndex} disabled={!canRerun} onChange={(e) => onToggleIndex(e.target.checked)} /> Use the index (CHI); uncheck
        to rerun the query as a full scan and compare
      </label>
      {comparison.withIndex && comparison.scan && <Comparison withIndex={comparison.withIndex} scan={comparison.scan} />}
    </section>
  );
}
