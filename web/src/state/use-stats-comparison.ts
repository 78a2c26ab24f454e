import { useEffect, useState } from 'react';
import type { QueryState } from '../query/query-state.js';
import { questionKey } from '../query/url-state.js';
import type { ResultsState } from '../results/use-query-results.js';
import type { StatsComparison } from '../stats/StatsPanel.js';

/** Remembers each question's latest stats with and without the index, to set them side by side. */
export function useStatsComparison(active: QueryState | null, state: ResultsState): StatsComparison {
  const [byQuestion, setByQuestion] = useState(() => new Map<string, StatsComparison>());
  useEffect(() => {
    if (state.status !== 'done') return;
    const key = questionKey(state.query);
    const { stats } = state.page;
    setByQuestion((known) => new Map(known).set(key, { ...known.get(key), [stats.usedIndex ? 'withIndex' : 'scan']: stats }));
  }, [state]);
  return (active && byQuestion.get(questionKey(active))) || {};
}
