import { useEffect, useState } from 'react';
import type { FieldError } from './api/field-errors.js';
import type { DrawingReference } from './builder/BoxDrawer.js';
import { TokenField } from './access/TokenField.js';
import { PresetBar } from './builder/PresetBar.js';
import { QueryBuilder, builderFields } from './builder/QueryBuilder.js';
import { SqlPreview } from './builder/SqlPreview.js';
import { DetailDialog } from './detail/DetailDialog.js';
import { PRESETS } from './query/presets.js';
import type { QueryState } from './query/query-state.js';
import { DEFAULT_QUERY } from './query/query-state.js';
import { queryToParams, questionKey } from './query/url-state.js';
import { DisplayControls } from './results/DisplayControls.js';
import type { DisplaySettings } from './results/ResultCard.js';
import { ResultsGrid } from './results/ResultsGrid.js';
import type { ResultItem } from './results/result-item.js';
import { useQueryResults } from './results/use-query-results.js';
import { StatsPanel } from './stats/StatsPanel.js';
import { useStatsComparison } from './state/use-stats-comparison.js';
import { useSuggestions } from './state/use-suggestions.js';
import { useUrlQuery } from './state/use-url-query.js';

/** A box is drawn on the first result's image, in its mask's pixels; before any result, on a 224×224 square. */
function drawingReference(first: ResultItem | undefined): DrawingReference {
  const mask = first?.masks[0];
  if (!first || !mask) return { imageKey: null, maskUrl: null, maskWidth: 224, maskHeight: 224 };
  return { imageKey: first.image.key, maskUrl: mask.turbo, maskWidth: mask.width, maskHeight: mask.height };
}

/** Errors about arguments the builder has no field for (or about the query as a whole) go above the results. */
function generalErrors(errors: readonly FieldError[], query: QueryState): FieldError[] {
  const fields = builderFields(query);
  return errors.filter((e) => e.field === null || !fields.some((f) => e.field === f || e.field!.startsWith(`${f}.`)));
}

export function App() {
  const url = useUrlQuery();
  const [draft, setDraft] = useState<QueryState>(() => url.active ?? DEFAULT_QUERY);
  // The builder shows the query the URL runs: after a preset, the back button, or opening a shared link.
  useEffect(() => {
    if (url.active) setDraft(url.active);
  }, [url.active]);
  const { state, loadMore } = useQueryResults(url.active);
  const suggestions = useSuggestions();
  const comparison = useStatsComparison(url.active, state);
  const [display, setDisplay] = useState<DisplaySettings>({ opacity: 0.6, colormap: 'turbo', overlayType: null });

  const shown = state.status === 'done' ? state : state.status === 'loading' ? state.previous : null;
  const page = shown?.page;
  const errors = state.status === 'error' ? state.errors : [];
  const general = generalErrors(errors, draft);
  const preset = url.active && PRESETS.find((p) => questionKey(p.query) === questionKey(url.active!));

  return (
    <>
      <header className="top">
        <h1>MaskSearch explorer</h1>
        <nav aria-label="Elsewhere">
          <TokenField />
          <a href="/graphql">GraphQL API</a>
        </nav>
      </header>
      <main className="layout">
        <div className="side">
          <PresetBar presets={PRESETS} onPick={(p) => url.run(p.query)} />
          <QueryBuilder
            query={draft}
            suggestions={suggestions}
            reference={drawingReference(page?.items[0])}
            errors={errors}
            running={state.status === 'loading'}
            onChange={setDraft}
            onRun={() => url.run(draft)}
          />
          <SqlPreview query={draft} />
        </div>
        <section
          className="results"
          aria-labelledby="results-heading"
          aria-busy={state.status === 'loading'}
          data-status={state.status}
          data-query={state.status === 'done' ? queryToParams(state.query).toString() : undefined}
        >
          <h2 id="results-heading">Results</h2>
          {preset && (
            <p className="preset-note">
              <strong>{preset.title}.</strong> {preset.description}
            </p>
          )}
          <StatsPanel
            stats={page?.stats ?? null}
            comparison={comparison}
            useIndex={url.active?.useIndex ?? true}
            canRerun={url.active !== null}
            onToggleIndex={(useIndex) => url.active && url.run({ ...url.active, useIndex })}
          />
          <DisplayControls
            display={display}
            overlayTypes={shown?.query.kind === 'aggregate' ? shown.query.where.maskTypes : []}
            onChange={setDisplay}
          />
          <div role="status" className="status">
            {state.status === 'loading' && 'Running the query…'}
          </div>
          {general.length > 0 && (
            <div role="alert" className="error-banner">
              {general.map((e) => (
                <p key={e.message}>{e.message}</p>
              ))}
            </div>
          )}
          {errors.length > general.length && <p className="rejected">The query did not run: the API's message is next to the field it is about.</p>}
          {state.status === 'idle' && <p className="empty">Pick a scenario, or build a query and run it.</p>}
          {shown && (
            <ResultsGrid
              page={shown.page}
              query={shown.query}
              display={display}
              loadingMore={state.status === 'done' && state.loadingMore}
              moreError={state.status === 'done' ? state.moreError : null}
              onLoadMore={loadMore}
              onOpen={url.openDetail}
            />
          )}
        </section>
      </main>
      {url.detailKey && (
        <DetailDialog
          key={url.detailKey}
          imageKey={url.detailKey}
          threshold={url.active?.kind === 'aggregate' ? url.active.aggregate.threshold : 0.5}
          display={display}
          onClose={url.closeDetail}
        />
      )}
    </>
  );
}
